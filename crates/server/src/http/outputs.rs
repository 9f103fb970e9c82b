//! Signed, expiring downloads of finished outputs. Local files are served
//! by vidmatte (byte ranges, conditional requests and HEAD by tower-http's
//! `ServeFile`, so players can seek); bucket objects by a redirect to a
//! presigned URL valid as long as the link (the bucket serves the ranges),
//! or proxied with their byte ranges. A link works only while the job's key
//! is enabled.

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use vidmatte_media::OutputFormat;

use crate::blobs::Downloads;

use super::error::{ApiError, ApiResult};
use crate::clock::now_ms;
use crate::AppState;

#[derive(Deserialize)]
pub struct Signed {
    expires: Option<i64>,
    signature: Option<String>,
}

pub async fn download(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Signed>,
    request: Request,
) -> ApiResult<Response> {
    let forbidden = || {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this download link is invalid or has expired; fetch the job again for a fresh output_url")
    };
    let (Some(expires), Some(signature)) = (q.expires, q.signature) else {
        return Err(forbidden());
    };
    if expires < now_ms() / 1000 || !app.view.signer().verify(&id, expires, &signature) {
        return Err(forbidden());
    }
    let job = app
        .store
        .job_by_id(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("output"))?;
    // A link outlives nothing its key may not do: once the key is disabled
    // its outputs are gone to everyone (404, so a link says nothing of why).
    if !app.store.key_enabled(job.key_id).await? {
        return Err(ApiError::not_found("output"));
    }
    let path = job
        .output_path
        .filter(|_| job.status == crate::store::JobStatus::Completed)
        .ok_or_else(|| ApiError::not_found("output"))?;
    let format: OutputFormat = job.output_format.parse().map_err(ApiError::internal)?;
    let mut response = match app.blobs.local_path(&path) {
        Some(path) => {
            if !path.is_file() {
                return Err(ApiError::not_found("output"));
            }
            let served = tower_http::services::ServeFile::new(&path)
                .try_call(request)
                .await
                .map_err(ApiError::internal)?;
            served.map(Body::new)
        }
        None => {
            let ttl = std::time::Duration::from_secs((expires - now_ms() / 1000).max(60) as u64);
            let range = request.headers().get(header::RANGE).cloned();
            from_bucket(&app, &path, ttl, range).await?
        }
    };
    if response.status() == StatusCode::FOUND {
        return Ok(response);
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.mime_type()),
    );
    let disposition = format!("attachment; filename=\"{id}.{}\"", format.extension());
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A bucket object: a redirect to its presigned URL, or its bytes proxied
/// (one byte range honoured, as players ask).
async fn from_bucket(
    app: &AppState,
    key: &str,
    ttl: std::time::Duration,
    range: Option<HeaderValue>,
) -> ApiResult<Response> {
    let Some(size) = app.blobs.size(key).await.map_err(ApiError::internal)? else {
        return Err(ApiError::not_found("output"));
    };
    if app.blobs.downloads() == Some(Downloads::Presigned) {
        let url = app
            .blobs
            .presigned(key, ttl)
            .await
            .map_err(ApiError::internal)?;
        return Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, url.as_str())
            .body(Body::empty())
            .map_err(ApiError::internal);
    }
    let range = match range {
        None => None,
        Some(value) => {
            let ranges = value
                .to_str()
                .ok()
                .and_then(|v| http_range_header::parse_range_header(v).ok())
                .and_then(|r| r.validate(size).ok());
            match ranges.as_deref() {
                Some([one]) => Some(*one.start()..*one.end() + 1),
                _ => {
                    return Response::builder()
                        .status(StatusCode::RANGE_NOT_SATISFIABLE)
                        .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                        .body(Body::empty())
                        .map_err(ApiError::internal)
                }
            }
        }
    };
    let fetched = app
        .blobs
        .get(key, range)
        .await
        .map_err(ApiError::internal)?;
    let mut response = Response::builder().header(header::ACCEPT_RANGES, "bytes");
    response = match &fetched.range {
        Some(r) => response
            .status(StatusCode::PARTIAL_CONTENT)
            .header(
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{}", r.start, r.end - 1, fetched.size),
            )
            .header(header::CONTENT_LENGTH, r.end - r.start),
        None => response
            .status(StatusCode::OK)
            .header(header::CONTENT_LENGTH, fetched.size),
    };
    response
        .body(Body::from_stream(fetched.stream))
        .map_err(ApiError::internal)
}
