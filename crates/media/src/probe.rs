//! ffprobe → [`MediaInfo`], and the limits a video must stay within.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::process::{args, Process};
use crate::{Cancel, MediaError, INPUT_FORMATS};

/// A frame rate such as 30000/1001, kept exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rational {
    pub num: u32,
    pub den: u32,
}

impl Rational {
    pub fn as_f64(self) -> f64 {
        if self.den == 0 {
            0.0
        } else {
            f64::from(self.num) / f64::from(self.den)
        }
    }

    /// Parses ffprobe's "30000/1001" (or a plain integer).
    pub fn parse(text: &str) -> Option<Self> {
        let (num, den) = text.split_once('/').unwrap_or((text, "1"));
        let r = Rational {
            num: num.trim().parse().ok()?,
            den: den.trim().parse().ok()?,
        };
        (r.num > 0 && r.den > 0).then_some(r)
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AudioInfo {
    pub codec: String,
    pub channels: u32,
    pub sample_rate: u32,
}

/// What vidmatte needs to know about an input video.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MediaInfo {
    pub format_name: String,
    pub duration_seconds: f64,
    pub fps: Rational,
    /// Frames the decoder will deliver at the constant rate `fps`.
    pub frame_count: u64,
    /// Display size, after rotation.
    pub width: u32,
    pub height: u32,
    /// Rotation in degrees from the stream's display matrix (0, 90, 180, 270).
    pub rotation: u32,
    pub video_codec: String,
    pub pix_fmt: String,
    pub has_alpha: bool,
    pub audio: Option<AudioInfo>,
}

/// Bounds a video must stay within before any decoding starts.
#[derive(Clone, Debug)]
pub struct ProbeLimits {
    pub max_pixels: u64,
    pub max_side: u32,
    pub max_duration_seconds: f64,
    pub max_fps: f64,
    pub timeout: Duration,
}

impl Default for ProbeLimits {
    fn default() -> Self {
        Self {
            max_pixels: 3840 * 2160,
            max_side: 4096,
            max_duration_seconds: 3600.0,
            max_fps: 120.0,
            timeout: Duration::from_secs(30),
        }
    }
}

impl ProbeLimits {
    /// A frame or picture of `width × height` within the pixel and side limits.
    pub fn check_size(&self, width: u32, height: u32) -> Result<(), MediaError> {
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_pixels || width.max(height) > self.max_side {
            return Err(MediaError::OutsideLimits(format!(
                "{width}x{height} is larger than allowed (at most {} pixels, {} per side)",
                self.max_pixels, self.max_side
            )));
        }
        Ok(())
    }

    pub fn check(&self, info: &MediaInfo) -> Result<(), MediaError> {
        self.check_size(info.width, info.height)?;
        if info.duration_seconds > self.max_duration_seconds {
            return Err(MediaError::OutsideLimits(format!(
                "{:.1} s is longer than the {:.0} s allowed",
                info.duration_seconds, self.max_duration_seconds
            )));
        }
        if info.fps.as_f64() > self.max_fps {
            return Err(MediaError::OutsideLimits(format!(
                "{:.2} fps is above the {:.0} fps allowed",
                info.fps.as_f64(),
                self.max_fps
            )));
        }
        Ok(())
    }
}

/// Runs ffprobe on a local file and checks the result against `limits`.
pub fn probe(path: &Path, limits: &ProbeLimits, cancel: &Cancel) -> Result<MediaInfo, MediaError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| MediaError::io(format!("reading {}", path.display()), e))?;
    if meta.len() == 0 {
        return Err(MediaError::Unsupported("the file is empty".into()));
    }
    let mut argv = args([
        "-v",
        "error",
        "-hide_banner",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        INPUT_FORMATS,
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
    ]);
    argv.push(path.as_os_str().to_owned());
    let json = run_ffprobe(&argv, limits, cancel)?;
    let info = parse_probe_json(&json)?;
    limits.check(&info)?;
    Ok(info)
}

/// Runs ffprobe with `argv` and returns what it printed; a file it cannot
/// read is `Unsupported` with ffprobe's reason.
pub(crate) fn run_ffprobe(
    argv: &[std::ffi::OsString],
    limits: &ProbeLimits,
    cancel: &Cancel,
) -> Result<String, MediaError> {
    let (process, pipes) = Process::spawn("ffprobe", argv, false, true, limits.timeout, cancel)?;
    let mut json = String::new();
    if let Some(mut stdout) = pipes.stdout {
        stdout
            .read_to_string(&mut json)
            .map_err(|e| MediaError::io("reading ffprobe output", e))?;
    }
    match process.wait() {
        Ok(()) => Ok(json),
        Err(MediaError::Failed { stderr, .. }) => Err(MediaError::Unsupported(first_line(&stderr))),
        Err(other) => Err(other),
    }
}

