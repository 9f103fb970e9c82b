//! Signed, expiring downloads of finished outputs, served by vidmatte
//! (byte ranges, conditional requests and HEAD by tower-http's `ServeFile`,
//! so players can seek). A link works only while the job's key is enabled.

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use vidmatte_media::OutputFormat;

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
    if !std::path::Path::new(&path).is_file() {
        return Err(ApiError::not_found("output"));
    }
    let served = tower_http::services::ServeFile::new(&path)
        .try_call(request)
        .await
        .map_err(ApiError::internal)?;
    let mut response = served.map(Body::new);
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
