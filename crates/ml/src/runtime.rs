//! The process-wide ONNX Runtime environment, loaded from the cached library
//! of the chosen device ([`crate::device`]), and sessions on it.

use std::path::Path;
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::ep::ExecutionProvider;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::session::Session;

use crate::device::{device_status, Processor};
use crate::{MlError, ModelFile, ModelStore};

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

fn builder(
    env: &Environment,
    threads: usize,
    processor: Processor,
) -> Result<SessionBuilder, MlError> {
    let mut builder = Session::builder(env)?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(ort::Error::from)?
        .with_intra_threads(threads.max(1))
        .map_err(ort::Error::from)?
        .with_inter_threads(1)
        .map_err(ort::Error::from)?;
    if processor == Processor::Cuda {
        builder = builder
            .with_execution_providers([ort::ep::CUDA::default().build().error_on_failure()])
            .map_err(ort::Error::from)?;
    }
    Ok(builder)
}

/// A session on this process's device: `threads` intra-op threads, every
/// graph optimisation, and the CUDA provider first when on the GPU.
pub(crate) fn session(
    store: &ModelStore,
    model: &Path,
    threads: usize,
) -> Result<Session, MlError> {
    let device = device_status(store)?;
    let env = environment(&device.library)?;
    Ok(builder(env, threads, device.active)?.commit_from_file(model)?)
}

/// Loads the CUDA build at `library` and starts one session of RVM (or,
/// without it, of any model in the cache) on the CUDA provider.
pub(crate) fn probe_cuda(library: &Path, store: &ModelStore) -> Result<(), String> {
    let env = environment(library).map_err(|e| e.to_string())?;
    match ort::ep::CUDA::is_available() {
        Ok(true) => {}
        Ok(false) => return Err(format!("{} has no CUDA provider", library.display())),
        Err(e) => return Err(e.to_string()),
    }
    let model = [&ModelFile::RVM, &ModelFile::DETECTOR, &ModelFile::U2NETP]
        .into_iter()
        .map(|f| store.path(f))
        .find(|p| p.is_file())
        .ok_or("no model in the cache to try it on (run scripts/setup.sh)")?;
    builder(env, 1, Processor::Cuda)
        .and_then(|mut b| Ok(b.commit_from_file(&model)?))
        .map(drop)
        .map_err(|e| e.to_string())
}
