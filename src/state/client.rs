//! Who the client is, behind reverse proxies: `TRUSTED_PROXIES` names the peers whose
//! `Forwarded` / `X-Forwarded-For` / `X-Forwarded-Proto` headers are believed. From any other
//! peer the headers are the client's to invent, and are ignored.
//!
//! The chain of hops is read from the right (the hop our peer added last): trusted proxies are
//! skipped, and the first untrusted hop is the client. A client can put anything on the left of
//! the chain, never on the right, so what it forges is never reached.

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;
use ip_network::IpNetwork;

/// The client of one request, as resolved once by the request middleware.
#[derive(Clone, Debug)]
pub struct Client {
    /// The client's address (`unknown` when the server could not tell).
    pub addr: String,
    /// Whether the client's connection was TLS (reported by a trusted proxy: this server speaks
    /// plain HTTP itself).
    pub tls: bool,
}

/// The peers whose forwarding headers are believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNetwork>);

impl TrustedProxies {
    /// Parses a list of addresses or CIDR ranges (`10.0.0.5`, `172.28.0.0/24`, `::1`).
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .map(|e| {
                let parsed = if e.contains('/') {
                    e.parse::<IpNetwork>().map_err(|err| err.to_string())
                } else {
                    e.parse::<IpAddr>()
                        .map(IpNetwork::from)
                        .map_err(|err| err.to_string())
                };
                parsed.map_err(|why| {
                    format!("TRUSTED_PROXIES: `{e}` is not an address or CIDR range ({why})")
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client of a request that came from `peer` with `headers`.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Client {
        let Some(peer) = peer.map(canonical) else {
            return Client {
                addr: "unknown".into(),
                tls: false,
            };
        };
        if !self.trusts(peer) {
            return Client {
                addr: peer.to_string(),
                tls: false,
            };
        }
        let (hops, protos) = forwarded_chain(headers);
        // Rightmost first: the hop our trusted peer added is the last one.
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) => {
                    client = *ip;
                    if !self.trusts(*ip) {
                        break;
                    }
                }
                // An unreadable hop (`unknown`, an obfuscated name) written by a trusted proxy:
                // the client is not known further than the last trusted hop.
                None => break,
            }
        }
        Client {
            addr: client.to_string(),
            // The scheme the proxy nearest to us reports.
            tls: protos
                .last()
                .is_some_and(|p| p.eq_ignore_ascii_case("https")),
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The hops (left to right) and the reported schemes: from `Forwarded` (RFC 7239) when present,
/// else from `X-Forwarded-For` and `X-Forwarded-Proto`. Every instance of a header counts, in
/// order.
fn forwarded_chain(headers: &HeaderMap) -> (Vec<Option<IpAddr>>, Vec<String>) {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        let mut hops = Vec::new();
        let mut protos = Vec::new();
        for element in forwarded.iter().flat_map(|v| v.split(',')) {
            let mut hop = None;
            for pair in element.split(';') {
                let Some((k, v)) = pair.split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "for" => hop = Some(parse_node(v)),
                    "proto" => protos.push(v.to_string()),
                    _ => {}
                }
            }
            hops.push(hop.flatten());
        }
        return (hops, protos);
    }
    let list = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let hops = list("x-forwarded-for")
        .iter()
        .map(|h| parse_node(h))
        .collect();
    (hops, list("x-forwarded-proto"))
}

/// An address with or without a port: `203.0.113.5`, `203.0.113.5:4711`, `[2001:db8::1]:4711`,
/// `2001:db8::1`.
fn parse_node(v: &str) -> Option<IpAddr> {
    let v = v.trim();
    if let Ok(ip) = v.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok().map(canonical);
    }
    v.rsplit_once(':')
        .and_then(|(ip, _port)| ip.parse().ok())
        .map(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn only_trusted_peers_are_believed_and_the_rightmost_untrusted_hop_is_the_client() {
        let p = proxies(&["10.0.0.0/8", "::1"]);
        let forged = headers(&[("x-forwarded-for", "198.51.100.1, 203.0.113.9")]);
        // An untrusted peer's header is ignored.
        let c = p.client(Some("192.0.2.7".parse().unwrap()), &forged);
        assert_eq!(c.addr, "192.0.2.7");
        // From a trusted proxy: the rightmost untrusted hop, whatever the client wrote left of it.
        let c = p.client(Some("10.1.2.3".parse().unwrap()), &forged);
        assert_eq!(c.addr, "203.0.113.9");
        // Two trusted proxies in a row are skipped.
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9, 10.9.9.9"),
            ("x-forwarded-proto", "https"),
        ]);
        let c = p.client(Some("::1".parse().unwrap()), &h);
        assert_eq!((c.addr.as_str(), c.tls), ("203.0.113.9", true));
        // RFC 7239 wins over X-Forwarded-For, with ports and brackets.
        let h = headers(&[
            (
                "forwarded",
                "for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.2",
            ),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        let c = p.client(Some("10.0.0.1".parse().unwrap()), &h);
        assert_eq!((c.addr.as_str(), c.tls), ("2001:db8::7", true));
        // An unreadable hop stops the walk at the last trusted proxy.
        let h = headers(&[("x-forwarded-for", "198.51.100.1, unknown")]);
        assert_eq!(
            p.client(Some("10.0.0.1".parse().unwrap()), &h).addr,
            "10.0.0.1"
        );
        // A mapped IPv4 peer is judged as IPv4.
        let c = p.client(Some("::ffff:10.0.0.1".parse().unwrap()), &forged);
        assert_eq!(c.addr, "203.0.113.9");
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.local".into()]).is_err());
    }
}
