//! Blobs: uploaded inputs and finished outputs, behind `object_store`.
//!
//! - `file://` (the default, under the data directory): objects are plain
//!   files, written in place and served from disk with byte ranges.
//! - `s3://bucket/prefix` (`VIDMATTE_S3_ENDPOINT`, `AWS_*` credentials):
//!   uploads are spooled to a temporary file (ffprobe needs one), then sent
//!   to the bucket in multipart parts; workers fetch inputs into their work
//!   folder and upload outputs the same way; downloads are presigned bucket
//!   URLs, or proxied through the API node with `VIDMATTE_S3_DOWNLOADS=proxied`.
//!
//! Rows store an object's key (`uploads/vid_…`, `outputs/job_….webm`); a
//! stored absolute path (written before keys) is read as a local file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::buffered::BufWriter;
use object_store::path::Path as Key;
use object_store::signer::Signer;
use object_store::{Attribute, Attributes, GetOptions, GetRange, ObjectStore};
use tokio::io::AsyncWriteExt;

pub use crate::config::Downloads;
use crate::Config;

enum Backend {
    /// Files under this folder.
    Local(PathBuf),
    Bucket {
        store: Arc<AmazonS3>,
        prefix: String,
        downloads: Downloads,
    },
}

/// Multipart part size for bucket uploads.
const PART_BYTES: usize = 8 * 1024 * 1024;

pub struct Blobs {
    backend: Backend,
}

/// An object's bytes, streamed from the bucket.
pub struct Fetched {
    pub size: u64,
    pub range: Option<std::ops::Range<u64>>,
    pub stream: futures_util::stream::BoxStream<'static, object_store::Result<bytes::Bytes>>,
}

