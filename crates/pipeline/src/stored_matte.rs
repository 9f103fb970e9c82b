//! A "segmenter" that replays a matte kept by an earlier run (see
//! `ProcessRequest::keep_matte`), so the same result is re-encoded in
//! another format or over another background without running the model.
//! The kept matte is already smoothed, so it counts as temporal (no second
//! smoothing); the model's unmixed foreground colours are not kept, so the
//! frame's own colours are used.

use std::path::{Path, PathBuf};
use std::time::Duration;

use vidmatte_media::{Cancel, MatteReader};
use vidmatte_ml::{FrameRef, Interrupt, Matte, MlError, ModelKind, Segmenter};

use crate::PipelineError;

pub struct StoredMatte {
    path: PathBuf,
    /// Opened at the first frame, whose size the kept matte is read at.
    reader: Option<MatteReader>,
    model: ModelKind,
    timeout: Duration,
    cancel: Cancel,
    interrupt: Interrupt,
}

impl StoredMatte {
    /// Replays the matte at `path`, kept by a run of `model`.
    pub fn new(
        path: &Path,
        model: ModelKind,
        timeout: Duration,
        cancel: &Cancel,
    ) -> Result<Self, PipelineError> {
        Ok(Self {
            path: path.to_path_buf(),
            reader: None,
            model,
            timeout,
            cancel: cancel.clone(),
            interrupt: Interrupt::new()?,
        })
    }
}

fn kept(detail: impl ToString) -> MlError {
    MlError::Output {
        model: "the kept matte",
        detail: detail.to_string(),
    }
}

impl Segmenter for StoredMatte {
    fn kind(&self) -> ModelKind {
        self.model
    }

    fn segment(&mut self, frame: &FrameRef<'_>, matte: &mut Matte) -> Result<(), MlError> {
        let reader = match &mut self.reader {
            Some(reader) => reader,
            None => self.reader.insert(
                MatteReader::open(
                    &self.path,
                    (frame.width, frame.height),
                    self.timeout,
                    &self.cancel,
                )
                .map_err(kept)?,
            ),
        };
        if !reader.read(&mut matte.alpha).map_err(kept)? {
            return Err(kept("it has fewer frames than the video"));
        }
        matte.width = frame.width;
        matte.height = frame.height;
        matte.foreground = None;
        Ok(())
    }

    fn is_temporal(&self) -> bool {
        true
    }

    fn interrupt(&self) -> Interrupt {
        self.interrupt.clone()
    }
}
