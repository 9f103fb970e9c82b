//! Issue 9's findings against a real `vidmatte serve`: billing and limits
//! follow what is decoded (not a patched header), a slow source neither
//! holds a worker nor ignores a cancel, and no crash leaves a job stuck.

mod support;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use support::*;

/// Rewrites the durations in mvhd, tkhd and mdhd to claim one second
/// (samples, timestamps and the edit list are kept).
fn claim_one_second(b: &mut [u8], mut off: usize, end: usize, movie_scale: &mut u32) {
    let be32 = |b: &[u8], at: usize| u32::from_be_bytes(b[at..at + 4].try_into().unwrap());
    let put = |b: &mut [u8], at: usize, version: u8, value: u32| {
        if version == 0 {
            b[at..at + 4].copy_from_slice(&value.to_be_bytes());
        } else {
            b[at..at + 8].copy_from_slice(&u64::from(value).to_be_bytes());
        }
    };
    while off + 8 <= end {
        let (mut size, mut header) = (be32(b, off) as usize, 8);
        if size == 1 {
            size = u64::from_be_bytes(b[off + 8..off + 16].try_into().unwrap()) as usize;
            header = 16;
        }
        let kind: [u8; 4] = b[off + 4..off + 8].try_into().unwrap();
        let body = off + header;
        match &kind {
            b"moov" | b"trak" | b"mdia" => claim_one_second(b, body, off + size, movie_scale),
            b"mvhd" | b"mdhd" => {
                let version = b[body];
                let scale_at = body + 4 + if version == 0 { 8 } else { 16 };
                let scale = be32(b, scale_at);
                if &kind == b"mvhd" {
                    *movie_scale = scale;
                }
                put(b, scale_at + 4, version, scale);
            }
            b"tkhd" => {
                let version = b[body];
                put(
                    b,
                    body + 4 + if version == 0 { 16 } else { 24 },
                    version,
                    *movie_scale,
                );
            }
            _ => {}
        }
        off += size.max(8);
    }
}

/// A real `seconds`-long 64×64 clip at 2 fps whose header claims 1 s.
fn lying_clip(dir: &Path, seconds: u32) -> PathBuf {
    let honest = dir.join(format!("honest_{seconds}.mp4"));
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=s=64x64:r=2:d={seconds}"))
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(&honest)
        .status()
        .unwrap();
    assert!(status.success());
    let mut bytes = std::fs::read(&honest).unwrap();
    let len = bytes.len();
    claim_one_second(&mut bytes, 0, len, &mut 0);
    let lying = dir.join(format!("lying_{seconds}.mp4"));
    std::fs::write(&lying, bytes).unwrap();
    lying
}

fn usage_kinds(server: &Server, key: &str, id: &str) -> Vec<String> {
    let (_, events) = server.get_as(key, "/v1/usage/events?limit=100");
    let mut kinds: Vec<String> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["job_id"] == id)
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    kinds
}

#[test]
fn a_header_that_understates_the_length_is_billed_and_limited_by_what_is_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let clip = lying_clip(dir.path(), 60);

    // The probe believes the header...
    let limited = create_key_with(&data, "limited", &["--credits", "5"])["api_key"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, upload) = server.upload_as(&limited, "/v1/uploads", &clip);
    assert_eq!(status, 201, "{upload}");
    assert!(
        upload["duration_seconds"].as_f64().unwrap() < 2.0,
        "{upload}"
    );
    // ...so 1 credit is reserved, but decoding shows 60 s: the job fails and
    // costs nothing.
    let id = server.create_job_as(
        &limited,
        &json!({"video_url": upload["video_url"], "model": "light"}),
    );
    let job = server.wait_terminal_as(&limited, &id, 180);
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["error_code"], "unprocessable_video", "{job}");
    assert!(job["error"].as_str().unwrap().contains("header"), "{job}");
    assert_eq!(job["credits_charged"], 0, "{job}");
    assert_eq!(usage_kinds(&server, &limited, &id), ["release", "reserve"]);
    let (_, credits) = server.get_as(&limited, "/v1/credits");
    assert_eq!(credits["remaining"], 5, "{credits}");

    // An unlimited key's job completes and is charged the true 60 s.
    let (_, upload) = server.upload("/v1/uploads", &clip);
    let id = server.create_job_as(
        &server.key,
        &json!({"video_url": upload["video_url"], "model": "light"}),
    );
    let job = server.wait_terminal_as(&server.key, &id, 180);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["frames"], 120, "{job}");
    let seconds = job["duration_seconds"].as_f64().unwrap();
    assert!((59.0..=61.0).contains(&seconds), "{job}");
    assert_eq!(
        job["credits_charged"], 45,
        "light: 45 credits a minute; {job}"
    );
}