fn first_line(stderr: &str) -> String {
    let line = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("ffprobe could not read it");
    // ffprobe prefixes the path; keep only its reason.
    match line.rsplit_once(": ") {
        Some((_, reason)) => reason.to_string(),
        None => line.to_string(),
    }
}

#[derive(Deserialize)]
struct ProbeOutput {
    #[serde(default)]
    streams: Vec<Stream>,
    format: Option<Format>,
}

#[derive(Deserialize)]
struct Format {
    format_name: Option<String>,
    duration: Option<String>,
}

#[derive(Deserialize, Default)]
struct Stream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    pix_fmt: Option<String>,
    r_frame_rate: Option<String>,
    avg_frame_rate: Option<String>,
    nb_frames: Option<String>,
    duration: Option<String>,
    channels: Option<u32>,
    sample_rate: Option<String>,
    #[serde(default)]
    tags: HashMap<String, String>,
    #[serde(default)]
    side_data_list: Vec<SideData>,
    #[serde(default)]
    disposition: HashMap<String, i64>,
}

#[derive(Deserialize)]
struct SideData {
    rotation: Option<f64>,
}

/// Parses `ffprobe -print_format json -show_format -show_streams` output.
pub fn parse_probe_json(json: &str) -> Result<MediaInfo, MediaError> {
    let out: ProbeOutput = serde_json::from_str(json)?;
    let video = out
        .streams
        .iter()
        .find(|s| {
            s.codec_type.as_deref() == Some("video")
                && s.disposition.get("attached_pic") != Some(&1)
        })
        .ok_or_else(|| MediaError::Unsupported("it has no video stream".into()))?;
    let (coded_w, coded_h) = match (video.width, video.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (w, h),
        _ => {
            return Err(MediaError::Unsupported(
                "the video stream has no size".into(),
            ))
        }
    };
    let fps = [
        video.avg_frame_rate.as_deref(),
        video.r_frame_rate.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter_map(Rational::parse)
    .find(|r| (0.5..=1000.0).contains(&r.as_f64()))
    .ok_or_else(|| MediaError::Unsupported("the video stream has no frame rate".into()))?;
    let parse_f64 = |s: &Option<String>| {
        s.as_deref()
            .and_then(|d| d.parse::<f64>().ok())
            .filter(|d| d.is_finite() && *d > 0.0)
    };
    let duration_seconds = parse_f64(&video.duration)
        .or_else(|| out.format.as_ref().and_then(|f| parse_f64(&f.duration)))
        .ok_or_else(|| MediaError::Unsupported("the video has no duration".into()))?;
    let frame_count = video
        .nb_frames
        .as_deref()
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| (duration_seconds * fps.as_f64()).round().max(1.0) as u64);
    let rotation = rotation_of(video);
    let (width, height) = if rotation % 180 == 90 {
        (coded_h, coded_w)
    } else {
        (coded_w, coded_h)
    };
    let pix_fmt = video.pix_fmt.clone().unwrap_or_default();
    let has_alpha = pix_fmt_has_alpha(&pix_fmt)
        || video
            .tags
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("alpha_mode") && v == "1");
    let audio = out
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"))
        .map(|a| AudioInfo {
            codec: a.codec_name.clone().unwrap_or_default(),
            channels: a.channels.unwrap_or(0),
            sample_rate: a
                .sample_rate
                .as_deref()
                .and_then(|r| r.parse().ok())
                .unwrap_or(0),
        });
    Ok(MediaInfo {
        format_name: out.format.and_then(|f| f.format_name).unwrap_or_default(),
        duration_seconds,
        fps,
        frame_count,
        width,
        height,
        rotation,
        video_codec: video.codec_name.clone().unwrap_or_default(),
        pix_fmt,
        has_alpha,
        audio,
    })
}

fn rotation_of(stream: &Stream) -> u32 {
    let degrees = stream
        .side_data_list
        .iter()
        .find_map(|s| s.rotation)
        .or_else(|| {
            stream
                .tags
                .get("rotate")
                .and_then(|r| r.parse::<f64>().ok())
        })
        .unwrap_or(0.0);
    (((degrees.round() as i64) % 360 + 360) % 360) as u32
}

fn pix_fmt_has_alpha(pix_fmt: &str) -> bool {
    pix_fmt.starts_with("yuva")
        || pix_fmt.starts_with("ya")
        || pix_fmt.contains("rgba")
        || pix_fmt.contains("bgra")
        || pix_fmt.contains("argb")
        || pix_fmt.contains("abgr")
        || pix_fmt.starts_with("gbrap")
}

#[cfg(test)]
mod tests;
