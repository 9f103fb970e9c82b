//! Test helpers: real clips from the cache, ffmpeg to make variants of them,
//! and independent decoders that read every output format back to RGBA.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use vidmatte_pipeline::{Background, ModelStore, OutputFormat};

pub fn clip(name: &str) -> PathBuf {
    let path = ModelStore::from_env().root().join("clips").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/setup.sh",
        path.display()
    );
    path
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs ffmpeg with `args` (after `-v error -y`).
pub fn ffmpeg(args: &[&str]) {
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args));
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The first 30 frames (1 s) of carphone: a real person in a car, 176×144, 29.97 fps.
pub fn carphone_1s(dir: &Path) -> PathBuf {
    let out = dir.join("carphone_1s.mp4");
    ffmpeg(&[
        "-i",
        s(&clip("carphone_pristine.mp4")),
        "-frames:v",
        "30",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "16",
        s(&out),
    ]);
    out
}

/// carphone's first second with bigbuckbunny's AAC soundtrack muxed in.
pub fn carphone_with_audio(dir: &Path) -> PathBuf {
    let out = dir.join("carphone_audio.mp4");
    ffmpeg(&[
        "-i",
        s(&clip("carphone_pristine.mp4")),
        "-i",
        s(&clip("bigbuckbunny.mp4")),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-frames:v",
        "30",
        "-t",
        "1.001",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "16",
        "-c:a",
        "aac",
        s(&out),
    ]);
    out
}

pub struct Probe {
    pub width: u32,
    pub height: u32,
    pub duration: f64,
    pub audio_codec: Option<String>,
}

pub fn probe(path: &Path) -> Probe {
    let json = run(Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(path));
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let streams = v["streams"].as_array().unwrap();
    let video = streams
        .iter()
        .find(|s| s["codec_type"] == "video")
        .expect("video stream");
    Probe {
        width: video["width"].as_u64().unwrap() as u32,
        height: video["height"].as_u64().unwrap() as u32,
        duration: v["format"]["duration"]
            .as_str()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0.0),
        audio_codec: streams
            .iter()
            .find(|s| s["codec_type"] == "audio")
            .map(|a| a["codec_name"].as_str().unwrap().to_string()),
    }
}

/// Every frame of an output, as RGBA, decoded independently of vidmatte.
pub struct Decoded {
    pub width: u32,
    pub height: u32,
    pub frames: Vec<Vec<u8>>,
}

pub fn decode(path: &Path, format: OutputFormat) -> Decoded {
    match format {
        OutputFormat::Webp => decode_webp(path),
        OutputFormat::PngSequence => decode_png_zip(path),
        _ => {
            let p = probe(path);
            let mut cmd = Command::new("ffmpeg");
            cmd.args(["-v", "error"]);
            if format == OutputFormat::Webm {
                // The native VP9 decoder drops the alpha plane.
                cmd.args(["-c:v", "libvpx-vp9"]);
            }
            cmd.arg("-i")
                .arg(path)
                .args(["-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"]);
            split_frames(run(&mut cmd), p.width, p.height)
        }
    }
}

fn split_frames(raw: Vec<u8>, width: u32, height: u32) -> Decoded {
    let len = (width * height * 4) as usize;
    assert_eq!(raw.len() % len, 0, "partial frame");
    Decoded {
        width,
        height,
        frames: raw.chunks_exact(len).map(<[u8]>::to_vec).collect(),
    }
}

fn decode_png_zip(path: &Path) -> Decoded {
    let dir = tempfile::tempdir().unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "zip entries in frame order");
    zip.extract(dir.path()).unwrap();
    let first = dir.path().join(&names[0]);
    let p = probe(&first);
    let raw = run(Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(dir.path().join("frame_%06d.png"))
        .args(["-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"]));
    let decoded = split_frames(raw, p.width, p.height);
    assert_eq!(decoded.frames.len(), names.len());
    decoded
}