#[test]
fn the_operator_duration_limit_holds_against_a_lying_header() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &[("VIDMATTE_MAX_DURATION_SECONDS", "10")],
    );
    let (status, upload) = server.upload("/v1/uploads", &lying_clip(dir.path(), 40));
    assert_eq!(status, 201, "the header passes the check: {upload}");
    let id = server.create_job_as(
        &server.key,
        &json!({"video_url": upload["video_url"], "model": "light"}),
    );
    let job = server.wait_terminal_as(&server.key, &id, 180);
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["error_code"], "unprocessable_video", "{job}");
    let error = job["error"].as_str().unwrap();
    assert!(error.contains("longer than the 10 s allowed"), "{error}");
    assert_eq!(job["credits_charged"], 0, "{job}");
}

#[test]
fn the_usage_summary_sums_the_charges_of_jobs_that_ran() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let key = create_key_with(&data, "summary", &["--credits", "1000"])["api_key"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, upload) = server.upload_as(&key, "/v1/uploads", &carphone_1s(dir.path()));
    let mut charged = 0;
    let mut seconds = 0.0;
    for model in ["light", "original"] {
        let id = server.create_job_as(
            &key,
            &json!({"video_url": upload["video_url"], "model": model}),
        );
        let job = server.wait_terminal_as(&key, &id, 180);
        assert_eq!(job["status"], "completed", "{job}");
        charged += job["credits_charged"].as_i64().unwrap();
        seconds += job["duration_seconds"].as_f64().unwrap();
    }
    // A draft, and a draft canceled before it ran: they never ran, so the
    // summary leaves them out.
    server.create_job_as(
        &key,
        &json!({"video_url": upload["video_url"], "auto_start": false}),
    );
    let canceled = server.create_job_as(
        &key,
        &json!({"video_url": upload["video_url"], "auto_start": false}),
    );
    let (status, _) = server.post_as(&key, &format!("/v1/jobs/{canceled}/cancel"), &json!({}));
    assert_eq!(status, 200);

    let (_, credits) = server.get_as(&key, "/v1/credits");
    assert_eq!(credits["used"].as_i64(), Some(charged), "{credits}");
    let (status, summary) = server.get_as(&key, "/v1/usage/summary?days=1");
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["credits"].as_i64(), Some(charged), "{summary}");
    let summed = summary["seconds"].as_f64().unwrap();
    assert!((summed - seconds).abs() < 1e-6, "{summary} vs {seconds}");
    assert_eq!(summary["jobs"], 2, "{summary}");
    assert_eq!(summary["by_status"], json!({"completed": 2}), "{summary}");
}

/// An HTTP source that promises 1 MB and sends one byte a second; `closed`
/// is set once the client hangs up.
struct DrippingSource {
    url: String,
    closed: Arc<AtomicBool>,
}

impl DrippingSource {
    fn start() -> DrippingSource {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/slow.mp4", listener.local_addr().unwrap());
        let closed = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&closed);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let flag = Arc::clone(&flag);
                std::thread::spawn(move || {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                        head.push(byte[0]);
                    }
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 1048576\r\n\r\n",
                    );
                    loop {
                        if stream
                            .write_all(b"\0")
                            .and_then(|()| stream.flush())
                            .is_err()
                        {
                            flag.store(true, Ordering::SeqCst);
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(500));
                    }
                });
            }
        });
        DrippingSource { url, closed }
    }
}

const FROM_LOOPBACK: (&str, &str) = ("VIDMATTE_URL_ALLOWLIST", "127.0.0.1/32");

#[test]
fn a_dripping_source_holds_no_worker_and_honours_cancel() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let source = DrippingSource::start();
    let server = Server::start(
        &data,
        &[
            FROM_LOOPBACK,
            ("VIDMATTE_WORKERS", "1"),
            ("VIDMATTE_FETCH_MIN_BYTES_PER_SECOND", "0"),
        ],
    );
    let slow = server.create_job_as(
        &server.key,
        &json!({"video_url": source.url, "model": "light"}),
    );
    server.wait_for(&slow, 60, |j| j["stage"] == "fetching");

    // Another tenant's job runs on the only worker meanwhile.
    let other = create_key(&data, "other")["api_key"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, upload) = server.upload_as(&other, "/v1/uploads", &carphone_1s(dir.path()));
    let id = server.create_job_as(
        &other,
        &json!({"video_url": upload["video_url"], "model": "light"}),
    );
    let done = server.wait_terminal_as(&other, &id, 180);
    assert_eq!(done["status"], "completed", "{done}");
    let (_, still) = server.get(&format!("/v1/jobs/{slow}"));
    assert_eq!(
        (still["status"].as_str(), still["stage"].as_str()),
        (Some("processing"), Some("fetching")),
        "{still}"
    );

    // A cancel reaches the download.
    let (status, _) = server.post(&format!("/v1/jobs/{slow}/cancel"), &json!({}));
    assert_eq!(status, 200);
    let job = server.wait_terminal_as(&server.key, &slow, 60);
    assert_eq!(
        (
            job["status"].as_str(),
            job["stage"].as_str(),
            job["error_code"].as_str()
        ),
        (Some("failed"), Some("canceled"), Some("canceled")),
        "{job}"
    );
    wait_until(60, "the download to be dropped", || {
        source.closed.load(Ordering::SeqCst)
    });
}

