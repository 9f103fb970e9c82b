//! Load on a running `vidmatte serve` the way many customers would make it:
//! `--keys` API keys (made through the admin API), each sending a paced mix
//! of requests — an idempotent draft create, a poll of that job, a list, a
//! credits read — with rate limiting and idempotency on. Meanwhile each key
//! cancels one of its drafts every few seconds, which emits `job.failed`
//! (`error_code: canceled`) to a webhook receiver in this process: the time
//! from sending the cancel to the delivery's arrival bounds the webhook
//! latency. Prints figures, asserts nothing.
//!
//!   cargo run --release --example api_load -- --base http://127.0.0.1:8080 \
//!       --admin-token T [--keys 100] [--rate 9] [--seconds 20]
//!
//! The server needs VIDMATTE_ADMIN_TOKEN, VIDMATTE_URL_ALLOWLIST=127.0.0.1 and
//! VIDMATTE_WEBHOOK_ALLOW_HTTP=true (the receiver is plain http on loopback).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    base: String,
    #[arg(long)]
    admin_token: String,
    #[arg(long, default_value_t = 100)]
    keys: usize,
    /// Requests per second per key (the default limit is 10).
    #[arg(long, default_value_t = 9.0)]
    rate: f64,
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Seconds between a key's webhook-producing cancels.
    #[arg(long, default_value_t = 5)]
    cancel_every: u64,
}

/// Arrival time of each delivery, by job id.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

fn receiver(arrivals: Arrivals) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let arrivals = Arc::clone(&arrivals);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let mut length = 0usize;
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    if line.trim().is_empty() {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_ok() {
                    let at = Instant::now();
                    if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                        if let Some(id) = v["data"]["id"].as_str() {
                            arrivals.lock().unwrap().entry(id.to_string()).or_insert(at);
                        }
                    }
                }
                let mut stream = stream;
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            });
        }
    });
    port
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, usize>,
    errors: usize,
    /// (job id, when its cancel was sent)
    cancels: Vec<(String, Instant)>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.keys * 2)
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut keys = Vec::new();
    for i in 0..args.keys {
        let created: Value = client
            .post(format!("{}/v1/admin/keys", args.base))
            .header("X-Admin-Token", &args.admin_token)
            .json(&json!({"client_id": format!("load-{i}")}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        keys.push(created["api_key"].as_str().unwrap().to_string());
    }
    let arrivals: Arrivals = Arc::default();
    let hook = format!("http://127.0.0.1:{}/hook", receiver(Arc::clone(&arrivals)));
    let tally: Arc<Mutex<Tally>> = Arc::default();
    let started = Instant::now();
    let end = started + Duration::from_secs(args.seconds);
    let period = Duration::from_secs_f64(1.0 / args.rate);
    let mut tasks = Vec::new();
    for (k, key) in keys.into_iter().enumerate() {
        let (client, tally, base, hook) = (
            client.clone(),
            Arc::clone(&tally),
            args.base.clone(),
            hook.clone(),
        );
        let cancel_every = Duration::from_secs(args.cancel_every);
        tasks.push(tokio::spawn(async move {
            // Spread the keys' first requests over one period.
            tokio::time::sleep(period.mul_f64(k as f64 / 100.0 % 1.0)).await;
            let mut tick = tokio::time::interval(period);
            let mut last_job: Option<String> = None;
            let mut last_cancel = Instant::now();
            let mut n = 0u64;
            while Instant::now() < end {
                tick.tick().await;
                n += 1;
                let cancel = last_job.is_some() && last_cancel.elapsed() >= cancel_every;
                let is_create = !cancel && (n.is_multiple_of(4) || last_job.is_none());
                let request = match (n % 4, cancel, &last_job) {
                    (_, true, Some(id)) => client.post(format!("{base}/v1/jobs/{id}/cancel")),
                    (0, _, _) | (_, _, None) => client
                        .post(format!("{base}/v1/jobs"))
                        .header("Idempotency-Key", format!("load-{k}-{n}"))
                        .json(&json!({"video_url": "https://example.com/clip.mp4", "auto_start": false, "webhook_url": hook})),
                    (1, _, Some(id)) => client.get(format!("{base}/v1/jobs/{id}")),
                    (2, _, _) => client.get(format!("{base}/v1/jobs?limit=5")),
                    _ => client.get(format!("{base}/v1/credits")),
                };
                let sent = Instant::now();
                let result = request.header("X-Api-Key", &key).send().await;
                let took = sent.elapsed();
                let response = match result {
                    Ok(response) => response,
                    Err(_) => {
                        tally.lock().unwrap().errors += 1;
                        continue;
                    }
                };
                let status = response.status().as_u16();
                {
                    let mut t = tally.lock().unwrap();
                    t.latencies.push(took);
                    *t.statuses.entry(status).or_default() += 1;
                }
                if let Ok(body) = response.json::<Value>().await {
                    if cancel && status == 200 {
                        let id = last_job.take().unwrap_or_default();
                        // From when the cancel was sent: an upper bound on event → delivery.
                        tally.lock().unwrap().cancels.push((id, sent));
                        last_cancel = Instant::now();
                    } else if is_create && status == 201 {
                        last_job = body["id"].as_str().map(String::from);
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await; // last deliveries
    let mut t = std::mem::take(&mut *tally.lock().unwrap());
    t.latencies.sort();
    let total = t.latencies.len();
    println!(
        "{} keys × {:.1} req/s for {:.1} s: {} requests, {:.0} req/s, transport errors {}",
        args.keys,
        args.rate,
        elapsed.as_secs_f64(),
        total,
        total as f64 / elapsed.as_secs_f64(),
        t.errors
    );
    println!("status counts: {:?}", t.statuses);
    println!(
        "latency p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        percentile(&t.latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&t.latencies, 0.9).as_secs_f64() * 1e3,
        percentile(&t.latencies, 0.99).as_secs_f64() * 1e3,
        t.latencies
            .last()
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1e3
    );
    let arrivals = arrivals.lock().unwrap();
    let mut delays: Vec<Duration> = t
        .cancels
        .iter()
        .filter_map(|(id, at)| {
            arrivals
                .get(id)
                .map(|arrived| arrived.saturating_duration_since(*at))
        })
        .collect();
    delays.sort();
    println!(
        "webhooks: {} cancels, {} delivered; cancel sent → delivery p50 {:.0} ms  p99 {:.0} ms  max {:.0} ms",
        t.cancels.len(),
        delays.len(),
        percentile(&delays, 0.5).as_secs_f64() * 1e3,
        percentile(&delays, 0.99).as_secs_f64() * 1e3,
        delays.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    Ok(())
}
