//! Stopping an inference run from another thread: ONNX Runtime checks the
//! run options' terminate flag between kernels, so a cancel lands inside a
//! run instead of after it (one `original` frame can take seconds on a busy
//! machine).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ort::session::RunOptions;

use crate::MlError;

/// A handle that stops the runs of the segmenter it came from; clones share
/// the flag.
#[derive(Clone)]
pub struct Interrupt(Arc<Shared>);

struct Shared {
    options: RunOptions,
    stopped: AtomicBool,
}

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Interrupt")
            .field(&self.is_stopped())
            .finish()
    }
}

impl Interrupt {
    pub fn new() -> Result<Self, MlError> {
        Ok(Self(Arc::new(Shared {
            options: RunOptions::new()?,
            stopped: AtomicBool::new(false),
        })))
    }

    /// Ends the run in progress (and every later one) as soon as the
    /// runtime can; returns at once.
    pub fn stop(&self) {
        self.0.stopped.store(true, Ordering::SeqCst);
        let _ = self.0.options.terminate();
    }

    /// Lets runs proceed again (a segmenter reused for the next video).
    pub fn resume(&self) {
        self.0.stopped.store(false, Ordering::SeqCst);
        let _ = self.0.options.unterminate();
    }

    pub fn is_stopped(&self) -> bool {
        self.0.stopped.load(Ordering::SeqCst)
    }

    pub(crate) fn options(&self) -> &RunOptions {
        &self.0.options
    }

    /// A failed run: [`MlError::Interrupted`] when this handle stopped it.
    pub(crate) fn error(&self, e: ort::Error) -> MlError {
        if self.is_stopped() {
            MlError::Interrupted
        } else {
            MlError::Ort(e)
        }
    }
}
