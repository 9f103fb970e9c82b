//! Decoding any readable video into raw RGB frames at a constant rate.

use std::io::ErrorKind;
use std::path::Path;
use std::process::ChildStdout;
use std::time::Duration;

use crate::process::{args, fill, Process};
use crate::{Cancel, MediaError, MediaInfo, INPUT_FORMATS};

#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// Refuses streams whose decoder would allocate more pixels than this
    /// per frame, whatever the container declares.
    pub max_pixels: u64,
    /// Wall-clock limit for the whole decode.
    pub timeout: Duration,
    /// Decodes only the first this many seconds (previews).
    pub max_seconds: Option<f64>,
    /// Decode on an NVIDIA GPU (NVDEC, ffmpeg's `-hwaccel cuda`); frames
    /// still come back to memory as RGB24. Only honoured where this ffmpeg
    /// has the hwaccel ([`ffmpeg_has_cuda`]).
    pub gpu: bool,
}

/// Whether this ffmpeg lists the `cuda` hwaccel (asked once per process).
pub fn ffmpeg_has_cuda() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| {
        std::process::Command::new("ffmpeg")
            .args(["-hide_banner", "-hwaccels"])
            .output()
            .is_ok_and(|o| lists_cuda(&String::from_utf8_lossy(&o.stdout)))
    })
}

/// `ffmpeg -hwaccels` prints a header line, then one name per line.
fn lists_cuda(hwaccels: &str) -> bool {
    hwaccels.lines().skip(1).any(|l| l.trim() == "cuda")
}

/// The decode arguments for a GPU where one is asked for and ffmpeg has it.
fn hwaccel_args(gpu: bool, has_cuda: bool) -> Vec<&'static str> {
    if gpu && has_cuda {
        vec!["-hwaccel", "cuda"]
    } else {
        Vec::new()
    }
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            max_pixels: 3840 * 2160,
            timeout: Duration::from_secs(3 * 3600),
            max_seconds: None,
            gpu: false,
        }
    }
}

/// An ffmpeg producing `width × height` RGB24 frames on a pipe, upright
/// (rotation applied) and at the probed constant frame rate.
pub struct FrameDecoder {
    process: Process,
    stdout: ChildStdout,
    width: u32,
    height: u32,
}

impl FrameDecoder {
    pub fn open(
        path: &Path,
        info: &MediaInfo,
        options: &DecodeOptions,
        cancel: &Cancel,
    ) -> Result<Self, MediaError> {
        let mut argv = args([
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-protocol_whitelist",
            "file",
            "-format_whitelist",
            INPUT_FORMATS,
        ]);
        argv.extend(args([
            "-max_pixels".to_string(),
            options.max_pixels.to_string(),
        ]));
        if let Some(seconds) = options.max_seconds {
            argv.extend(args(["-t".to_string(), format!("{seconds:.3}")]));
        }
        argv.extend(args(hwaccel_args(
            options.gpu,
            options.gpu && ffmpeg_has_cuda(),
        )));
        argv.push("-i".into());
        argv.push(path.as_os_str().to_owned());
        argv.extend(args([
            "-map".to_string(),
            "0:v:0".into(),
            "-an".into(),
            "-sn".into(),
            "-dn".into(),
            // A stream that changes size mid-way still yields frames of one size.
            "-vf".into(),
            format!("scale={}:{}", info.width, info.height),
            "-fps_mode".into(),
            "cfr".into(),
            "-r".into(),
            info.fps.to_string(),
            "-f".into(),
            "rawvideo".into(),
            "-pix_fmt".into(),
            "rgb24".into(),
            "pipe:1".into(),
        ]));
        let (process, pipes) =
            Process::spawn("ffmpeg", &argv, false, true, options.timeout, cancel)?;
        let stdout = pipes
            .stdout
            .ok_or_else(|| MediaError::io("ffmpeg stdout", ErrorKind::BrokenPipe.into()))?;
        Ok(Self {
            process,
            stdout,
            width: info.width,
            height: info.height,
        })
    }

    pub fn frame_size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    pub fn frame_len(&self) -> usize {
        self.width as usize * self.height as usize * 3
    }

    /// Fills `frame` (exactly `frame_len()` bytes) with the next frame.
    /// Returns `Ok(false)` once the stream has ended cleanly.
    pub fn read_frame(&mut self, frame: &mut [u8]) -> Result<bool, MediaError> {
        debug_assert_eq!(frame.len(), self.frame_len());
        let filled = match fill(&mut self.stdout, frame) {
            Ok(filled) => filled,
            Err(e) => {
                return Err(self
                    .process
                    .kill_error()
                    .unwrap_or_else(|| MediaError::io("reading frames from ffmpeg", e)))
            }
        };
        if filled == frame.len() {
            return Ok(true);
        }
        if let Some(err) = self.process.kill_error() {
            return Err(err);
        }
        if filled == 0 {
            return Ok(false);
        }
        Err(MediaError::Failed {
            command: "ffmpeg",
            status: "stream ended inside a frame".into(),
            stderr: self.process.stderr_text(),
        })
    }

    /// Waits for ffmpeg to exit; a decode error that cut the stream short
    /// surfaces here.
    pub fn finish(self) -> Result<(), MediaError> {
        drop(self.stdout);
        self.process.wait()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvdec_only_when_asked_and_listed() {
        let listed = "Hardware acceleration methods:\nvdpau\ncuda\nvaapi\n";
        assert!(lists_cuda(listed));
        assert!(!lists_cuda(
            "Hardware acceleration methods:\nvdpau\nvaapi\n"
        ));
        assert_eq!(hwaccel_args(true, true), ["-hwaccel", "cuda"]);
        assert!(hwaccel_args(true, false).is_empty());
        assert!(hwaccel_args(false, true).is_empty());
    }
}
