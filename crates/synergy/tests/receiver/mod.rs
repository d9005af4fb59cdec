//! A webhook receiver for the tests: a real HTTP/1.1 server on loopback that verifies each
//! delivery's `Synergy-Signature` with the secret registered for its path, as a receiver
//! following docs/webhooks.md does, and counts deliveries by event id.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::Value;

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 200 to a delivery whose signature verifies (400 otherwise).
    Accept,
    /// 500 to everything.
    Fail,
    /// Reads the request and closes the connection without a word.
    Drop,
}

#[derive(Debug, Default)]
pub struct Seen {
    /// Verified deliveries by path, then by event id.
    pub delivered: HashMap<String, HashMap<String, usize>>,
    /// Requests answered 500 or dropped.
    pub refused: usize,
    pub bad_signatures: usize,
    pub bodies: Vec<Value>,
}

/// An HTTP/1.1 receiver on loopback, a thread per connection. It verifies
/// `Synergy-Signature` with the secret registered for the request's path, as a receiver
/// following docs/webhooks.md does, and counts deliveries by `Synergy-Event-Id`.
#[derive(Clone)]
pub struct Receiver {
    pub addr: String,
    pub mode: Arc<Mutex<Mode>>,
    pub secrets: Arc<Mutex<HashMap<String, String>>>,
    pub seen: Arc<Mutex<Seen>>,
}

impl Receiver {
    pub fn start(mode: Mode) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let r = Receiver {
            addr: listener.local_addr().unwrap().to_string(),
            mode: Arc::new(Mutex::new(mode)),
            secrets: Arc::default(),
            seen: Arc::default(),
        };
        let shared = r.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let r = shared.clone();
                std::thread::spawn(move || r.answer(stream));
            }
        });
        r
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    fn answer(&self, stream: TcpStream) {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_owned();
        let mut headers = HashMap::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let mut stream = stream;
        let status = match *self.mode.lock().unwrap() {
            Mode::Drop => {
                self.seen.lock().unwrap().refused += 1;
                let _ = stream.shutdown(std::net::Shutdown::Both);
                return;
            }
            Mode::Fail => {
                self.seen.lock().unwrap().refused += 1;
                "500 Internal Server Error"
            }
            Mode::Accept => {
                let secret = self.secrets.lock().unwrap().get(&path).cloned();
                let verified = secret.is_some_and(|s| verifies(&s, &headers, &body));
                let mut seen = self.seen.lock().unwrap();
                if verified {
                    let v: Value = serde_json::from_slice(&body).unwrap();
                    let id = headers["synergy-event-id"].clone();
                    assert_eq!(v["id"], id.as_str(), "the header names the body's event");
                    *seen
                        .delivered
                        .entry(path.clone())
                        .or_default()
                        .entry(id)
                        .or_default() += 1;
                    seen.bodies.push(v);
                    "200 OK"
                } else {
                    seen.bad_signatures += 1;
                    "400 Bad Request"
                }
            }
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }

    /// Distinct event ids delivered to `path`, and all deliveries counted.
    pub fn counts(&self, path: &str) -> (usize, usize) {
        let seen = self.seen.lock().unwrap();
        seen.delivered
            .get(path)
            .map_or((0, 0), |ids| (ids.len(), ids.values().sum()))
    }

    pub fn wait_for(&self, what: &str, mut done: impl FnMut(&Receiver) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `t=<unix>,v1=<hex>`: HMAC-SHA256 with the secret's bytes over `<t>.<body>`, and a `t`
/// within five minutes of now.
pub fn verifies(secret: &str, headers: &HashMap<String, String>, body: &[u8]) -> bool {
    let Some(header) = headers.get("synergy-signature") else {
        return false;
    };
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if (now - t).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&v1).is_ok()
}
