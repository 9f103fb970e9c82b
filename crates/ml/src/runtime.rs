//! The process-wide ONNX Runtime environment, loaded from the cached library.

use std::path::Path;
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;

use crate::MlError;

static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();

fn environment(library: &Path) -> Result<&'static Environment, MlError> {
    let loaded = ENVIRONMENT.get_or_init(|| {
        if !library.is_file() {
            return Err("the file does not exist".to_string());
        }
        let builder = ort::init_from(library).map_err(|e| e.to_string())?;
        builder
            .with_name("vidmatte")
            .build()
            .map_err(|e| e.to_string())
    });
    loaded.as_ref().map_err(|detail| MlError::Runtime {
        path: library.to_path_buf(),
        detail: detail.clone(),
    })
}

/// A CPU session on `threads` intra-op threads with every graph optimisation.
pub(crate) fn session(library: &Path, model: &Path, threads: usize) -> Result<Session, MlError> {
    let env = environment(library)?;
    let session = Session::builder(env)?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(ort::Error::from)?
        .with_intra_threads(threads.max(1))
        .map_err(ort::Error::from)?
        .with_inter_threads(1)
        .map_err(ort::Error::from)?
        .commit_from_file(model)?;
    Ok(session)
}
