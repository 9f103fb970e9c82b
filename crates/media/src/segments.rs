//! Encoding one output as keyframe-aligned segments on several encoders at
//! once, joined without re-encoding. At GPU speeds one libvpx-vp9 or ProRes
//! encoder is the slowest stage; segments let every core encode.
//!
//! Frames arrive in order, so while segment *k* is still encoding, segment
//! *k + 1* fills: each segment's frames are queued whole, and at most
//! `encoders` segments are open, which bounds the memory held
//! ([`segment_frames`]). Each segment starts with a keyframe (a fresh
//! encoder), so the concat demuxer can join them with `-c copy`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use tempfile::TempDir;

use crate::process::{args, Process};
use crate::{Cancel, MediaError};

/// Raw frames the queues may hold in all, in bytes.
const QUEUE_BYTES: usize = 1 << 30;

/// Frames per segment for `encoders` at once: two seconds (a keyframe
/// every two seconds, as streaming encoders place them), fewer where the
/// queues would pass [`QUEUE_BYTES`], never under 12.
pub fn segment_frames(frame_bytes: usize, encoders: usize, fps: f64) -> usize {
    let two_seconds = (2.0 * fps).round().clamp(12.0, 250.0) as usize;
    let budget = QUEUE_BYTES / (frame_bytes.max(1) * encoders.max(1));
    two_seconds.min(budget).max(12)
}

/// How the segments' encoders are started: the ffmpeg arguments before
/// the output (raw input included) and after it (the video codec).
pub(crate) struct SegmentCommand {
    pub input: Vec<std::ffi::OsString>,
    /// Video codec arguments, up to the output path.
    pub video: Vec<String>,
    pub extension: &'static str,
    pub timeout: Duration,
}

struct Running {
    queue: Option<SyncSender<Vec<u8>>>,
    worker: JoinHandle<Result<(), MediaError>>,
    filled: usize,
}

pub(crate) struct Segments {
    command: SegmentCommand,
    dir: TempDir,
    encoders: usize,
    per_segment: usize,
    open: Vec<Running>,
    files: Vec<PathBuf>,
    cancel: Cancel,
}

impl Segments {
    pub fn new(
        command: SegmentCommand,
        beside: &Path,
        encoders: usize,
        per_segment: usize,
        cancel: &Cancel,
    ) -> Result<Self, MediaError> {
        let dir = tempfile::Builder::new()
            .prefix(".vidmatte-segments-")
            .tempdir_in(beside)
            .map_err(|e| MediaError::io(format!("creating a folder in {}", beside.display()), e))?;
        Ok(Self {
            command,
            dir,
            encoders: encoders.max(1),
            per_segment: per_segment.max(1),
            open: Vec::new(),
            files: Vec::new(),
            cancel: cancel.clone(),
        })
    }

    pub fn write_frame(&mut self, frame: &[u8]) -> Result<(), MediaError> {
        let full = self
            .open
            .last()
            .is_none_or(|s| s.filled >= self.per_segment);
        if full {
            if let Some(last) = self.open.last_mut() {
                last.queue = None;
            }
            while self.open.len() >= self.encoders {
                let oldest = self.open.remove(0);
                finish(oldest)?;
            }
            self.start()?;
        }
        let segment = self.open.last_mut().ok_or(MediaError::Canceled)?;
        segment.filled += 1;
        let sent = segment
            .queue
            .as_ref()
            .is_some_and(|q| q.send(frame.to_vec()).is_ok());
        if !sent {
            // The encoder stopped early: its error says why.
            let failed = self.open.pop().ok_or(MediaError::Canceled)?;
            finish(failed)?;
            return Err(MediaError::Canceled);
        }
        Ok(())
    }

    fn start(&mut self) -> Result<(), MediaError> {
        let path = self.dir.path().join(format!(
            "segment_{:05}.{}",
            self.files.len(),
            self.command.extension
        ));
        let mut argv = self.command.input.clone();
        argv.extend(args(&self.command.video));
        argv.push(path.as_os_str().to_owned());
        let (process, pipes) = Process::spawn(
            "ffmpeg",
            &argv,
            true,
            false,
            self.command.timeout,
            &self.cancel,
        )?;
        let mut stdin = pipes.stdin.ok_or(MediaError::Canceled)?;
        let (queue, frames) = sync_channel::<Vec<u8>>(self.per_segment);
        let worker = std::thread::spawn(move || {
            for frame in frames {
                if let Err(e) = stdin.write_all(&frame) {
                    drop(stdin);
                    return Err(process
                        .wait()
                        .err()
                        .unwrap_or_else(|| MediaError::io("writing frames to ffmpeg", e)));
                }
            }
            drop(stdin);
            process.wait()
        });
        self.files.push(path);
        self.open.push(Running {
            queue: Some(queue),
            worker,
            filled: 0,
        });
        Ok(())
    }

    /// Waits for every encoder; returns the segment files in order and the
    /// concat list naming them (kept alive by `self`).
    pub fn finish(&mut self) -> Result<PathBuf, MediaError> {
        for segment in self.open.drain(..) {
            finish(segment)?;
        }
        let list = self.dir.path().join("segments.txt");
        let text: String = self
            .files
            .iter()
            .map(|f| format!("file '{}'\n", f.display()))
            .collect();
        std::fs::write(&list, text).map_err(|e| MediaError::io("writing the segment list", e))?;
        Ok(list)
    }

    pub fn count(&self) -> usize {
        self.files.len()
    }
}

fn finish(mut segment: Running) -> Result<(), MediaError> {
    segment.queue = None;
    segment.worker.join().unwrap_or_else(|_| {
        Err(MediaError::io(
            "a segment encoder",
            std::io::Error::other("panicked"),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_shrink_with_frame_size_within_bounds() {
        let hd = 1920 * 1080 * 4;
        assert_eq!(segment_frames(hd, 2, 25.0), 50);
        assert_eq!(segment_frames(hd, 4, 60.0), 32);
        assert_eq!(segment_frames(3840 * 2160 * 4, 8, 30.0), 12);
        assert_eq!(segment_frames(320 * 240 * 4, 2, 29.97), 60);
    }
}
