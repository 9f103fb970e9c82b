//! A real webhook receiver on loopback: records every delivery (headers and
//! raw body), answers 500 to the first `reject_first` requests and 200 after,
//! and checks signatures the way a customer's endpoint would.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
    pub answered: u16,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map_or("", String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("webhook body is JSON")
    }

    /// HMAC-SHA256(secret, "{timestamp}.{raw body}") against X-Webhook-Signature.
    pub fn signature_valid(&self, secret: &str) -> bool {
        let Some(hex_sig) = self.header("x-webhook-signature").strip_prefix("sha256=") else {
            return false;
        };
        let Ok(given) = hex::decode(hex_sig) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{}.{}", self.header("x-webhook-timestamp"), self.body).as_bytes());
        mac.verify_slice(&given).is_ok()
    }
}

#[derive(Clone)]
pub struct Receiver {
    pub port: u16,
    pub log: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start(reject_first: usize) -> Receiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log: Arc<Mutex<Vec<Received>>> = Arc::default();
        let shared = Arc::clone(&log);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut headers = HashMap::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                            break;
                        }
                        if let Some((k, v)) = line.split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                        }
                    }
                    let length: usize = headers
                        .get("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let answered = {
                        let mut log = log.lock().unwrap();
                        let answered = if log.len() < reject_first { 500 } else { 200 };
                        log.push(Received {
                            headers,
                            body: String::from_utf8_lossy(&body).into_owned(),
                            answered,
                            at: Instant::now(),
                        });
                        answered
                    };
                    let mut stream = stream;
                    let _ = stream.write_all(
                        format!("HTTP/1.1 {answered} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                            .as_bytes(),
                    );
                });
            }
        });
        Receiver { port, log }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub fn all(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// Deliveries answered 2xx, one per delivery id (receivers dedupe on it).
    pub fn accepted(&self) -> HashMap<String, Received> {
        let mut unique = HashMap::new();
        for r in self.all().into_iter().filter(|r| r.answered == 200) {
            unique
                .entry(r.header("x-webhook-delivery-id").to_string())
                .or_insert(r);
        }
        unique
    }

    /// The accepted events for one job, as (event, delivery id).
    pub fn events_of(&self, job_id: &str) -> Vec<(String, String)> {
        let mut events: Vec<(String, String)> = self
            .accepted()
            .into_iter()
            .filter(|(_, r)| r.json()["data"]["id"] == job_id)
            .map(|(id, r)| (r.header("x-webhook-event").to_string(), id))
            .collect();
        events.sort();
        events
    }
}
