//! ffmpeg/ffprobe child processes: fixed argument lists (never a shell), a
//! watchdog that kills the child on timeout or cancellation, the last few KB
//! of stderr kept for the error message, and the child killed on drop.

use std::ffi::OsString;
use std::io::Read;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::{Cancel, MediaError};

const STDERR_TAIL_BYTES: usize = 4096;
const WATCH_INTERVAL: Duration = Duration::from_millis(50);

#[derive(Clone, Copy, PartialEq, Eq)]
enum KillReason {
    Timeout,
    Canceled,
}

/// A running ffmpeg or ffprobe.
pub(crate) struct Process {
    command: &'static str,
    limit: Duration,
    child: Arc<Mutex<Child>>,
    stderr_tail: Arc<Mutex<Vec<u8>>>,
    stderr_reader: Option<JoinHandle<()>>,
    finished: Arc<AtomicBool>,
    killed_for: Arc<Mutex<Option<KillReason>>>,
    watchdog: Option<JoinHandle<()>>,
}

pub(crate) struct Pipes {
    pub stdin: Option<ChildStdin>,
    pub stdout: Option<ChildStdout>,
}

impl Process {
    pub fn spawn(
        command: &'static str,
        args: &[OsString],
        with_stdin: bool,
        with_stdout: bool,
        limit: Duration,
        cancel: &Cancel,
    ) -> Result<(Self, Pipes), MediaError> {
        let mut cmd = Command::new(command);
        cmd.args(args)
            .stdin(if with_stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(if with_stdout {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stderr(Stdio::piped());
        tracing::debug!(command, ?args, "spawn");
        let mut child = cmd
            .spawn()
            .map_err(|cause| MediaError::Spawn { command, cause })?;
        let pipes = Pipes {
            stdin: child.stdin.take(),
            stdout: child.stdout.take(),
        };
        let stderr = child.stderr.take();
        let stderr_tail = Arc::new(Mutex::new(Vec::new()));
        let stderr_reader = stderr.map(|mut stderr| {
            let tail = Arc::clone(&stderr_tail);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
                    tail.extend_from_slice(&buf[..n]);
                    let excess = tail.len().saturating_sub(STDERR_TAIL_BYTES);
                    tail.drain(..excess);
                }
            })
        });
        let child = Arc::new(Mutex::new(child));
        let finished = Arc::new(AtomicBool::new(false));
        let killed_for = Arc::new(Mutex::new(None));
        let watchdog = {
            let (child, finished, killed_for, cancel) = (
                Arc::clone(&child),
                Arc::clone(&finished),
                Arc::clone(&killed_for),
                cancel.clone(),
            );
            let deadline = Instant::now() + limit;
            std::thread::spawn(move || {
                while !finished.load(Ordering::SeqCst) {
                    let reason = if cancel.is_cancelled() {
                        Some(KillReason::Canceled)
                    } else if Instant::now() >= deadline {
                        Some(KillReason::Timeout)
                    } else {
                        None
                    };
                    if let Some(reason) = reason {
                        *killed_for.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason);
                        let _ = child.lock().unwrap_or_else(|e| e.into_inner()).kill();
                        return;
                    }
                    std::thread::sleep(WATCH_INTERVAL);
                }
            })
        };
        Ok((
            Self {
                command,
                limit,
                child,
                stderr_tail,
                stderr_reader,
                finished,
                killed_for,
                watchdog: Some(watchdog),
            },
            pipes,
        ))
    }

    /// The reason the watchdog killed the child, as an error, if it did.
    pub fn kill_error(&self) -> Option<MediaError> {
        match *self.killed_for.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(KillReason::Canceled) => Some(MediaError::Canceled),
            Some(KillReason::Timeout) => Some(MediaError::Timeout {
                command: self.command,
                limit: self.limit,
            }),
            None => None,
        }
    }

    /// The stderr tail as text, fit for an error message a user reads.
    pub fn stderr_text(&self) -> String {
        let tail = self.stderr_tail.lock().unwrap_or_else(|e| e.into_inner());
        without_addresses(String::from_utf8_lossy(&tail).trim())
    }

    /// Waits for the child to exit; a non-zero exit becomes an error carrying
    /// the stderr tail.
    pub fn wait(mut self) -> Result<(), MediaError> {
        let status = loop {
            let polled = self
                .child
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .try_wait();
            match polled {
                Ok(Some(status)) => break status,
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(MediaError::io(format!("waiting for {}", self.command), e)),
            }
        };
        self.finished.store(true, Ordering::SeqCst);
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        if let Some(err) = self.kill_error() {
            return Err(err);
        }
        if status.success() {
            Ok(())
        } else {
            Err(MediaError::Failed {
                command: self.command,
                status: status.to_string(),
                stderr: self.stderr_text(),
            })
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.finished.store(true, Ordering::SeqCst);
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(None) = child.try_wait() {
            let _ = child.kill();
            let _ = child.wait();
        }
        drop(child);
        if let Some(watchdog) = self.watchdog.take() {
            let _ = watchdog.join();
        }
    }
}

/// ffmpeg's log context prefixes (`[matroska,webm @ 0x559c4e2a1b40]`) with
/// the heap address taken out (`[matroska,webm]`): it says nothing to a user
/// and tells an attacker where ffmpeg's heap lives.
fn without_addresses(text: &str) -> String {
    const MARK: &str = " @ 0x";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        let after = &rest[at + MARK.len()..];
        let digits = after.len()
            - after
                .trim_start_matches(|c: char| c.is_ascii_hexdigit())
                .len();
        // Only inside a prefix: the hex run must end the bracket.
        let in_prefix = digits > 0 && after[digits..].starts_with(']');
        let keep = if in_prefix { at } else { at + MARK.len() };
        out.push_str(&rest[..keep]);
        rest = if in_prefix { &after[digits..] } else { after };
    }
    out.push_str(rest);
    out
}

/// Builds an argument list from string-like pieces.
/// Reads from `reader` until `buf` is full or the stream ends; returns the
/// bytes read (short only at the end of the stream).
pub(crate) fn fill(reader: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

pub(crate) fn args<I, S>(items: I) -> Vec<OsString>
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    items.into_iter().map(Into::into).collect()
}

#[cfg(test)]
mod tests {
    use super::without_addresses;

    #[test]
    fn log_prefixes_lose_their_heap_addresses() {
        assert_eq!(
            without_addresses(
                "[matroska,webm @ 0x559c4e2a1b40] EBML header parsing failed\n\
                 [in#0 @ 0x7f00AbCd] Error opening input: Invalid data found"
            ),
            "[matroska,webm] EBML header parsing failed\n\
             [in#0] Error opening input: Invalid data found"
        );
        // Text that only looks similar is left alone.
        for text in ["a @ 0x12 b", "[x @ 0x] y", "mail me @ 0xdead", "[x @ 0xzz]"] {
            assert_eq!(without_addresses(text), text);
        }
    }
}
