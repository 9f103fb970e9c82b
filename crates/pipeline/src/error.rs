//! Errors of one processing run, each with the contract's error code.

use vidmatte_media::MediaError;
use vidmatte_ml::MlError;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{message}")]
    Invalid {
        param: &'static str,
        message: String,
    },
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Model(#[from] MlError),
    #[error("a pipeline stage stopped unexpectedly: {0}")]
    Stage(String),
}

impl PipelineError {
    /// The contract's `error_code` for a job that ends with this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid_request",
            Self::Media(MediaError::Unsupported(_)) => "unsupported_media_type",
            Self::Media(MediaError::OutsideLimits(_) | MediaError::Truncated { .. }) => {
                "unprocessable_video"
            }
            Self::Media(MediaError::Timeout { .. }) => "timeout",
            Self::Media(MediaError::Canceled) | Self::Model(MlError::Interrupted) => "canceled",
            _ => "processing_failed",
        }
    }

    pub fn is_canceled(&self) -> bool {
        matches!(
            self,
            Self::Media(MediaError::Canceled) | Self::Model(MlError::Interrupted)
        )
    }
}
