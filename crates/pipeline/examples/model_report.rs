//! What each model keeps, measured: per clip and model (and per `pro`
//! prompt) the segment speed, the mean frame-to-frame |Δα| (flicker, with
//! the pipeline's smoothing where the pipeline applies it), the share of the
//! frame kept, the agreement with RVM on person pixels (the share of RVM's
//! α > 127 pixels inside detected people that the model also keeps; RVM-all:
//! the same over all of RVM's α > 127 pixels), and for
//! prompts the share of the kept matte inside detected boxes of the named
//! classes. `original` before issue 12 (ISNet alone) runs side by side.
//!
//! usage: cargo run --release -p vidmatte-pipeline --example model_report --
//!        FRAMES CLIP[@LABEL[@START_SECONDS]]...
//! Each clip is decoded with ffmpeg (at most 720 px high): FRAMES frames
//! from START_SECONDS (default 0). With REPORT_DETECTIONS set it only lists
//! the tracked detections of each frame (REPORT_MIN_SCORE: the detector's
//! threshold).

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;

use vidmatte_ml::{
    BoxF, CocoClass, Detector, FrameRef, Isnet, Matte, ModelKind, ModelStore, Prompt, Segmenter,
    SegmenterOptions, Subject, Track, Tracker,
};
use vidmatte_pipeline::{SceneCuts, TemporalSmoother};

const PROMPTS: &[&str] = &[
    "person, object",
    "person",
    "bus",
    "car",
    "dog",
    "largest",
    "person on the left",
    "red car",
];

struct Clip {
    label: String,
    width: u32,
    height: u32,
    frames: Vec<Vec<u8>>,
}

fn decode(path: &str, label: &str, start: &str, max_frames: usize) -> Clip {
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .args(["stream=width,height", "-of", "csv=p=0", path])
        .output()
        .expect("ffprobe");
    let text = String::from_utf8_lossy(&probe.stdout);
    let mut dims = text.trim().split(',').map(|v| v.parse::<u32>().unwrap());
    let (w, h) = (dims.next().unwrap(), dims.next().unwrap());
    let height = h.min(720) / 2 * 2;
    let width = (u64::from(w) * u64::from(height) / u64::from(h)) as u32 / 2 * 2;
    let out = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-ss",
            start,
            "-i",
            path,
            "-frames:v",
            &max_frames.to_string(),
        ])
        .args(["-vf", &format!("scale={width}:{height}:flags=bilinear")])
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "{path}");
    let frames = out
        .stdout
        .chunks_exact((width * height * 3) as usize)
        .map(<[u8]>::to_vec)
        .collect();
    Clip {
        label: label.to_string(),
        width,
        height,
        frames,
    }
}

fn frame<'a>(clip: &Clip, rgb: &'a [u8]) -> FrameRef<'a> {
    FrameRef {
        width: clip.width,
        height: clip.height,
        rgb,
    }
}

/// One model's mattes of a clip, as the pipeline makes them (smoothing for
/// per-frame models, a reset at scene cuts), and its frames per second.
fn mattes(segmenter: &mut dyn Segmenter, clip: &Clip) -> (Vec<Vec<u8>>, f64) {
    let smooth = !segmenter.is_temporal();
    let (mut smoother, mut cuts) = (TemporalSmoother::default(), SceneCuts::default());
    segmenter.reset();
    let start = Instant::now();
    let mut out = Vec::new();
    for rgb in &clip.frames {
        if cuts.is_cut(rgb, clip.width, clip.height) {
            segmenter.reset();
            smoother.reset();
        }
        let mut matte = Matte::default();
        segmenter
            .segment(&frame(clip, rgb), &mut matte)
            .expect("segment");
        if smooth {
            smoother.apply(rgb, &mut matte.alpha);
        }
        out.push(matte.alpha);
    }
    let fps = clip.frames.len() as f64 / start.elapsed().as_secs_f64();
    (out, fps)
}

