//! Errors from loading and running models.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MlError {
    #[error("{what} is missing at {path}; it comes from {package}. Fix: run scripts/setup.sh")]
    Missing {
        what: &'static str,
        path: PathBuf,
        package: &'static str,
    },
    #[error("{what} at {path} is corrupt ({detail}); it comes from {package}. Fix: delete it and run scripts/setup.sh")]
    Corrupt {
        what: &'static str,
        path: PathBuf,
        package: &'static str,
        detail: String,
    },
    #[error("could not load ONNX Runtime from {path}: {detail}. Fix: run scripts/setup.sh, or point VIDMATTE_ORT_LIB at libonnxruntime.so.1.31.1")]
    Runtime { path: PathBuf, detail: String },
    #[error("{0}")]
    Device(String),
    #[error("ONNX Runtime: {0}")]
    Ort(#[from] ort::Error),
    #[error("{model} returned an unexpected output: {detail}")]
    Output { model: &'static str, detail: String },
    #[error("inference was stopped")]
    Interrupted,
    #[error("resizing: {0}")]
    Resize(String),
}