impl Blobs {
    pub fn open(config: &Config) -> anyhow::Result<Self> {
        let url = config.storage_url();
        if let Some(root) = url.strip_prefix("file://") {
            return Ok(Self {
                backend: Backend::Local(PathBuf::from(root)),
            });
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            anyhow::bail!("storage URL {url:?}: use file:///FOLDER or s3://BUCKET/PREFIX");
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(endpoint) = &config.s3_endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder
            .build()
            .with_context(|| format!("configuring the bucket of {url}"))?;
        Ok(Self {
            backend: Backend::Bucket {
                store: Arc::new(store),
                prefix: prefix.trim_matches('/').to_string(),
                downloads: config.s3_downloads,
            },
        })
    }

    /// Whether objects are local files (no fetch or upload step).
    pub fn is_local(&self) -> bool {
        matches!(self.backend, Backend::Local(_))
    }

    /// The file of a stored key, when blobs are local (or the value is a
    /// path from before keys).
    pub fn local_path(&self, stored: &str) -> Option<PathBuf> {
        if stored.starts_with('/') {
            return Some(PathBuf::from(stored));
        }
        match &self.backend {
            Backend::Local(root) => Some(root.join(stored)),
            Backend::Bucket { .. } => None,
        }
    }

    fn key(&self, stored: &str) -> Key {
        match &self.backend {
            Backend::Bucket { prefix, .. } if !prefix.is_empty() => {
                Key::from(format!("{prefix}/{stored}"))
            }
            _ => Key::from(stored),
        }
    }

    /// Stores `file` under `key` (local: moved into place; bucket: sent in
    /// multipart parts, at most two parts in memory), with the content type
    /// and file name a download should carry.
    pub async fn put_file(
        &self,
        key: &str,
        file: &Path,
        content_type: &str,
        filename: &str,
    ) -> anyhow::Result<()> {
        match &self.backend {
            Backend::Local(root) => {
                let dest = root.join(key);
                if let Some(dir) = dest.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                tokio::fs::rename(file, &dest)
                    .await
                    .with_context(|| format!("moving {} to {}", file.display(), dest.display()))
            }
            Backend::Bucket { store, .. } => {
                let mut attributes = Attributes::new();
                attributes.insert(Attribute::ContentType, content_type.to_string().into());
                attributes.insert(
                    Attribute::ContentDisposition,
                    format!("attachment; filename=\"{filename}\"").into(),
                );
                let store: Arc<dyn ObjectStore> = store.clone();
                // Parts of 8 MiB (S3's minimum is 5), two in flight: at most
                // ~16 MiB of a file in memory, whatever its size.
                let mut writer = BufWriter::with_capacity(store, self.key(key), PART_BYTES)
                    .with_max_concurrency(2)
                    .with_attributes(attributes);
                let mut source = tokio::fs::File::open(file).await?;
                let sent = tokio::io::copy(&mut source, &mut writer).await;
                if let Err(e) = sent {
                    let _ = writer.abort().await;
                    return Err(e).context("sending to the bucket");
                }
                writer
                    .shutdown()
                    .await
                    .context("completing the upload to the bucket")
            }
        }
    }

    /// Copies the object to `dest` (workers' inputs), streaming.
    pub async fn fetch_to(&self, key: &str, dest: &Path) -> anyhow::Result<u64> {
        if let Some(path) = self.local_path(key) {
            return Ok(tokio::fs::copy(&path, dest).await?);
        }
        let Backend::Bucket { store, .. } = &self.backend else {
            unreachable!("local blobs have a path")
        };
        let mut stream = store.get(&self.key(key)).await?.into_stream();
        let mut file = tokio::fs::File::create(dest).await?;
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok(size)
    }

    /// The object's size, None if it does not exist (nor does a vanished
    /// local file).
    pub async fn size(&self, key: &str) -> anyhow::Result<Option<u64>> {
        if let Some(path) = self.local_path(key) {
            return Ok(std::fs::metadata(path)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len()));
        }
        let Backend::Bucket { store, .. } = &self.backend else {
            unreachable!("local blobs have a path")
        };
        match store.head(&self.key(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        if let Some(path) = self.local_path(key) {
            return match tokio::fs::remove_file(&path).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            };
        }
        let Backend::Bucket { store, .. } = &self.backend else {
            unreachable!("local blobs have a path")
        };
        match store.delete(&self.key(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// How a bucket object is handed out (None for local files).
    pub fn downloads(&self) -> Option<Downloads> {
        match &self.backend {
            Backend::Local(_) => None,
            Backend::Bucket { downloads, .. } => Some(*downloads),
        }
    }

    /// A presigned GET of the object, valid for `ttl`.
    pub async fn presigned(&self, key: &str, ttl: Duration) -> anyhow::Result<url::Url> {
        let Backend::Bucket { store, .. } = &self.backend else {
            anyhow::bail!("local files are not presigned")
        };
        Ok(store
            .signed_url(reqwest::Method::GET, &self.key(key), ttl)
            .await?)
    }

    /// The object's bytes (a `range` of them if asked), for proxying.
    pub async fn get(
        &self,
        key: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> anyhow::Result<Fetched> {
        let Backend::Bucket { store, .. } = &self.backend else {
            anyhow::bail!("local files are served from disk")
        };
        let options = GetOptions {
            range: range.clone().map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = store.get_opts(&self.key(key), options).await?;
        Ok(Fetched {
            size: result.meta.size,
            range,
            stream: result.into_stream(),
        })
    }

    /// Whether the storage answers (for `/ready`).
    pub async fn ready(&self) -> bool {
        match &self.backend {
            Backend::Local(root) => {
                let outputs = root.join("outputs");
                tokio::fs::create_dir_all(&outputs).await.is_ok()
                    && tempfile::NamedTempFile::new_in(&outputs).is_ok()
            }
            Backend::Bucket { store, .. } => matches!(
                store.head(&self.key("ready-probe")).await,
                Ok(_) | Err(object_store::Error::NotFound { .. })
            ),
        }
    }
}
