//! `vidmatte bench`: figures for speed and memory on real footage.
//!
//! Input: the real street clip `bikes.mp4` (pedestrians, cyclists, scene
//! cuts) looped and upscaled to 16:9 at each height. Per model and height it
//! prints decode fps, inference fps, encode fps per format, end-to-end fps to
//! webm (a child `vidmatte process`, so its peak RSS is its own), and
//! end-to-end time ÷ the slowest stage alone. Then peak RSS for a short and a
//! long input, and the flicker measure on a static-camera clip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use vidmatte_media::{
    probe, Background, Cancel, DecodeOptions, EncodeSpec, FrameDecoder, FrameEncoder, OutputFormat,
    ProbeLimits,
};
use vidmatte_ml::{FrameRef, Matte, ModelKind, ModelStore, SegmenterOptions};
use vidmatte_pipeline::{composite, measure_flicker};

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Models to measure.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "light,human,original,pro"
    )]
    pub models: Vec<ModelKind>,
    /// Frame heights (16:9).
    #[arg(long, value_delimiter = ',', default_value = "720,1080")]
    pub heights: Vec<u32>,
    /// Frames for the inference and encode measurements.
    #[arg(long, default_value_t = 40)]
    pub frames: usize,
    /// Length of the end-to-end input.
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
    /// End-to-end length for `pro` (it runs two models per frame).
    #[arg(long, default_value_t = 2)]
    pub pro_seconds: u32,
    /// Lengths whose peak RSS is compared (model `light`, first height).
    #[arg(long, value_delimiter = ',', default_value = "10,60")]
    pub rss_seconds: Vec<u32>,
    /// Inference threads.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where the generated inputs and outputs go (default: a temp dir).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Skip the end-to-end runs.
    #[arg(long)]
    pub no_e2e: bool,
}

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
        "vidmatte bench — {} cores, {threads} inference threads",
        num_cores()
    );
    for &height in &args.heights {
        let input = footage(&store, &work, height, args.seconds)?;
        let frames = read_frames(&input, args.frames)?;
        let (w, h) = (height * 16 / 9 / 2 * 2, height);
        let decode_fps = decode_fps(&input)?;
        println!(
            "\n== {w}x{h} ({}s input) ==\ndecode: {decode_fps:.1} fps",
            args.seconds
        );
        for &model in &args.models {
            let (infer_fps, mattes) = inference(&store, model, threads, &frames, w, h)?;
            let encode: Vec<(OutputFormat, f64)> = OutputFormat::ALL
                .into_iter()
                .map(|f| Ok((f, encode_fps(&work, f, &frames, &mattes, w, h)?)))
                .collect::<anyhow::Result<_>>()?;
            println!("{model}: inference {infer_fps:.2} fps");
            println!(
                "  encode fps: {}",
                encode
                    .iter()
                    .map(|(f, fps)| format!("{f} {fps:.1}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if args.no_e2e {
                continue;
            }
            let secs = if model == ModelKind::Pro {
                args.pro_seconds
            } else {
                args.seconds
            };
            let e2e_input = footage(&store, &work, height, secs)?;
            let e2e = end_to_end(&e2e_input, &work, model, threads)?;
            let webm = encode
                .iter()
                .find(|(f, _)| *f == OutputFormat::Webm)
                .map(|e| e.1)
                .unwrap_or(f64::NAN);
            let slowest = 1.0 / decode_fps.max(1e-9) * e2e.frames as f64;
            let slowest = slowest
                .max(e2e.frames as f64 / infer_fps)
                .max(e2e.frames as f64 / webm);
            println!(
                "  end to end → webm: {:.2} fps ({} frames in {:.1} s), ÷ slowest stage alone = {:.2}, peak RSS {:.0} MB",
                e2e.fps,
                e2e.frames,
                e2e.seconds,
                e2e.seconds / slowest,
                e2e.peak_rss as f64 / 1e6
            );
        }
    }
    if !args.no_e2e {
        if let Some(&height) = args.heights.first() {
            println!("\n== peak RSS by input length (light, {height}p → webm) ==");
            for &secs in &args.rss_seconds {
                let input = footage(&store, &work, height, secs)?;
                let e2e = end_to_end(&input, &work, ModelKind::Light, threads)?;
                println!(
                    "{secs:>4} s: {} frames, peak RSS {:.0} MB",
                    e2e.frames,
                    e2e.peak_rss as f64 / 1e6
                );
            }
        }
    }
    println!("\n== flicker: mean frame-to-frame |Δα| on carphone (static camera), 0..1 ==");
    let carphone = store.root().join("clips/carphone_pristine.mp4");
    let (frames, size) = read_sized_frames(&carphone, 120)?;
    for model in [ModelKind::Original, ModelKind::Light] {
        let raw = flicker_of(&store, model, threads, &frames, size, false)?;
        let smooth = flicker_of(&store, model, threads, &frames, size, true)?;
        println!(
            "{model}: without smoothing {raw:.5}, with smoothing {smooth:.5} ({:.0}% less)",
            (1.0 - smooth / raw) * 100.0
        );
    }
    Ok(())
}

fn num_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// bikes.mp4 looped to `seconds` and scaled/cropped to 16:9 at `height`.
fn footage(store: &ModelStore, work: &Path, height: u32, seconds: u32) -> anyhow::Result<PathBuf> {
    let out = work.join(format!("bikes_{height}p_{seconds}s.mp4"));
    if out.is_file() {
        return Ok(out);
    }
    let source = store.root().join("clips/bikes.mp4");
    if !source.is_file() {
        bail!("{} is missing: run scripts/setup.sh", source.display());
    }
    let width = height * 16 / 9 / 2 * 2;
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-stream_loop", "-1", "-i"])
        .arg(&source)
        .args([
            "-t",
            &seconds.to_string(),
            "-vf",
            &format!("scale=-2:{height}:flags=bicubic,crop={width}:{height}"),
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

fn open(input: &Path) -> anyhow::Result<FrameDecoder> {
    let info = probe(input, &ProbeLimits::default(), &Cancel::new())?;
    Ok(FrameDecoder::open(
        input,
        &info,
        &DecodeOptions::default(),
        &Cancel::new(),
    )?)
}

fn read_frames(input: &Path, limit: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    Ok(read_sized_frames(input, limit)?.0)
}

/// Decoded RGB frames and their size.
type Frames = (Vec<Vec<u8>>, (u32, u32));

fn read_sized_frames(input: &Path, limit: usize) -> anyhow::Result<Frames> {
    let mut decoder = open(input)?;
    let size = decoder.frame_size();
    let mut frames = Vec::new();
    let mut frame = vec![0; decoder.frame_len()];
    while frames.len() < limit && decoder.read_frame(&mut frame)? {
        frames.push(frame.clone());
    }
    drop(decoder);
    Ok((frames, size))
}

fn decode_fps(input: &Path) -> anyhow::Result<f64> {
    let mut decoder = open(input)?;
    let mut frame = vec![0; decoder.frame_len()];
    let started = Instant::now();
    let mut n = 0u64;
    while decoder.read_frame(&mut frame)? {
        n += 1;
    }
    decoder.finish()?;
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

fn inference(
    store: &ModelStore,
    model: ModelKind,
    threads: usize,
    frames: &[Vec<u8>],
    width: u32,
    height: u32,
) -> anyhow::Result<(f64, Vec<Matte>)> {
    let options = SegmenterOptions {
        threads,
        ..SegmenterOptions::default()
    };
    let mut segmenter = store.load(model, &options)?;
    let mut mattes = Vec::with_capacity(frames.len());
    let warmup = 2.min(frames.len());
    let mut started = Instant::now();
    for (i, rgb) in frames.iter().enumerate() {
        if i == warmup {
            started = Instant::now();
        }
        let mut matte = Matte::default();
        segmenter.segment(&FrameRef { width, height, rgb }, &mut matte)?;
        mattes.push(matte);
    }
    let timed = (frames.len() - warmup).max(1);
    Ok((timed as f64 / started.elapsed().as_secs_f64(), mattes))
}

fn encode_fps(
    work: &Path,
    format: OutputFormat,
    frames: &[Vec<u8>],
    mattes: &[Matte],
    width: u32,
    height: u32,
) -> anyhow::Result<f64> {
    let background = if format.carries_alpha() {
        Background::Transparent
    } else {
        Background::GREEN
    };
    let spec = EncodeSpec {
        format,
        width,
        height,
        fps: vidmatte_media::Rational { num: 25, den: 1 },
        audio_source: None,
        audio_codec: None,
        duration_seconds: frames.len() as f64 / 25.0,
        scene: background.into(),
        max_pixels: 3840 * 2160,
        timeout: std::time::Duration::from_secs(3600),
    };
    let bytes_per_pixel = spec.bytes_per_pixel();
    let composed: Vec<Vec<u8>> = frames
        .iter()
        .zip(mattes)
        .map(|(rgb, matte)| {
            let mut out = Vec::new();
            composite(rgb, matte, background, bytes_per_pixel, &mut out);
            out
        })
        .collect();
    let output = work.join(format!("bench_encode.{}", format.extension()));
    let started = Instant::now();
    let mut encoder = FrameEncoder::create(spec, &output, &Cancel::new())?;
    for frame in &composed {
        encoder.write_frame(frame)?;
    }
    encoder.finish()?;
    Ok(composed.len() as f64 / started.elapsed().as_secs_f64())
}

struct EndToEnd {
    frames: u64,
    seconds: f64,
    fps: f64,
    peak_rss: u64,
}

fn end_to_end(
    input: &Path,
    work: &Path,
    model: ModelKind,
    threads: usize,
) -> anyhow::Result<EndToEnd> {
    let output = work.join("bench_e2e.webm");
    let report = work.join("bench_e2e.json");
    let status = Command::new(std::env::current_exe()?)
        .arg("process")
        .arg(input)
        .arg("-o")
        .arg(&output)
        .args([
            "--model",
            model.as_str(),
            "--threads",
            &threads.to_string(),
            "--report",
        ])
        .arg(&report)
        .stderr(std::process::Stdio::piped())
        .output()?;
    if !status.status.success() {
        bail!(
            "vidmatte process failed on {}: {}",
            input.display(),
            String::from_utf8_lossy(&status.stderr)
        );
    }
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&report)?)?;
    let elapsed = &doc["report"]["elapsed"];
    Ok(EndToEnd {
        frames: doc["report"]["frames"].as_u64().unwrap_or(0),
        seconds: elapsed["secs"].as_f64().unwrap_or(0.0)
            + elapsed["nanos"].as_f64().unwrap_or(0.0) / 1e9,
        fps: doc["fps"].as_f64().unwrap_or(0.0),
        peak_rss: doc["peak_rss_bytes"].as_u64().unwrap_or(0),
    })
}

fn flicker_of(
    store: &ModelStore,
    model: ModelKind,
    threads: usize,
    frames: &[Vec<u8>],
    size: (u32, u32),
    smooth: bool,
) -> anyhow::Result<f64> {
    let options = SegmenterOptions {
        threads,
        ..SegmenterOptions::default()
    };
    let mut segmenter = store.load(model, &options)?;
    Ok(measure_flicker(
        segmenter.as_mut(),
        frames.iter().map(Vec::as_slice),
        size,
        smooth,
    )?)
}
