//! The real photo and clips the model tests run on, decoded by ffmpeg.
#![allow(dead_code)] // each test crate uses its own part

use std::path::PathBuf;
use std::process::Command;

use vidmatte_ml::ModelStore;

pub fn store() -> ModelStore {
    ModelStore::from_env()
}

/// bus.jpg (810 × 1080, four people in front of a bus) as RGB24.
pub fn bus() -> (u32, u32, Vec<u8>) {
    let path: PathBuf = store().root().join("clips/bus.jpg");
    assert!(
        path.is_file(),
        "{} missing: run scripts/setup.sh",
        path.display()
    );
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&path)
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success());
    (810, 1080, out.stdout)
}

/// `frames` RGB frames of a cached clip from `start` seconds, at `width`×`height`.
pub fn clip(name: &str, start: f64, frames: usize, (width, height): (u32, u32)) -> Vec<Vec<u8>> {
    let path = store().root().join("clips").join(name);
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-ss", &start.to_string(), "-i"])
        .arg(&path)
        .args([
            "-vf",
            &format!("scale={width}:{height}"),
            "-frames:v",
            &frames.to_string(),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "pipe:1",
        ])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "ffmpeg failed on {}", path.display());
    let len = (width * height * 3) as usize;
    assert_eq!(out.stdout.len(), len * frames);
    out.stdout.chunks_exact(len).map(<[u8]>::to_vec).collect()
}
