//! Which processor runs the models, chosen once per process: the CPU, or an
//! NVIDIA GPU through ONNX Runtime's CUDA provider.
//!
//! `auto` uses the GPU when everything the CUDA provider needs is there and
//! a probe session starts on it, and says which in one log line; `cuda`
//! fails with the list of what is missing. The CUDA build of ONNX Runtime
//! lives in `lib/gpu/` of the cache (`scripts/setup.sh --gpu`), NVIDIA's
//! libraries in `lib/cuda/` when setup had to fetch them, else wherever the
//! loader finds them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::{MlError, ModelFile, ModelStore};

/// The `--device` / `VIDMATTE_DEVICE` setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    /// The GPU where the CUDA provider loads, else the CPU.
    #[default]
    Auto,
    Cpu,
    /// The GPU or an error at start.
    Cuda,
}

impl Device {
    pub const ALL: [Device; 3] = [Self::Auto, Self::Cpu, Self::Cuda];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Device {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("device must be one of auto, cpu, cuda, not {s:?}"))
    }
}

/// Where the models of this process run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Processor {
    Cpu,
    Cuda,
}

impl fmt::Display for Processor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
        })
    }
}

/// What `/ready` and `vidmatte models` report.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceStatus {
    pub requested: Device,
    pub active: Processor,
    /// The ONNX Runtime library this process loads.
    pub library: PathBuf,
    /// Why `auto` stayed on the CPU, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl DeviceStatus {
    pub fn on_gpu(&self) -> bool {
        self.active == Processor::Cuda
    }
}

/// NVIDIA libraries the CUDA provider of ONNX Runtime 1.31 cannot start
/// without (CUDA 13, cuDNN 9), loaded in this order.
pub const CUDA_LIBRARIES: [&str; 6] = [
    "libcudart.so.13",
    "libcublasLt.so.13",
    "libcublas.so.13",
    "libcurand.so.10",
    "libcufft.so.12",
    "libcudnn.so.9",
];

/// cuDNN's sub-libraries, which it opens itself when needed; preloaded
/// from the cache when setup fetched them, so the loader finds them there.
const CUDNN_PARTS: [&str; 9] = [
    "libcudnn_graph.so.9",
    "libcudnn_ops.so.9",
    "libcudnn_heuristic.so.9",
    "libcudnn_adv.so.9",
    "libcudnn_cnn.so.9",
    "libcudnn_engines_precompiled.so.9",
    "libcudnn_engines_runtime_compiled.so.9",
    // NVRTC opens its builtins by name: load them first.
    "libnvrtc-builtins.so.13.0",
    "libnvrtc.so.13",
];

/// Something the CUDA provider needs that this machine lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CudaGap {
    /// The CUDA build of ONNX Runtime or its provider file.
    RuntimeFile(PathBuf),
    /// `libcuda.so.1`: no NVIDIA driver.
    Driver(String),
    /// A CUDA 13 / cuDNN 9 library the loader cannot open.
    Library(&'static str),
}

impl fmt::Display for CudaGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RuntimeFile(path) => write!(f, "{} (run scripts/setup.sh --gpu)", path.display()),
            Self::Driver(detail) => write!(f, "the NVIDIA driver (libcuda.so.1: {detail})"),
            Self::Library(name) => write!(
                f,
                "{name} (CUDA 13 / cuDNN 9; run scripts/setup.sh --gpu or put it on LD_LIBRARY_PATH)"
            ),
        }
    }
}

/// The CUDA build's files: the runtime, its CUDA provider and the shim
/// both load. `VIDMATTE_ORT_LIB` points at a runtime with the providers
/// beside it; otherwise they are in `lib/gpu/` of the cache.
pub(crate) fn cuda_runtime_files(store: &ModelStore) -> [PathBuf; 3] {
    let library = std::env::var_os("VIDMATTE_ORT_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| store.root().join(ModelFile::GPU_RUNTIME.file));
    let dir = library.parent().unwrap_or(Path::new(".")).to_path_buf();
    [
        library,
        dir.join("libonnxruntime_providers_cuda.so"),
        dir.join("libonnxruntime_providers_shared.so"),
    ]
}

/// Everything the CUDA provider would miss here; empty when it can start.
/// Libraries found are kept loaded, so the provider's own loading finds
/// them by name even where they are not on the loader's path.
pub fn cuda_gaps(store: &ModelStore) -> Vec<CudaGap> {
    let mut gaps: Vec<CudaGap> = cuda_runtime_files(store)
        .into_iter()
        .filter(|f| !f.is_file())
        .map(CudaGap::RuntimeFile)
        .collect();
    if let Err(e) = open("libcuda.so.1") {
        gaps.push(CudaGap::Driver(e));
    }
    let fetched = store.root().join("lib/cuda");
    let find = |name: &str| {
        let local = fetched.join(name);
        if local.is_file() {
            open(&local.to_string_lossy())
        } else {
            open(name)
        }
    };
    for name in CUDA_LIBRARIES {
        if find(name).is_err() {
            gaps.push(CudaGap::Library(name));
        }
    }
    for name in CUDNN_PARTS {
        let _ = find(name);
    }
    gaps
}

/// Opens a shared library and keeps it for the life of the process.
fn open(name: &str) -> Result<(), String> {
    // SAFETY: NVIDIA's libraries run no initialisers with preconditions of
    // ours; they are opened as the CUDA provider would open them.
    let library = unsafe { libloading::Library::new(name) }.map_err(|e| {
        // libloading's own text is "dlopen failed"; the loader's is the cause.
        match std::error::Error::source(&e) {
            Some(cause) => cause.to_string(),
            None => e.to_string(),
        }
    })?;
    std::mem::forget(library);
    Ok(())
}

static REQUESTED: OnceLock<Device> = OnceLock::new();
static SELECTED: OnceLock<Result<DeviceStatus, String>> = OnceLock::new();

/// Sets this process's device; the first call wins (models loaded before
/// it run on `auto`).
pub fn request_device(device: Device) {
    let _ = REQUESTED.set(device);
}

/// The device asked for (`auto` until [`request_device`]).
pub fn requested_device() -> Device {
    REQUESTED.get().copied().unwrap_or_default()
}

/// The device this process uses, chosen (and probed) on the first call.
pub fn device_status(store: &ModelStore) -> Result<&'static DeviceStatus, MlError> {
    let requested = *REQUESTED.get_or_init(Device::default);
    SELECTED
        .get_or_init(|| select(requested, store))
        .as_ref()
        .map_err(|detail| MlError::Device(detail.clone()))
}

