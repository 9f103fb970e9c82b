//! A run's matte kept as a lossless greyscale video (FFV1 in Matroska),
//! so other formats of the same result are made by re-encoding alone,
//! without running the model again.

use std::io::Write;
use std::path::Path;
use std::process::{ChildStdin, ChildStdout};
use std::time::Duration;

use crate::encode::raw_input;
use crate::process::{args, fill, Process};
use crate::{Cancel, MediaError, Rational};

/// Writes `width × height` mattes, one byte a pixel, in frame order.
pub struct MatteWriter {
    process: Option<Process>,
    stdin: Option<ChildStdin>,
}

impl MatteWriter {
    pub fn create(
        path: &Path,
        size: (u32, u32),
        fps: Rational,
        timeout: Duration,
        cancel: &Cancel,
    ) -> Result<Self, MediaError> {
        let mut argv = args(raw_input("gray", size, fps));
        argv.extend(args(["-c:v", "ffv1", "-f", "matroska", "-y"]));
        argv.push(path.as_os_str().to_owned());
        let (process, pipes) = Process::spawn("ffmpeg", &argv, true, false, timeout, cancel)?;
        Ok(Self {
            process: Some(process),
            stdin: pipes.stdin,
        })
    }

    pub fn write(&mut self, alpha: &[u8]) -> Result<(), MediaError> {
        let pipe = self.stdin.as_mut().ok_or(MediaError::Canceled)?;
        if let Err(e) = pipe.write_all(alpha) {
            self.stdin = None;
            return Err(match self.process.take().map(Process::wait) {
                Some(Err(err)) => err,
                _ => MediaError::io("writing the matte to ffmpeg", e),
            });
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<(), MediaError> {
        drop(self.stdin.take());
        match self.process.take() {
            Some(process) => process.wait(),
            None => Ok(()),
        }
    }
}

/// Reads back what [`MatteWriter`] wrote, frame by frame.
pub struct MatteReader {
    process: Option<Process>,
    stdout: ChildStdout,
    frame_len: usize,
}

impl MatteReader {
    pub fn open(
        path: &Path,
        (width, height): (u32, u32),
        timeout: Duration,
        cancel: &Cancel,
    ) -> Result<Self, MediaError> {
        let mut argv = args(["-nostdin", "-hide_banner", "-loglevel", "error", "-i"]);
        argv.push(path.as_os_str().to_owned());
        argv.extend(args([
            "-f".to_string(),
            "rawvideo".into(),
            "-pix_fmt".into(),
            "gray".into(),
            "-s".into(),
            format!("{width}x{height}"),
            "pipe:1".into(),
        ]));
        let (process, pipes) = Process::spawn("ffmpeg", &argv, false, true, timeout, cancel)?;
        let stdout = pipes.stdout.ok_or_else(|| {
            MediaError::io("reading the matte", std::io::ErrorKind::BrokenPipe.into())
        })?;
        Ok(Self {
            process: Some(process),
            stdout,
            frame_len: width as usize * height as usize,
        })
    }

    /// The next matte into `alpha`; false once the file has no more.
    pub fn read(&mut self, alpha: &mut Vec<u8>) -> Result<bool, MediaError> {
        alpha.resize(self.frame_len, 0);
        let filled =
            fill(&mut self.stdout, alpha).map_err(|e| MediaError::io("reading the matte", e))?;
        if filled == self.frame_len {
            return Ok(true);
        }
        if let Some(process) = self.process.take() {
            process.wait()?;
        }
        Ok(false)
    }
}
