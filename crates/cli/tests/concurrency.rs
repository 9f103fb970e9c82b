//! Many requests of one key at once, on whichever backend the suite runs
//! against: each create reserves credits on the same key row, and none may
//! fail or be lost (on PostgreSQL a row-lock order once deadlocked here).

mod support;

use std::sync::Arc;

use serde_json::json;
use support::*;

#[test]
fn concurrent_creates_of_one_key_all_land_and_reserve_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let limited = create_key_with(&data, "busy", &["--credits", "100000"])["api_key"]
        .as_str()
        .unwrap()
        .to_string();
    let server = Arc::new(Server::start(
        &data,
        &[
            ("VIDMATTE_WORKERS", "0"),
            ("VIDMATTE_RATE_LIMIT_PER_SECOND", "100000"),
            ("VIDMATTE_RATE_LIMIT_BURST", "100000"),
        ],
    ));
    let (status, upload) = server.upload_as(&limited, "/v1/uploads", &carphone_1s(dir.path()));
    assert_eq!(status, 201, "{upload}");
    let video_url = upload["video_url"].as_str().unwrap().to_string();
    let (threads, each) = (16, 6);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (server, key, video_url) =
                (Arc::clone(&server), limited.clone(), video_url.clone());
            std::thread::spawn(move || {
                (0..each)
                    .map(|_| {
                        server.post_as(
                            &key,
                            "/v1/jobs",
                            &json!({"video_url": video_url, "model": "light"}),
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids = Vec::new();
    for handle in handles {
        for (status, body) in handle.join().unwrap() {
            assert_eq!(status, 201, "{body}");
            ids.push(body["id"].as_str().unwrap().to_string());
        }
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), threads * each);
    let (_, page) = server.get_as(&limited, "/v1/jobs?limit=1");
    assert_eq!(
        page["total"].as_i64(),
        Some((threads * each) as i64),
        "{page}"
    );
    // 1 s of light costs 1 credit; every job reserved exactly once.
    let (_, credits) = server.get_as(&limited, "/v1/credits");
    let reserved = (threads * each) as i64;
    assert_eq!(
        credits["remaining"].as_i64(),
        Some(100000 - reserved),
        "{credits}"
    );
}