fn select(requested: Device, store: &ModelStore) -> Result<DeviceStatus, String> {
    let cpu = |reason: Option<String>| DeviceStatus {
        requested,
        active: Processor::Cpu,
        library: store.path(&ModelFile::RUNTIME),
        reason,
    };
    if requested == Device::Cpu {
        return Ok(cpu(None));
    }
    let gaps = cuda_gaps(store);
    let status = if gaps.is_empty() {
        let [library, ..] = cuda_runtime_files(store);
        match crate::runtime::probe_cuda(&library, store) {
            Ok(()) => DeviceStatus {
                requested,
                active: Processor::Cuda,
                library,
                reason: None,
            },
            Err(e) if requested == Device::Cuda => {
                let e = first_line(&e);
                return Err(format!(
                    "--device cuda: the CUDA provider did not start: {e}"
                ));
            }
            // The CUDA build's CPU provider is ONNX Runtime's own CPU path.
            Err(e) => DeviceStatus {
                library,
                ..cpu(Some(format!(
                    "the CUDA provider did not start: {}",
                    first_line(&e)
                )))
            },
        }
    } else if requested == Device::Cuda {
        let list: Vec<String> = gaps.iter().map(ToString::to_string).collect();
        return Err(format!(
            "--device cuda, but this machine lacks: {}",
            list.join("; ")
        ));
    } else {
        let first = gaps.first().map(ToString::to_string).unwrap_or_default();
        cpu(Some(format!("no usable GPU: missing {first}")))
    };
    match (&status.active, &status.reason) {
        (Processor::Cuda, _) => {
            tracing::info!(library = %status.library.display(), "device: cuda (ONNX Runtime's CUDA provider)")
        }
        (Processor::Cpu, Some(reason)) => tracing::info!("device: cpu ({reason})"),
        (Processor::Cpu, None) => tracing::info!("device: cpu (asked for)"),
    }
    Ok(status)
}

/// ONNX Runtime's CUDA errors open with C++ signatures; the part that
/// says what failed starts at "CUDA failure" (or "CUDNN failure") and ends
/// before the hostname and source line.
fn first_line(text: &str) -> &str {
    let start = ["CUDA failure", "CUDNN failure", "CUBLAS failure"]
        .iter()
        .filter_map(|k| text.find(k))
        .min()
        .unwrap_or(0);
    let rest = &text[start..];
    let end = [" ; GPU=", " ; hostname=", "\n"]
        .iter()
        .filter_map(|k| rest.find(k))
        .min()
        .unwrap_or(rest.len());
    let line = rest[..end].trim();
    match line.char_indices().nth(400) {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

/// Whether this process's models run on the GPU (`false` before a device
/// is chosen or when choosing failed).
pub fn on_gpu() -> bool {
    SELECTED
        .get()
        .and_then(|s| s.as_ref().ok())
        .is_some_and(|s| s.active == Processor::Cuda)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_errors_are_cut_to_what_failed() {
        let ort = "ONNX Runtime: /src/cuda_call.cc:154 std::conditional_t<THRW, void> onnxruntime::CudaCall(ERRTYPE) [with ERRTYPE = cudaError] CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version ; GPU=-1 ; hostname=vm ; file=x.cc ; line=355 ; expr=cudaSetDevice(info_.device_id); ";
        assert_eq!(
            first_line(ort),
            "CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version"
        );
        assert_eq!(first_line("no model\nmore"), "no model");
    }

    #[test]
    fn parses_the_three_settings() {
        for d in Device::ALL {
            assert_eq!(d.as_str().parse::<Device>(), Ok(d));
        }
        let err = "gpu".parse::<Device>().unwrap_err();
        assert!(err.contains("auto, cpu, cuda"), "{err}");
    }

    #[test]
    fn an_empty_cache_names_the_cuda_build_and_every_library_missing() {
        let dir = std::env::temp_dir().join(format!("vidmatte-device-{}", std::process::id()));
        let store = ModelStore::new(&dir);
        let gaps = cuda_gaps(&store);
        let files: Vec<_> = gaps
            .iter()
            .filter_map(|g| match g {
                CudaGap::RuntimeFile(p) => {
                    Some(p.file_name().unwrap().to_string_lossy().into_owned())
                }
                _ => None,
            })
            .collect();
        if std::env::var_os("VIDMATTE_ORT_LIB").is_none() {
            assert_eq!(
                files,
                [
                    "libonnxruntime.so.1.31.1",
                    "libonnxruntime_providers_cuda.so",
                    "libonnxruntime_providers_shared.so"
                ]
            );
        }
        // Whatever this machine has, each gap names what it is and the fix.
        for gap in &gaps {
            let text = gap.to_string();
            assert!(
                text.contains("setup.sh --gpu") || text.contains("driver"),
                "{text}"
            );
        }
    }
}
