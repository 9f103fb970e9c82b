//! Where a job's video (and its background picture or clip) comes from: an
//! upload of the same key (read in place from local storage, fetched from a
//! bucket into the job's work folder), or an external URL fetched into the
//! work folder. The background is probed here, before any model loads.

use std::path::{Path, PathBuf};

use vidmatte_media::{probe, probe_image, Backdrop, Cancel, MediaError};

use crate::http::scene::Render;
use crate::store::JobRow;
use crate::AppState;

/// A reason the input cannot be had, as (error_code, message).
pub type InputError = (&'static str, String);

/// True when the input or the background has to be downloaded first.
pub fn needs_fetch(job: &JobRow, render: &Render) -> bool {
    let external = [
        Some(&job.video_url),
        render.image_url.as_ref(),
        render.video_url.as_ref(),
    ]
    .into_iter()
    .flatten()
    .any(|url| !url.starts_with("upload://"));
    external
}

/// The job's video on local disk.
pub async fn resolve(app: &AppState, job: &JobRow, work: &Path) -> Result<PathBuf, InputError> {
    let path = resolve_url(app, job.key_id, &job.video_url, &work.join("input")).await?;
    tracing::info!("video ready");
    Ok(path)
}

/// The job's background picture or clip on local disk, probed; the fill
/// colour or blur as they are.
pub async fn backdrop(
    app: &AppState,
    job: &JobRow,
    render: &Render,
    work: &Path,
    fill: vidmatte_media::Background,
) -> Result<Backdrop, InputError> {
    let fit = render.fit.unwrap_or_default();
    let (url, image) = match (job.bg_type.as_str(), &render.image_url, &render.video_url) {
        ("image", Some(url), _) => (url, true),
        ("video", _, Some(url)) => (url, false),
        ("blur", _, _) => {
            return Ok(Backdrop::Blur {
                radius: render
                    .blur_radius
                    .unwrap_or(crate::http::scene::DEFAULT_BLUR),
            })
        }
        _ => return Ok(Backdrop::Fill(fill)),
    };
    let what = if image {
        "background.image_url"
    } else {
        "background.video_url"
    };
    let path = resolve_url(app, job.key_id, url, &work.join("background"))
        .await
        .map_err(|(code, message)| (code, format!("{what}: {message}")))?;
    let limits = app.config.probe_limits();
    let probed = path.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let cancel = Cancel::new();
        if image {
            probe_image(&probed, &limits, &cancel).map(|_| ())
        } else {
            probe(&probed, &limits, &cancel).map(|_| ())
        }
    })
    .await
    .map_err(|e| ("processing_failed", format!("probing the background: {e}")))?;
    checked.map_err(|e| {
        let code = match e {
            MediaError::Unsupported(_) => "unsupported_media_type",
            MediaError::OutsideLimits(_) => "unprocessable_video",
            _ => "processing_failed",
        };
        (code, format!("{what}: {e}"))
    })?;
    Ok(if image {
        Backdrop::Image { path, fit }
    } else {
        Backdrop::Video { path, fit }
    })
}

/// An `upload://` of the key, or an external URL, as a local file (`dest`
/// when it had to be copied or fetched).
async fn resolve_url(
    app: &AppState,
    key_id: i64,
    url: &str,
    dest: &Path,
) -> Result<PathBuf, InputError> {
    if let Some(id) = url.strip_prefix("upload://") {
        let upload = app
            .store
            .upload(id, key_id)
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
        let size = app.blobs.fetch_to(&upload.path, dest).await.map_err(|e| {
            (
                "processing_failed",
                format!("reading the upload from storage: {e:#}"),
            )
        })?;
        tracing::info!(size, "fetched the upload from storage");
        return Ok(dest.to_path_buf());
    }
    let limits = super::fetch::FetchLimits {
        max_bytes: app.config.max_upload_bytes,
        timeout: std::time::Duration::from_secs(app.config.fetch_timeout_seconds),
        min_bytes_per_second: app.config.fetch_min_bytes_per_second,
    };
    let size = super::fetch::fetch(url, dest, limits, &app.rules).await?;
    tracing::info!(size, "fetched an external URL");
    Ok(dest.to_path_buf())
}
