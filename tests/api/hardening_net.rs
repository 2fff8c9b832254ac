//! Clients with an address of their own, and a real reverse proxy, on loopback: Linux routes
//! all of 127.0.0.0/8 to `lo`, so a client bound to 127.0.0.2 and one bound to 127.0.0.3 are
//! two clients to the server (and to the proxy), as two people in two places would be.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use serde_json::Value;

/// An answer read off the wire.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A TCP connection to `to` from the loopback address `from` (port chosen by the system).
pub fn connect_from(from: &str, to: &str) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let to: SocketAddr = to.parse().expect("an address");
    let local: SocketAddr = format!("{from}:0").parse().expect("a source address");
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    socket.bind(&local.into()).expect("bind the source address");
    socket.connect(&to.into()).expect("connect");
    let stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    stream
}

/// One HTTP/1.1 request from `from` to `to` (`Connection: close`), read to the end.
pub fn request(
    from: &str,
    to: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Answer {
    let mut stream = connect_from(from, to);
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_answer(&raw)
}

fn parse_answer(raw: &[u8]) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        unchunk(rest)
    } else {
        rest.to_vec()
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn unchunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&rest[..eol])
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
        rest = &rest[eol + 2 + size + 2..];
    }
}

/// A reverse proxy on 127.0.0.1 that does what the shipped nginx does
/// (`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`, `X-Forwarded-Proto`): it
/// appends the address of the client it sees to the client's `X-Forwarded-For`, sets the scheme
/// and forwards to the upstream from 127.0.0.1. One request per connection.
pub struct Proxy {
    pub addr: String,
}

impl Proxy {
    pub fn start(upstream: &str, proto: &'static str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let upstream = upstream.to_string();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { continue };
                let upstream = upstream.clone();
                std::thread::spawn(move || {
                    let _ = forward(client, &upstream, proto);
                });
            }
        });
        Proxy { addr }
    }
}

fn forward(client: TcpStream, upstream: &str, proto: &str) -> std::io::Result<()> {
    let peer = client.peer_addr()?.ip().to_string();
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    let mut forwarded_for = None;
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end().to_string();
        if line.is_empty() {
            break;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
        match k.as_str() {
            "x-forwarded-for" => forwarded_for = Some(v),
            "x-forwarded-proto" | "connection" => {}
            "content-length" => {
                length = v.parse().unwrap_or(0);
                headers.push(format!("{k}: {v}"));
            }
            _ => headers.push(format!("{k}: {v}")),
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let xff = match forwarded_for {
        Some(existing) => format!("{existing}, {peer}"),
        None => peer,
    };
    headers.push(format!("x-forwarded-for: {xff}"));
    headers.push(format!("x-forwarded-proto: {proto}"));
    headers.push("connection: close".into());
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(format!("{}{}\r\n\r\n", request_line, headers.join("\r\n")).as_bytes())?;
    up.write_all(&body)?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    let mut client = client;
    client.write_all(&answer)?;
    client.shutdown(std::net::Shutdown::Both)
}