/// Tracked detections per frame (reset at cuts, like the models).
fn tracks(store: &ModelStore, clip: &Clip) -> Vec<Vec<Track>> {
    let mut detector = Detector::load(store, 2).expect("detector");
    if let Some(score) = std::env::var("REPORT_MIN_SCORE")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        detector.min_score = score;
    }
    let (mut tracker, mut cuts) = (Tracker::default(), SceneCuts::default());
    clip.frames
        .iter()
        .map(|rgb| {
            if cuts.is_cut(rgb, clip.width, clip.height) {
                tracker.reset();
            }
            let found = detector.detect(&frame(clip, rgb)).expect("detect");
            tracker.update(&found).to_vec()
        })
        .collect()
}

struct Row {
    /// Frame transitions where the matte's centre of mass moves by more
    /// than a tenth of the frame's width (the kept subject changed).
    jumps: usize,
    flicker: f64,
    kept: f64,
    agreement: Option<f64>,
    /// The same over all of RVM's α > 127 pixels, detected or not.
    agreement_all: Option<f64>,
    in_boxes: Option<f64>,
}

fn measure(
    clip: &Clip,
    alphas: &[Vec<u8>],
    rvm: &[Vec<u8>],
    tracks: &[Vec<Track>],
    classes: Option<&[CocoClass]>,
) -> Row {
    let w = clip.width as usize;
    let (mut flicker, mut kept) = (0.0, 0.0);
    let mut centres: Vec<Option<(f64, f64)>> = Vec::new();
    let (mut person_px, mut agreed, mut mass, mut mass_in) = (0u64, 0u64, 0.0, 0.0);
    let (mut rvm_px, mut rvm_agreed) = (0u64, 0u64);
    for (f, alpha) in alphas.iter().enumerate() {
        if f > 0 {
            flicker += vidmatte_pipeline::flicker(&alphas[f - 1], alpha) * 255.0;
        }
        kept += alpha.iter().map(|&a| f64::from(a)).sum::<f64>() / (alpha.len() as f64 * 255.0);
        let (mut m, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for (i, &a) in alpha.iter().enumerate().filter(|(_, &a)| a > 127) {
            m += f64::from(a);
            sx += f64::from(a) * (i % w) as f64;
            sy += f64::from(a) * (i / w) as f64;
        }
        centres.push((m > 0.0).then(|| (sx / m, sy / m)));
        let people: Vec<&Track> = tracks[f]
            .iter()
            .filter(|t| t.class == CocoClass::PERSON)
            .collect();
        let named: Vec<BoxF> = classes
            .map(|c| {
                tracks[f]
                    .iter()
                    .filter(|t| c.contains(&t.class))
                    .map(|t| t.bbox.grown(0.05))
                    .collect()
            })
            .unwrap_or_default();
        for (i, &a) in alpha.iter().enumerate() {
            let (x, y) = ((i % w) as u32, (i / w) as u32);
            if rvm[f][i] > 127 {
                rvm_px += 1;
                rvm_agreed += u64::from(a > 127);
            }
            if rvm[f][i] > 127 && people.iter().any(|t| t.bbox.contains_pixel(x, y)) {
                person_px += 1;
                agreed += u64::from(a > 127);
            }
            if classes.is_some() && a > 0 {
                mass += f64::from(a);
                if named.iter().any(|b| b.contains_pixel(x, y)) {
                    mass_in += f64::from(a);
                }
            }
        }
    }
    let jumps = centres
        .windows(2)
        .filter(|p| match (p[0], p[1]) {
            (Some(a), Some(b)) => {
                ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt() > w as f64 / 10.0
            }
            (None, None) => false,
            _ => true,
        })
        .count();
    Row {
        jumps,
        flicker: flicker / (alphas.len().max(2) - 1) as f64,
        kept: kept / alphas.len() as f64,
        agreement: (person_px > 0).then(|| agreed as f64 / person_px as f64),
        agreement_all: (rvm_px > 0).then(|| rvm_agreed as f64 / rvm_px as f64),
        in_boxes: classes.map(|_| if mass > 0.0 { mass_in / mass } else { 0.0 }),
    }
}

fn print(clip: &Clip, name: &str, fps: f64, row: &Row, extra: &str) {
    let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
    println!(
        "{:<12} {:<28} {:>6.2} {:>7.2} {:>5} {:>6.3} {:>7} {:>7} {:>7}  {extra}",
        clip.label,
        name,
        fps,
        row.flicker,
        row.jumps,
        row.kept,
        opt(row.agreement),
        opt(row.agreement_all),
        opt(row.in_boxes)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let frames: usize = args.first().and_then(|a| a.parse().ok()).expect("FRAMES");
    let store = ModelStore::from_env();
    let options = SegmenterOptions::default();
    println!(
        "{:<12} {:<28} {:>6} {:>7} {:>5} {:>6} {:>7} {:>7} {:>7}  warnings",
        "clip", "model", "fps", "|Δα|", "jumps", "kept", "RVM-agr", "RVM-all", "in-box"
    );
    for spec in &args[1..] {
        let mut parts = spec.split('@');
        let path = parts.next().unwrap_or_default();
        let label = parts.next().unwrap_or(path);
        let clip = decode(path, label, parts.next().unwrap_or("0"), frames);
        let tracks = tracks(&store, &clip);
        let mut counts = BTreeMap::new();
        for t in tracks.iter().flatten().filter(|t| t.missed == 0) {
            *counts.entry(t.class.name()).or_insert(0u32) += 1;
        }
        let found: Vec<String> = counts.iter().map(|(k, v)| format!("{k}×{v}")).collect();
        println!(
            "# {label}: {}x{}, {} frames; detected (instance-frames): {}",
            clip.width,
            clip.height,
            clip.frames.len(),
            found.join(", ")
        );
        if std::env::var_os("REPORT_DETECTIONS").is_some() {
            for (f, frame_tracks) in tracks.iter().enumerate() {
                for t in frame_tracks {
                    println!(
                        "  frame {f} id {} {} {:.2} {:?}",
                        t.id, t.class, t.score, t.bbox
                    );
                }
            }
            continue;
        }
        let mut human = store.load(ModelKind::Human, &options).expect("human");
        let (rvm, fps) = mattes(human.as_mut(), &clip);
        print(
            &clip,
            "human",
            fps,
            &measure(&clip, &rvm, &rvm, &tracks, None),
            "",
        );
        let mut isnet = Isnet::load(&store, options.threads, options.isnet.clone()).expect("isnet");
        let (a, fps) = mattes(&mut isnet, &clip);
        let row = measure(&clip, &a, &rvm, &tracks, None);
        print(&clip, "original before (ISNet)", fps, &row, "");
        for model in [ModelKind::Original, ModelKind::Light] {
            let mut s = store.load(model, &options).expect("model");
            let (a, fps) = mattes(s.as_mut(), &clip);
            let row = measure(&clip, &a, &rvm, &tracks, None);
            print(&clip, model.as_str(), fps, &row, "");
        }
        for prompt in PROMPTS {
            let options = SegmenterOptions {
                prompt: Some(prompt.to_string()),
                ..SegmenterOptions::default()
            };
            let mut pro = store.load(ModelKind::Pro, &options).expect("pro");
            let (a, fps) = mattes(pro.as_mut(), &clip);
            let classes = match &Prompt::parse(prompt).targets[0].subject {
                Subject::Classes(c) => Some(c.clone()),
                _ => None,
            };
            let row = measure(&clip, &a, &rvm, &tracks, classes.as_deref());
            let warnings = pro.warnings().join(" | ");
            print(&clip, &format!("pro \"{prompt}\""), fps, &row, &warnings);
        }
    }
}
