//! The per-stage figures (decode, inference, encode alone), the end-to-end
//! child run, and the flicker measure.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::bail;
use vidmatte_media::{
    default_encoders, probe, Background, Cancel, DecodeOptions, EncodeSpec, FrameDecoder,
    FrameEncoder, OutputFormat, ProbeLimits,
};
use vidmatte_ml::{FrameRef, Matte, ModelKind, ModelStore, Precision, SegmenterOptions};
use vidmatte_pipeline::{composite, measure_flicker};

use super::{footage, BenchArgs, FrameSize, Section};

pub(super) fn num_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Stage and end-to-end figures for every model at one size.
pub(super) fn size_report(
    args: &BenchArgs,
    store: &ModelStore,
    work: &Path,
    size: FrameSize,
    threads: usize,
) -> anyhow::Result<()> {
    let input = footage(store, work, size, args.seconds)?;
    let stages = args.runs(Section::Stages);
    println!("\n== {size} ({}s input) ==", args.seconds);
    let decode = if stages {
        let fps = decode_fps(&input)?;
        println!("decode: {fps:.1} fps");
        Some(fps)
    } else {
        None
    };
    for &model in &args.models {
        let mut slowest_fps = decode;
        let e2e_input = if args.runs(Section::E2e) {
            Some(footage(
                store,
                work,
                size,
                args.seconds_for(model, args.seconds),
            )?)
        } else {
            None
        };
        if stages {
            // With e2e, inference alone runs over the very frames the
            // end-to-end run gets, so the ratio compares like with like.
            let frames = match &e2e_input {
                Some(e2e_input) => read_frames(e2e_input, usize::MAX)?.0,
                None => read_frames(&input, args.frames)?.0,
            };
            let keep = args.frames.min(frames.len());
            let (infer_fps, mattes) =
                inference(store, model, threads, args.precision, &frames, size, keep)?;
            let encode: Vec<(OutputFormat, f64)> = OutputFormat::ALL
                .into_iter()
                .map(|f| {
                    let fps =
                        encode_fps(work, f, &frames[..keep], &mattes, size, default_encoders())?;
                    Ok((f, fps))
                })
                .collect::<anyhow::Result<_>>()?;
            println!(
                "{model}: inference {infer_fps:.2} fps ({} frames)",
                frames.len()
            );
            println!(
                "  encode fps ({keep} frames): {}",
                encode
                    .iter()
                    .map(|(f, fps)| format!("{f} {fps:.1}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let webm = encode
                .iter()
                .find(|(f, _)| *f == OutputFormat::Webm)
                .map_or(f64::INFINITY, |e| e.1);
            slowest_fps = slowest_fps.map(|d| d.min(infer_fps).min(webm));
        } else {
            println!("{model}:");
        }
        let Some(e2e_input) = e2e_input else {
            continue;
        };
        let e2e = end_to_end(&e2e_input, work, model, threads, args.precision)?;
        let versus = slowest_fps.map_or(String::new(), |slowest| {
            format!(
                ", ÷ slowest stage alone = {:.2} ({:.0} % of its {slowest:.2} fps)",
                slowest / e2e.fps.max(1e-9),
                e2e.fps / slowest * 100.0
            )
        });
        println!(
            "  end to end → webm: {:.2} fps ({} frames in {:.1} s){versus}, peak RSS {:.0} MB",
            e2e.fps,
            e2e.frames,
            e2e.seconds,
            e2e.peak_rss as f64 / 1e6
        );
        println!("    stage busy share: {}", e2e.shares());
    }
    Ok(())
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

/// Decoded RGB frames and their size.
type Frames = (Vec<Vec<u8>>, (u32, u32));

pub(super) fn read_frames(input: &Path, limit: usize) -> anyhow::Result<Frames> {
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

/// `model` over `frames` (timed after 2 warm-up frames): its fps and the
/// first `keep` mattes.
pub(super) fn inference(
    store: &ModelStore,
    model: ModelKind,
    threads: usize,
    precision: Precision,
    frames: &[Vec<u8>],
    size: FrameSize,
    keep: usize,
) -> anyhow::Result<(f64, Vec<Matte>)> {
    let mut options = SegmenterOptions {
        threads,
        ..SegmenterOptions::default()
    };
    options.isnet.precision = precision;
    let mut segmenter = store.load(model, &options)?;
    let mut mattes = Vec::with_capacity(keep);
    let warmup = 2.min(frames.len());
    let mut started = Instant::now();
    for (i, rgb) in frames.iter().enumerate() {
        if i == warmup {
            started = Instant::now();
        }
        let mut matte = Matte::default();
        let frame = FrameRef {
            width: size.width,
            height: size.height,
            rgb,
        };
        segmenter.segment(&frame, &mut matte)?;
        if mattes.len() < keep {
            mattes.push(matte);
        }
    }
    let timed = (frames.len() - warmup).max(1);
    Ok((timed as f64 / started.elapsed().as_secs_f64(), mattes))
}

/// Encode fps of `frames` under `mattes` into `format`, on `encoders`
/// segment encoders at once (1: one stream).
pub(super) fn encode_fps(
    work: &Path,
    format: OutputFormat,
    frames: &[Vec<u8>],
    mattes: &[Matte],
    size: FrameSize,
    encoders: usize,
) -> anyhow::Result<f64> {
    let background = if format.carries_alpha() {
        Background::Transparent
    } else {
        Background::GREEN
    };
    let spec = EncodeSpec {
        format,
        width: size.width,
        height: size.height,
        fps: vidmatte_media::Rational { num: 25, den: 1 },
        audio_source: None,
        audio_codec: None,
        duration_seconds: frames.len() as f64 / 25.0,
        scene: background.into(),
        max_pixels: 3840 * 2160,
        timeout: std::time::Duration::from_secs(3600),
        encoders,
        segment_frames: None,
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

pub(super) struct EndToEnd {
    pub frames: u64,
    /// The pipeline's own time (after model load).
    pub seconds: f64,
    pub fps: f64,
    /// The whole child process, model load included.
    pub wall_seconds: f64,
    pub peak_rss: u64,
    /// Busy seconds of the decode, segment, composite and encode stages.
    pub busy: [f64; 4],
}

const STAGES: [&str; 4] = ["decode", "segment", "composite", "encode"];

/// A report's seconds, 0 when absent.
fn seconds(value: &serde_json::Value) -> f64 {
    value.as_f64().unwrap_or(0.0)
}

impl EndToEnd {
    /// Each stage's busy time as a share of the run.
    pub fn shares(&self) -> String {
        STAGES
            .iter()
            .zip(self.busy)
            .map(|(name, busy)| format!("{name} {:.0} %", busy / self.seconds.max(1e-9) * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A child `vidmatte process INPUT -o work/bench_e2e.webm --model MODEL`.
pub(super) fn end_to_end(
    input: &Path,
    work: &Path,
    model: ModelKind,
    threads: usize,
    precision: Precision,
) -> anyhow::Result<EndToEnd> {
    let output = work.join("bench_e2e.webm");
    let report = work.join("bench_e2e.json");
    let started = Instant::now();
    let status = Command::new(std::env::current_exe()?)
        .arg("process")
        .arg(input)
        .arg("-y")
        .arg("-o")
        .arg(&output)
        .args([
            "--model",
            model.as_str(),
            "--threads",
            &threads.to_string(),
            "--precision",
            precision.as_str(),
            "--device",
            vidmatte_ml::requested_device().as_str(),
            "--report",
        ])
        .arg(&report)
        .stderr(std::process::Stdio::piped())
        .output()?;
    let wall_seconds = started.elapsed().as_secs_f64();
    if !status.status.success() {
        bail!(
            "vidmatte process failed on {}: {}",
            input.display(),
            String::from_utf8_lossy(&status.stderr)
        );
    }
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&report)?)?;
    let stages = &doc["report"]["stages"];
    Ok(EndToEnd {
        frames: doc["report"]["frames"].as_u64().unwrap_or(0),
        seconds: seconds(&doc["report"]["elapsed_seconds"]),
        busy: STAGES.map(|name| seconds(&stages[format!("{name}_seconds")])),
        fps: doc["fps"].as_f64().unwrap_or(0.0),
        wall_seconds,
        peak_rss: doc["peak_rss_bytes"].as_u64().unwrap_or(0),
    })
}

/// Flicker with and without temporal smoothing, per model, on carphone.
pub(super) fn flicker_report(
    args: &BenchArgs,
    store: &ModelStore,
    threads: usize,
) -> anyhow::Result<()> {
    println!(
        "\n== flicker: mean frame-to-frame |Δα| on carphone (static camera, {} frames), 0..1 ==",
        args.flicker_frames
    );
    let carphone = store.root().join("clips/carphone_pristine.mp4");
    let (frames, size) = read_frames(&carphone, args.flicker_frames)?;
    for &model in &args.models {
        let options = SegmenterOptions {
            threads,
            ..SegmenterOptions::default()
        };
        let mut segmenter = store.load(model, &options)?;
        let mut measure = |smooth| {
            measure_flicker(
                segmenter.as_mut(),
                frames.iter().map(Vec::as_slice),
                size,
                smooth,
            )
        };
        let raw = measure(false)?;
        let smooth = measure(true)?;
        println!(
            "{model}: without smoothing {raw:.5}, with smoothing {smooth:.5} ({:.0}% less)",
            (1.0 - smooth / raw.max(1e-12)) * 100.0
        );
    }
    Ok(())
}
