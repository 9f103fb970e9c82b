//! Where a job's video comes from: an upload of the same key (read in place
//! from local storage, fetched from a bucket into the job's work folder), or
//! an external URL fetched into the work folder.

use std::path::PathBuf;

use crate::store::JobRow;
use crate::AppState;

/// A reason the input cannot be had, as (error_code, message).
pub type InputError = (&'static str, String);

/// True when the input has to be downloaded first.
pub fn needs_fetch(job: &JobRow) -> bool {
    !job.video_url.starts_with("upload://")
}

pub async fn resolve(
    app: &AppState,
    job: &JobRow,
    work: &std::path::Path,
) -> Result<PathBuf, InputError> {
    if let Some(id) = job.video_url.strip_prefix("upload://") {
        let upload = app
            .store
            .upload(id, job.key_id)
            .await
            .map_err(|e| {
                (
                    "processing_failed",
                    format!("reading the upload record: {e}"),
                )
            })?
            .ok_or((
                "source_unreachable",
                format!("upload {id} no longer exists"),
            ))?;
        let gone = || {
            (
                "source_unreachable",
                format!("upload {id} no longer exists"),
            )
        };
        if let Some(path) = app.blobs.local_path(&upload.path) {
            return if path.is_file() {
                Ok(path)
            } else {
                Err(gone())
            };
        }
        if app
            .blobs
            .size(&upload.path)
            .await
            .map_err(|e| {
                (
                    "processing_failed",
                    format!("reading the upload from storage: {e:#}"),
                )
            })?
            .is_none()
        {
            return Err(gone());
        }
        let dest = work.join("input");
        let size = app.blobs.fetch_to(&upload.path, &dest).await.map_err(|e| {
            (
                "processing_failed",
                format!("reading the upload from storage: {e:#}"),
            )
        })?;
        tracing::info!(size, "fetched the upload from storage");
        return Ok(dest);
    }
    let dest = work.join("input");
    let limits = super::fetch::FetchLimits {
        max_bytes: app.config.max_upload_bytes,
        timeout: std::time::Duration::from_secs(app.config.fetch_timeout_seconds),
        min_bytes_per_second: app.config.fetch_min_bytes_per_second,
    };
    let size = super::fetch::fetch(&job.video_url, &dest, limits, &app.rules).await?;
    tracing::info!(size, "fetched video_url");
    Ok(dest)
}
