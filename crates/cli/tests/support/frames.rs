//! Pictures and clips for the scene tests: made with ffmpeg, uploaded,
//! and outputs decoded back to RGBA frames.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::Server;

/// Runs `ffmpeg -v error -y ARGS OUT` and requires success.
pub fn ffmpeg(args: &[&str], out: &Path) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg {args:?}");
}

/// Decodes any video or picture to `width × height` RGBA frames.
pub fn decode(path: &Path, width: usize, height: usize) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
        .chunks_exact(width * height * 4)
        .map(<[u8]>::to_vec)
        .collect()
}

/// Uploads `file` as the server's key; it must be a 201.
pub fn upload(server: &Server, file: &Path) -> Value {
    let (status, up) = server.upload("/v1/uploads", file);
    assert_eq!(status, 201, "{up}");
    up
}

/// The finished job's output, downloaded.
pub fn download(server: &Server, job: &Value) -> Vec<u8> {
    server
        .client
        .get(
            job["output_url"]
                .as_str()
                .expect("a completed job has an output_url"),
        )
        .send()
        .unwrap()
        .bytes()
        .unwrap()
        .to_vec()
}

/// Every channel of `a` within `tolerance` of `b`'s.
pub fn close(a: &[u8], b: &[u8], tolerance: u8) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) <= tolerance)
}
