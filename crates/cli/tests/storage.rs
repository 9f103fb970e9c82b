//! Where outputs are kept and how they are handed out, on whichever storage
//! the suite runs against (files in the data dir; a bucket on the S3 pass,
//! where `presigned` redirects to the bucket and `proxied` streams through
//! the API node): every mode serves whole files and byte ranges.

mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::*;

#[test]
fn downloads_serve_byte_ranges_in_every_mode() {
    let on_bucket = std::env::var("VIDMATTE_TEST_S3").ok();
    let direct = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for mode in ["presigned", "proxied"] {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::start(&dir.path().join("data"), &[("VIDMATTE_S3_DOWNLOADS", mode)]);
        let (_, upload) = server.upload("/v1/uploads", &carphone_1s(dir.path()));
        let (status, created) = server.post(
            "/v1/jobs",
            &json!({"video_url": upload["video_url"], "model": "light", "output_format": "webm"}),
        );
        assert_eq!(status, 201, "{created}");
        let job = server.wait_terminal(created["id"].as_str().unwrap(), 120);
        assert_eq!(job["status"], "completed", "{job}");
        let url = job["output_url"].as_str().unwrap();

        let first = direct.get(url).send().unwrap();
        match (&on_bucket, mode) {
            (Some(endpoint), "presigned") => {
                assert_eq!(first.status(), StatusCode::FOUND, "{mode}");
                let location = first.headers()["location"].to_str().unwrap();
                assert!(
                    location.starts_with(endpoint.as_str()),
                    "{mode}: {location}"
                );
            }
            _ => assert_eq!(first.status(), StatusCode::OK, "{mode}: served by the node"),
        }

        let whole = server.client.get(url).send().unwrap();
        assert_eq!(whole.status(), StatusCode::OK, "{mode}");
        assert_eq!(whole.headers()["content-type"], "video/webm", "{mode}");
        let bytes = whole.bytes().unwrap();
        assert!(bytes.len() > 1000, "{mode}: {} bytes", bytes.len());
        assert_eq!(
            &bytes[..4],
            [0x1a, 0x45, 0xdf, 0xa3],
            "{mode}: a WebM (EBML) file"
        );

        let part = server
            .client
            .get(url)
            .header("Range", "bytes=10-59")
            .send()
            .unwrap();
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT, "{mode}");
        assert_eq!(
            part.headers()["content-range"],
            format!("bytes 10-59/{}", bytes.len()).as_str(),
            "{mode}"
        );
        assert_eq!(part.bytes().unwrap(), bytes.slice(10..60), "{mode}");

        let beyond = server
            .client
            .get(url)
            .header("Range", format!("bytes={}-", bytes.len() + 5))
            .send()
            .unwrap();
        assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{mode}");
    }
}

#[test]
fn an_upload_larger_than_a_part_is_stored_whole_and_processed() {
    let dir = tempfile::tempdir().unwrap();
    // Lossless noise: about 27 MB for 60 frames, so the bucket gets it in
    // several 8 MiB parts.
    let big = dir.path().join("noise.mkv");
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("nullsrc=s=640x480:r=30,geq=lum='random(1)*255':cb=128:cr=128")
        .args([
            "-t", "2", "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p",
        ])
        .arg(&big)
        .status()
        .unwrap();
    assert!(made.success());
    let size = std::fs::metadata(&big).unwrap().len();
    assert!(
        size > 17 * 1024 * 1024,
        "{size} bytes: not more than two parts"
    );
    let server = Server::start(&dir.path().join("data"), &[]);
    let (status, upload) = server.upload("/v1/uploads", &big);
    assert_eq!(status, 201, "{upload}");
    assert_eq!(upload["size"].as_u64(), Some(size));
    assert_eq!(stored(&server.data_dir, "uploads").len(), 1);
    let (status, created) = server.post(
        "/v1/jobs",
        &json!({"video_url": upload["video_url"], "model": "light", "output_format": "webm"}),
    );
    assert_eq!(status, 201, "{created}");
    let job = server.wait_terminal(created["id"].as_str().unwrap(), 300);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["frames"].as_i64(), Some(60), "{job}");
}