/// This ffmpeg cannot decode animated WebP: rebuild each frame from
/// `webpmux` (frame geometry, blend, dispose) and `dwebp` (pixels).
fn decode_webp(path: &Path) -> Decoded {
    let info = String::from_utf8(run(Command::new("webpmux").arg("-info").arg(path))).unwrap();
    let canvas = info
        .lines()
        .find_map(|l| l.strip_prefix("Canvas size: "))
        .expect("canvas");
    let dims: Vec<u32> = canvas
        .split(" x ")
        .map(|v| v.trim().parse().unwrap())
        .collect();
    let (cw, ch) = (dims[0] as usize, dims[1] as usize);
    let mut canvas = vec![0u8; cw * ch * 4];
    let dir = tempfile::tempdir().unwrap();
    let mut frames = Vec::new();
    for line in info.lines().filter(|l| {
        l.trim_start()
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
            && l.contains(':')
    }) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let index = cols[0].trim_end_matches(':');
        let (x0, y0): (usize, usize) = (cols[4].parse().unwrap(), cols[5].parse().unwrap());
        let (dispose, blend) = (cols[7], cols[8]);
        let one = dir.path().join("frame.webp");
        let pam = dir.path().join("frame.pam");
        run(Command::new("webpmux")
            .args(["-get", "frame", index])
            .arg(path)
            .arg("-o")
            .arg(&one));
        run(Command::new("dwebp")
            .arg(&one)
            .arg("-pam")
            .arg("-o")
            .arg(&pam));
        let (fw, fh, pixels) = read_pam(&pam);
        for y in 0..fh {
            for x in 0..fw {
                let src = &pixels[(y * fw + x) * 4..][..4];
                let dst = &mut canvas[((y0 + y) * cw + x0 + x) * 4..][..4];
                if blend == "yes" {
                    let a = u32::from(src[3]);
                    for c in 0..3 {
                        dst[c] =
                            ((u32::from(src[c]) * a + u32::from(dst[c]) * (255 - a)) / 255) as u8;
                    }
                    dst[3] = (a + u32::from(dst[3]) * (255 - a) / 255) as u8;
                } else {
                    dst.copy_from_slice(src);
                }
            }
        }
        frames.push(canvas.clone());
        if dispose == "background" {
            for y in 0..fh {
                canvas[((y0 + y) * cw + x0) * 4..((y0 + y) * cw + x0 + fw) * 4].fill(0);
            }
        }
    }
    Decoded {
        width: cw as u32,
        height: ch as u32,
        frames,
    }
}

fn read_pam(path: &Path) -> (usize, usize, Vec<u8>) {
    let data = std::fs::read(path).unwrap();
    let end = data.windows(7).position(|w| w == b"ENDHDR\n").unwrap() + 7;
    let header = String::from_utf8_lossy(&data[..end]);
    let field = |name: &str| -> usize {
        header
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    assert_eq!(field("DEPTH "), 4);
    (field("WIDTH "), field("HEIGHT "), data[end..].to_vec())
}

/// Regions of carphone that are unambiguous at any of its frames: the
/// man's face and chest, and the two top corners of the car behind him.
pub const SUBJECT: (u32, u32, u32, u32) = (80, 56, 104, 90);
pub const BACKGROUND: [(u32, u32, u32, u32); 2] = [(0, 0, 22, 22), (154, 0, 176, 22)];

fn pixels(
    frame: &[u8],
    width: u32,
    (x0, y0, x1, y1): (u32, u32, u32, u32),
) -> impl Iterator<Item = &[u8]> + '_ {
    (y0..y1).flat_map(move |y| (x0..x1).map(move |x| &frame[((y * width + x) * 4) as usize..][..4]))
}

fn share(it: impl Iterator<Item = bool>) -> f64 {
    let (yes, all) = it.fold((0usize, 0usize), |(y, a), v| (y + usize::from(v), a + 1));
    yes as f64 / all.max(1) as f64
}

/// The subject is opaque and the background transparent (or the background
/// colour) in every frame. `tolerance` is the codec's error per channel.
pub fn assert_matted(decoded: &Decoded, background: Background, tolerance: u8) {
    assert!(!decoded.frames.is_empty());
    for (i, frame) in decoded.frames.iter().enumerate() {
        let w = decoded.width;
        // Mattes are soft: "opaque" allows what a model leaves at the edge of
        // the open mouth, plus the codec's error.
        let opaque = share(pixels(frame, w, SUBJECT).map(|p| p[3] >= 224 - tolerance));
        assert!(
            opaque >= 0.97,
            "frame {i}: only {opaque:.3} of the subject is opaque"
        );
        for region in BACKGROUND {
            let ok = match background.color() {
                None => share(pixels(frame, w, region).map(|p| p[3] <= tolerance)),
                Some(rgb) => share(pixels(frame, w, region).map(|p| {
                    p[3] >= 255 - tolerance && (0..3).all(|c| p[c].abs_diff(rgb[c]) <= tolerance)
                })),
            };
            assert!(
                ok >= 0.97,
                "frame {i}: only {ok:.3} of background region {region:?} is right ({background:?})"
            );
        }
    }
}

/// Transparent pixels carry no stale colour.
pub fn assert_cleared(decoded: &Decoded) {
    for frame in &decoded.frames {
        for p in frame.chunks_exact(4).filter(|p| p[3] == 0) {
            assert_eq!(
                &p[..3],
                &[0, 0, 0],
                "a fully transparent pixel kept its colour"
            );
        }
    }
}

/// Files left in `dir` other than `keep` (temporary outputs must not linger).
pub fn leftovers(dir: &Path, keep: &[&Path]) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !keep.contains(&p.as_path()))
        .collect()
}
