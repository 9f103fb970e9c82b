//! Signed, expiring downloads of finished outputs, served by vidmatte.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
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
    let path = job
        .output_path
        .filter(|_| job.status == "completed")
        .ok_or_else(|| ApiError::not_found("output"))?;
    let format: OutputFormat = job.output_format.parse().map_err(ApiError::internal)?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| ApiError::not_found("output"))?;
    let length = file.metadata().await.map_err(ApiError::internal)?.len();
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Response::builder()
        .header(header::CONTENT_TYPE, format.mime_type())
        .header(header::CONTENT_LENGTH, length)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{id}.{}\"", format.extension()),
        )
        .body(body)
        .map_err(ApiError::internal)
}
