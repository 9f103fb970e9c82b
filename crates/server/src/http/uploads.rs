//! `POST /v1/uploads` (and legacy `/api/upload`): one multipart field
//! `file`, streamed to disk under the size limit, sniffed with ffprobe (a
//! video, or a PNG/JPEG/WebP picture for image backgrounds), then
//! (bucket storage) sent to the bucket in multipart parts.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use vidmatte_media::{probe, probe_image, Cancel, MediaError};

use super::auth::{Caller, LegacyCaller};
use super::error::{ApiError, ApiResult};
use crate::clock::now_ms;
use crate::store::{KeyRow, UploadRow};
use crate::AppState;

pub async fn upload(
    State(app): State<AppState>,
    Caller(key): Caller,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Value>)> {
    receive(&app, &key, multipart).await
}

pub async fn legacy_upload(
    State(app): State<AppState>,
    LegacyCaller(key): LegacyCaller,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Value>)> {
    receive(&app, &key, multipart).await
}

/// Deletes the partial file unless disarmed.
struct PartialFile(Option<std::path::PathBuf>);

impl Drop for PartialFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

async fn receive(
    app: &AppState,
    key: &KeyRow,
    mut multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let bad = |m: String| ApiError::invalid("file", m);
    let id = format!("vid_{}", ulid::Ulid::new());
    let blob_key = format!("uploads/{id}");
    // Local storage receives the file in place; a bucket's upload is
    // spooled next to the data first (ffprobe reads a file).
    let path = app
        .blobs
        .local_path(&blob_key)
        .unwrap_or_else(|| app.config.data_dir.join("spool").join(&id));
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(ApiError::internal)?;
    }
    let mut guard = PartialFile(Some(path.clone()));
    let mut received: Option<(String, u64)> = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(format!("malformed multipart body: {e}")))?
    {
        if field.name() != Some("file") {
            continue;
        }
        if received.is_some() {
            return Err(bad("send exactly one field named file".into()));
        }
        let filename = field
            .file_name()
            .unwrap_or("upload")
            .chars()
            .filter(|c| !c.is_control())
            .take(255)
            .collect::<String>();
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(ApiError::internal)?;
        let mut size = 0u64;
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| bad(format!("the upload was cut off: {e}")))?
        {
            size += chunk.len() as u64;
            if size > app.config.max_upload_bytes {
                drain(&mut field).await;
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!(
                        "uploads are limited to {}",
                        human_size(app.config.max_upload_bytes)
                    ),
                ));
            }
            file.write_all(&chunk).await.map_err(ApiError::internal)?;
        }
        file.flush().await.map_err(ApiError::internal)?;
        received = Some((filename, size));
    }
    let Some((filename, size)) = received else {
        return Err(bad("the multipart body has no field named file".into()));
    };
    let probe_path = path.clone();
    let limits = app.config.probe_limits();
    // A video, or else a still picture (for image backgrounds).
    let sniffed = tokio::task::spawn_blocking(move || {
        let cancel = Cancel::new();
        match probe(&probe_path, &limits, &cancel) {
            Err(MediaError::Unsupported(why)) => match probe_image(&probe_path, &limits, &cancel) {
                Ok(image) => Ok(Sniffed::Image(image)),
                Err(MediaError::Unsupported(_)) => Err(MediaError::Unsupported(why)),
                Err(other) => Err(other),
            },
            other => other.map(Sniffed::Video),
        }
    })
    .await
    .map_err(ApiError::internal)?;
    let sniffed = sniffed.map_err(|e| match e {
        MediaError::Unsupported(why) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("not a video (or PNG, JPEG or WebP picture) we can read: {why}"),
        ),
        MediaError::OutsideLimits(why) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable_video", why)
        }
        other => ApiError::internal(other),
    })?;
    if !app.blobs.is_local() {
        app.blobs
            .put_file(&blob_key, &path, "application/octet-stream", &filename)
            .await
            .map_err(|e| ApiError::internal(format!("storing the upload: {e:#}")))?;
    }
    let now = now_ms();
    let row = UploadRow {
        id: id.clone(),
        key_id: key.id,
        filename: filename.clone(),
        path: blob_key,
        size: size as i64,
        duration_seconds: match &sniffed {
            Sniffed::Video(info) => Some(info.duration_seconds),
            Sniffed::Image(_) => None,
        },
        created_at: now,
        expires_at: now + app.config.retention_seconds * 1000,
    };
    app.store.insert_upload(&row).await?;
    if app.blobs.is_local() {
        guard.0 = None;
    }
    tracing::info!(video_id = %id, size, "upload stored");
    let mut answer = json!({
        "success": true, "video_id": id, "video_url": format!("upload://{id}"),
        "filename": filename, "size": size,
    });
    let extra = match &sniffed {
        Sniffed::Video(info) => json!({
            "kind": "video", "duration_seconds": info.duration_seconds,
            "width": info.width, "height": info.height,
        }),
        Sniffed::Image(image) => json!({
            "kind": "image", "duration_seconds": null,
            "width": image.width, "height": image.height,
        }),
    };
    if let (Some(answer), Value::Object(extra)) = (answer.as_object_mut(), extra) {
        answer.extend(extra);
    }
    Ok((StatusCode::CREATED, Json(answer)))
}

/// What an upload turned out to be.
enum Sniffed {
    Video(vidmatte_media::MediaInfo),
    Image(vidmatte_media::ImageInfo),
}

/// Reads (and drops) a little more of a refused upload before answering, so
/// that a client still sending gets the 413 instead of a broken connection
/// (what a web server's lingering close does); at most 16 MB or 5 s.
async fn drain(field: &mut axum::extract::multipart::Field<'_>) {
    let mut left: u64 = 16 * 1024 * 1024;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Ok(Some(chunk)) = field.chunk().await {
            left = left.saturating_sub(chunk.len() as u64);
            if left == 0 {
                break;
            }
        }
    })
    .await;
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}
