//! Where the service may send requests of its own (webhook deliveries): public internet
//! addresses only, unless `WEBHOOK_ALLOW_PRIVATE_NETWORKS` is set, so that a subscriber URL
//! cannot make the service reach its own host, its network or a cloud metadata endpoint (SSRF).
//!
//! Registration checks the URL (and what its name resolves to now); delivery checks again what
//! the name resolves to at that moment and connects only to a checked address (`webhooks.rs`),
//! so a name re-pointed after registration (DNS rebinding) gains nothing.

use crate::i18n::Code;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use ip_network::{Ipv4Network, Ipv6Network};

/// What a refused URL is told; the same for every reason, so the answer maps no network.
pub const NOT_PUBLIC: Code = Code::UrlNotPublic;

/// How long registration waits for a name to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether the service may connect to `ip`: a globally reachable unicast address in IANA's
/// special-purpose registries (read from `ip_network`). An IPv6 address that carries an IPv4
/// address (mapped, compatible, NAT64, 6to4) is judged by that IPv4 address. Cloud metadata
/// services sit in ranges that are not global (169.254.169.254 link-local, fd00:ec2::254 unique
/// local, 100.100.100.200 shared, 192.0.0.192 IETF protocol assignments).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    // `is_global` leaves multicast (224.0.0.0/4) to the caller.
    Ipv4Network::from(ip).is_global() && !ip.is_multicast() && !ip.is_unspecified()
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // What `is_global` counts as global but IANA does not: the IETF protocol assignments
    // 2001::/23 (Teredo, benchmarking, ORCHID), discard-only 100::/64 and local-use NAT64
    // 64:ff9b:1::/48. A global multicast address is no receiver either.
    let ietf = s[0] == 0x2001 && s[1] < 0x0200;
    let discard = s[0] == 0x0100 && s[1..4] == [0, 0, 0];
    let local_nat64 = s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001;
    Ipv6Network::from(ip).is_global()
        && !ip.is_multicast()
        && !ip.is_unspecified()
        && !ietf
        && !discard
        && !local_nat64
}

/// The IPv4 address an IPv6 address stands for: `::ffff:a.b.c.d` (mapped), `::a.b.c.d`
/// (compatible, which also turns `::1` and `::` into 0.0.0.1 and 0.0.0.0, both refused),
/// `64:ff9b::a.b.c.d` (NAT64) and `2002:aabb:ccdd::/48` (6to4).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let o = ip.octets();
    let last = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0; 6] || s[..6] == [0x0064, 0xff9b, 0, 0, 0, 0] {
        return Some(last);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    None
}

/// Whether a host name means this machine whatever DNS says (RFC 6761).
fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// The addresses `host` resolves to now (as the delivery's resolver will see them), or `None`
/// when it does not resolve within the time allowed.
fn resolve(host: &str, port: u16) -> Option<Vec<SocketAddr>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let target = (host.to_string(), port);
    std::thread::spawn(move || {
        let _ = tx.send(target.to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    rx.recv_timeout(RESOLVE_TIMEOUT).ok()?.ok()
}

/// Checks a subscriber URL at registration: `Err(NOT_PUBLIC)` when it names a non-public
/// address, a local name, or a name that resolves to any non-public address. A name that does
/// not resolve (yet) is accepted: every delivery resolves and checks it again. Blocks on DNS.
pub fn check_url(url: &str, allow_private: bool) -> Result<(), Code> {
    if allow_private {
        return Ok(());
    }
    let Ok(parsed) = url::Url::parse(url.trim()) else {
        return Err(Code::HttpUrl);
    };
    let port = parsed.port_or_known_default().unwrap_or(80);
    let public = match parsed.host() {
        // The URL parser reads `0x7f000001`, `2130706433` and `127.1` as 127.0.0.1 already.
        Some(url::Host::Ipv4(v4)) => is_public(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => is_public(IpAddr::V6(v6)),
        Some(url::Host::Domain(name)) if is_local_name(name) => false,
        Some(url::Host::Domain(name)) => match resolve(name, port) {
            Some(addrs) => addrs.iter().all(|a| is_public(a.ip())),
            None => true,
        },
        None => false,
    };
    if public { Ok(()) } else { Err(NOT_PUBLIC) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_global_unicast_addresses_are_public() {
        for refused in [
            "127.0.0.1",
            "0.0.0.0",
            "10.0.0.1",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "100.100.100.200",
            "169.254.169.254",
            "192.0.0.192",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "fe80::1",
            "fc00::1",
            "fd00:ec2::254",
            "2001:db8::1",
            "2001::1",
            "100::1",
            "ff02::1",
            "ff0e::1",
        ] {
            assert!(!is_public(refused.parse().unwrap()), "{refused} is refused");
        }
        for allowed in [
            "1.1.1.1",
            "8.8.8.8",
            "193.191.1.1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2606:4700:4700::1111",
            "2a02:1800::1",
        ] {
            assert!(is_public(allowed.parse().unwrap()), "{allowed} is public");
        }
    }

    #[test]
    fn local_names_and_odd_spellings_of_loopback_are_refused() {
        for url in [
            "http://localhost/",
            "http://LOCALHOST./x",
            "http://foo.localhost:8080/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://127.1/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert_eq!(check_url(url, false), Err(NOT_PUBLIC), "{url}");
            assert_eq!(check_url(url, true), Ok(()), "{url}");
        }
        assert_eq!(check_url("https://1.1.1.1/hook", false), Ok(()));
    }
}
