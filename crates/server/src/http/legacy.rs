//! The vendor's legacy `/api/*` routes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::auth::LegacyCaller;
use super::error::{ApiError, ApiResult};
use crate::clock::now_ms;
use crate::AppState;

pub async fn process(
    State(app): State<AppState>,
    LegacyCaller(key): LegacyCaller,
    body: super::body::JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = body.object()?;
    super::jobs::create_job(&app, &key, &body, Some(true), None).await
}

pub async fn download(
    State(app): State<AppState>,
    LegacyCaller(key): LegacyCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let job = super::jobs::owned_job(&app, &id, key.id).await?;
    if job.status != crate::store::JobStatus::Completed || job.output_path.is_none() {
        let (status, stage) = (job.status.reported(), job.status.reported_stage(job.stage));
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_state",
            // The contract's exact words (clients may match them); how far
            // the job is comes as fields beside them.
            "Job not completed",
        )
        .with_details(json!({"status": status, "stage": stage, "progress": job.progress})));
    }
    let expires = now_ms() / 1000 + app.config.output_url_ttl_seconds;
    Ok(Json(
        json!({"success": true, "download_url": app.view.output_url(&job.id, expires), "output_format": job.output_format}),
    ))
}

pub async fn pricing() -> Json<Value> {
    let prices: serde_json::Map<String, Value> = crate::billing::PRICES
        .iter()
        .map(|(m, p)| (m.to_string(), json!(p)))
        .collect();
    Json(json!({"success": true, "model_pricing_credits_per_minute": prices}))
}
