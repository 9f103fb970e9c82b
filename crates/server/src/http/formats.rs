//! `POST /v1/jobs/{id}/formats`: a completed job's result in another format
//! or over another background, re-encoded with the matte the job kept — no
//! model runs and nothing is charged. It makes a new job, as `POST /v1/jobs`
//! does, with `matte_of` naming the source.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiError, ApiResult};
use super::jobs::{create_job, owned_job};
use super::scene::Render;
use crate::store::JobStatus;
use crate::AppState;

/// What the body may set; the rest comes from the source job.
pub(super) const OVERRIDES: [&str; 6] = [
    "output_format",
    "bg_type",
    "bg_color",
    "background",
    "webhook_url",
    "metadata",
];

/// Backgrounds that are a colour (or none), so they carry over as they are.
const PLAIN: [&str; 6] = ["transparent", "green", "white", "black", "blue", "custom"];

pub async fn create(
    State(app): State<AppState>,
    Caller(key): Caller,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let overrides = body.object()?;
    if let Some(name) = overrides.keys().find(|k| !OVERRIDES.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            name.clone(),
            format!(
                "{name} cannot change without the model: this route takes {}",
                OVERRIDES.join(", ")
            ),
        ));
    }
    if !overrides.contains_key("output_format") {
        return Err(ApiError::invalid(
            "output_format",
            "output_format is required",
        ));
    }
    let source = owned_job(&app, &id, key.id).await?;
    if source.status != JobStatus::Completed {
        return Err(ApiError::invalid_state(format!(
            "job {id} is {}: other formats come from a completed job",
            source.status.reported()
        )));
    }
    let kept = app
        .blobs
        .size(&crate::jobs::matte_key(&source.id))
        .await
        .map_err(ApiError::internal)?;
    if kept.is_none() {
        return Err(ApiError::invalid_state(format!(
            "job {id} has no kept matte (it expires with the output): create a new job instead"
        )));
    }
    let render = Render::parse(&source.render);
    let mut job = Map::new();
    job.insert("video_url".into(), json!(source.video_url));
    job.insert("model".into(), json!(source.model));
    if let Some(prompt) = &source.text_prompt {
        job.insert("text_prompt".into(), json!(prompt));
    }
    if let Some(seconds) = render.preview_duration {
        job.insert("preview_duration".into(), json!(seconds));
    }
    let new_background = ["bg_type", "bg_color", "background"]
        .iter()
        .any(|k| overrides.contains_key(*k));
    if !new_background && PLAIN.contains(&source.bg_type.as_str()) {
        job.insert("bg_type".into(), json!(source.bg_type));
        if let Some(color) = &source.bg_color {
            job.insert(
                "bg_color".into(),
                serde_json::from_str(color).unwrap_or(Value::Null),
            );
        }
    }
    job.extend(overrides);
    create_job(&app, &key, &job, Some(true), Some(&source.id)).await
}
