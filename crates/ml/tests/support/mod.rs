//! The real photo the model tests run on, decoded by ffmpeg.

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