#[test]
fn a_slow_or_endless_source_fails_with_a_clear_reason() {
    let dir = tempfile::tempdir().unwrap();
    let source = DrippingSource::start();
    for (name, env, expected) in [
        ("rate", vec![FROM_LOOPBACK], "too slow"),
        (
            "deadline",
            vec![
                FROM_LOOPBACK,
                ("VIDMATTE_FETCH_MIN_BYTES_PER_SECOND", "0"),
                ("VIDMATTE_FETCH_TIMEOUT_SECONDS", "3"),
            ],
            "did not finish within 3 s",
        ),
    ] {
        let server = Server::start(&dir.path().join(name), &env);
        let id = server.create_job_as(&server.key, &json!({"video_url": source.url}));
        let job = server.wait_terminal_as(&server.key, &id, 120);
        assert_eq!(job["status"], "failed", "{job}");
        assert_eq!(job["error_code"], "source_unreachable", "{job}");
        let error = job["error"].as_str().unwrap();
        assert!(error.contains(expected), "{name}: {error}");
    }
}

/// A source that redirects to a name only a local network knows.
fn redirecting_source(to: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/moved.mp4", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = [0u8; 1024];
            let _ = stream.read(&mut head);
            let _ = write!(
                stream,
                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n"
            );
        }
    });
    url
}

#[test]
fn a_redirect_to_a_local_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[FROM_LOOPBACK]);
    for (to, why) in [
        (
            "http://instance-data/latest/meta-data/",
            "single-label host name",
        ),
        (
            "http://metadata.goog/computeMetadata/v1/",
            "points at a cloud metadata service",
        ),
    ] {
        let id = server.create_job_as(&server.key, &json!({"video_url": redirecting_source(to)}));
        let job = server.wait_terminal_as(&server.key, &id, 120);
        assert_eq!(job["error_code"], "source_unreachable", "{job}");
        let error = job["error"].as_str().unwrap();
        assert!(error.contains(why), "{to}: {error}");
    }
}

#[test]
fn cancel_then_kill_9_then_restart_ends_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Leases far longer than the test waits: only releasing the dead
    // process's lease lets the job end.
    let mut node = Server::start(&data, &[("VIDMATTE_LEASE_SECONDS", "600")]);
    let api = Server::start(&data, &[("VIDMATTE_WORKERS", "0")]);
    let key = create_key_with(&data, "crash", &["--credits", "1000"])["api_key"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, upload) = node.upload_as(&key, "/v1/uploads", &carphone_frames(dir.path(), 60));
    let id = node.create_job_as(
        &key,
        &json!({"video_url": upload["video_url"], "model": "original"}),
    );
    node.wait_for_as(&key, &id, 120, |j| j["stage"] == "segmenting");
    let work = data.join("work").join(&id);
    assert!(work.is_dir());

    // The worker freezes, the cancel is recorded by the API node, then the
    // worker's process dies before it could act.
    node.signal("STOP");
    let (status, flagged) = api.post_as(&key, &format!("/v1/jobs/{id}/cancel"), &json!({}));
    assert_eq!(status, 200, "{flagged}");
    assert_eq!(flagged["status"], "processing", "{flagged}");
    node.kill();
    node.start_again();

    let job = node.wait_terminal_as(&key, &id, 300);
    assert_eq!(
        (job["status"].as_str(), job["error_code"].as_str()),
        (Some("failed"), Some("canceled")),
        "{job}"
    );
    assert_eq!(job["credits_charged"], 0, "{job}");
    assert_eq!(job["billing_status"], "released", "{job}");
    assert_eq!(usage_kinds(&node, &key, &id), ["release", "reserve"]);
    let (_, credits) = node.get_as(&key, "/v1/credits");
    assert_eq!(credits["remaining"], 1000, "{credits}");
    wait_until(30, "the work folder to go", || !work.exists());
}

#[test]
fn a_restarted_node_does_not_wait_on_its_dead_leases() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut node = Server::start(
        &data,
        &[
            ("VIDMATTE_LEASE_SECONDS", "600"),
            ("VIDMATTE_MAX_RUNNING_PER_KEY", "1"),
        ],
    );
    let (_, upload) = node.upload("/v1/uploads", &carphone_frames(dir.path(), 60));
    let running = node.create_job_as(
        &node.key,
        &json!({"video_url": upload["video_url"], "model": "original"}),
    );
    let queued = node.create_job_as(
        &node.key,
        &json!({"video_url": upload["video_url"], "model": "light"}),
    );
    node.wait_for(&running, 120, |j| j["stage"] == "segmenting");
    node.kill();
    node.start_again();
    // Without the release both would wait 600 s for the dead lease.
    for id in [&running, &queued] {
        let job = node.wait_terminal_as(&node.key, id, 300);
        assert_eq!(job["status"], "completed", "{job}");
    }
    let log = std::fs::read_to_string(node.log_path()).unwrap();
    assert!(
        log.contains("released the leases of a dead process"),
        "{log}"
    );
}
