//! Errors from probing, decoding and encoding.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    // The messages carry their cause, so it is not chained as a `source`
    // too (the CLI would print it twice).
    #[error("could not start {command}: {cause} (is ffmpeg installed? run scripts/setup.sh)")]
    Spawn {
        command: &'static str,
        cause: std::io::Error,
    },
    #[error("{command} failed ({status}): {stderr}")]
    Failed {
        command: &'static str,
        status: String,
        stderr: String,
    },
    #[error("{command} did not finish within {}s", limit.as_secs())]
    Timeout {
        command: &'static str,
        limit: Duration,
    },
    #[error("the video ended after {got} of its {expected} frames (truncated or damaged)")]
    Truncated { got: u64, expected: u64 },
    #[error("canceled")]
    Canceled,
    #[error("not a video ffprobe can read: {0}")]
    Unsupported(String),
    #[error("video outside limits: {0}")]
    OutsideLimits(String),
    #[error("{context}: {cause}")]
    Io {
        context: String,
        cause: std::io::Error,
    },
    #[error("could not read ffprobe output: {0}")]
    ProbeJson(#[from] serde_json::Error),
    #[error("writing the zip of PNG frames: {0}")]
    Zip(#[from] zip::result::ZipError),
}

impl MediaError {
    /// This error with a hidden partial file's name replaced by the
    /// destination's: the file the caller asked for is the one they know.
    pub(crate) fn naming(self, partial: &std::path::Path, destination: &std::path::Path) -> Self {
        let (partial, wanted) = (
            partial.display().to_string(),
            destination.display().to_string(),
        );
        match self {
            MediaError::Failed {
                command,
                status,
                stderr,
            } => MediaError::Failed {
                command,
                status,
                stderr: stderr.replace(&partial, &wanted),
            },
            MediaError::Io { context, cause } => MediaError::Io {
                context: context.replace(&partial, &wanted),
                cause,
            },
            other => other,
        }
    }

    pub(crate) fn io(context: impl Into<String>, cause: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            cause,
        }
    }
}
