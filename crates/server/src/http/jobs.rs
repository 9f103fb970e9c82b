//! `/v1/jobs`: create, get, list, start, cancel, and progress events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiError, ApiResult};
use super::request_id::current_request_id;
use super::scene::Render;
use super::settings::{metadata, JobSettings};
use super::urls::check_external;
use crate::store::{JobStatus, KeyRow, NewJob, Stage, StartOverrides};
use crate::AppState;

pub async fn create(
    State(app): State<AppState>,
    Caller(key): Caller,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = body.object()?;
    create_job(&app, &key, &body, None, None).await
}

/// Shared by `POST /v1/jobs`, the legacy `POST /api/process`
/// (`force_start` ignores `auto_start`) and `POST /v1/jobs/{id}/formats`
/// (`matte_of`: re-encode with that job's kept matte, free of charge).
pub async fn create_job(
    app: &AppState,
    key: &KeyRow,
    body: &Map<String, Value>,
    force_start: Option<bool>,
    matte_of: Option<&str>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let video_url = match body.get("video_url") {
        Some(Value::String(url)) if !url.trim().is_empty() => url.trim().to_string(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(ApiError::invalid("video_url", "video_url is required"))
        }
        Some(_) => return Err(ApiError::invalid("video_url", "video_url must be a string")),
    };
    let mut settings = JobSettings::default();
    settings.apply(body, app.config.max_pixels)?;
    settings.render.matte_of = matte_of.map(str::to_string);
    settings.validate(&app.rules)?;
    check_background_upload(app, key, &settings).await?;
    let metadata = metadata(body)?;
    let auto_start = match body.get("auto_start") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError::invalid(
                "auto_start",
                "auto_start must be true or false",
            ))
        }
    };
    let start = force_start.unwrap_or(auto_start);
    let duration_seconds = if let Some(id) = video_url.strip_prefix("upload://") {
        let upload = app
            .store
            .upload(id, key.id)
            .await?
            .ok_or_else(|| ApiError::not_found("upload"))?;
        if upload.duration_seconds.is_none() {
            return Err(ApiError::invalid(
                "video_url",
                format!("upload {id} is a still image: use it as background.image_url, and a video as video_url"),
            ));
        }
        upload.duration_seconds
    } else {
        check_external(&video_url, "video_url", &app.rules)?;
        None
    };
    let job = NewJob {
        id: format!("job_{}", ulid::Ulid::new()),
        key_id: key.id,
        request_id: current_request_id(),
        start,
        model: settings.model.as_str().into(),
        text_prompt: settings.text_prompt.clone(),
        output_format: settings.output_format.as_str().into(),
        bg_type: settings.bg_type.clone(),
        bg_color: settings.bg_color_json(),
        video_url,
        webhook_url: settings.webhook_url.clone(),
        metadata,
        warnings: warnings_json(&settings),
        duration_seconds,
        render: settings.render.to_json(),
    };
    // With the duration known (uploads) the cost is too: refuse now rather
    // than fail later; a started job has it reserved as it is stored.
    let cost = duration_seconds.filter(|_| matte_of.is_none()).map(|d| {
        crate::billing::cost(
            &job.model,
            crate::billing::billed_length(d, settings.render.preview_duration),
        )
    });
    if let (false, Some(cost), Some(balance)) = (start, cost, key.credits) {
        if cost > balance {
            return Err(ApiError::insufficient(crate::store::Insufficient {
                needed: cost,
                balance,
            }));
        }
    }
    let row = app
        .store
        .insert_job(&job, cost)
        .await?
        .map_err(ApiError::insufficient)?;
    tracing::info!(job_id = %row.id, start, model = %row.model, "job created");
    if start {
        app.queued.notify_one();
    }
    let message = if start {
        "Job created and queued"
    } else {
        "Draft job created"
    };
    Ok((
        StatusCode::CREATED,
        Json(with_envelope(app, &row, message).await?),
    ))
}

/// A background picture or clip given as an upload must be one of the
/// key's uploads, of the right kind.
async fn check_background_upload(
    app: &AppState,
    key: &KeyRow,
    settings: &JobSettings,
) -> ApiResult<()> {
    let Some((url, param)) = settings.background_source() else {
        return Ok(());
    };
    let Some(id) = url.strip_prefix("upload://") else {
        return Ok(());
    };
    let upload =
        app.store.upload(id, key.id).await?.ok_or_else(|| {
            ApiError::invalid(param, format!("{param}: no upload {id} for this key"))
        })?;
    let want_image = param == "background.image_url";
    if upload.duration_seconds.is_none() != want_image {
        let (is, wanted) = if want_image {
            ("a video", "a PNG, JPEG or WebP picture")
        } else {
            ("a still image", "a video")
        };
        return Err(ApiError::invalid(
            param,
            format!("upload {id} is {is}; {param} takes {wanted}"),
        ));
    }
    Ok(())
}

/// The job's `warnings` before it runs, as stored (a JSON array).
fn warnings_json(settings: &JobSettings) -> String {
    serde_json::to_string(&settings.warnings()).unwrap_or_else(|_| "[]".into())
}

async fn with_envelope(
    app: &AppState,
    row: &crate::store::JobRow,
    message: &str,
) -> ApiResult<Value> {
    super::request_id::record_job(&row.id);
    let job = job_view(app, row).await?;
    Ok(
        json!({"success": true, "id": row.id, "status": row.status.reported(), "message": message, "job": job}),
    )
}

/// The job object with its `queue_position` while it waits (1 starts
/// next): a new job reads `status: processing` with `stage: queued`.
pub(super) async fn job_view(app: &AppState, row: &crate::store::JobRow) -> ApiResult<Value> {
    let mut job = app.view.job(row);
    if row.status == JobStatus::Processing && row.stage == Stage::Queued {
        let queued_at = row.queued_at.unwrap_or(row.created_at);
        job["queue_position"] = json!(app.store.queue_position(queued_at).await?);
    }
    Ok(job)
}

/// The caller's job, or 404 (also for another key's job: never 403).
pub(super) async fn owned_job(
    app: &AppState,
    id: &str,
    key_id: i64,
) -> ApiResult<crate::store::JobRow> {
    app.store
        .job(id, key_id)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))
}

pub async fn get(
    State(app): State<AppState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let job = owned_job(&app, &id, key.id).await?;
    Ok(Json(job_view(&app, &job).await?))
}

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<i64>,
    offset: Option<i64>,
    status: Option<String>,
}

pub async fn list(
    State(app): State<AppState>,
    Caller(key): Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit must be 1..100"));
    }
    let offset = query.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::invalid("offset", "offset must be 0 or more"));
    }
    let status = query.status.as_deref().map(list_filter).transpose()?;
    let (rows, total) = app.store.list_jobs(key.id, status, limit, offset).await?;
    let mut jobs: Vec<Value> = Vec::with_capacity(rows.len());
    for row in &rows {
        jobs.push(job_view(&app, row).await?);
    }
    Ok(Json(json!({
        "success": true, "jobs": jobs, "total": total, "limit": limit, "offset": offset,
        "has_more": offset + (rows.len() as i64) < total,
    })))
}

/// What `GET /v1/jobs?status=` takes: the stored statuses, where `failed`
/// lists real failures and `canceled` the canceled jobs (which read
/// `failed`), and `pending`, the vendor's name for drafts.
pub const LIST_STATUSES: [&str; 6] = [
    "created",
    "pending",
    "processing",
    "completed",
    "failed",
    "canceled",
];

fn list_filter(text: &str) -> Result<JobStatus, ApiError> {
    match text {
        "pending" => Ok(JobStatus::Created),
        other => other.parse().map_err(|_| {
            ApiError::invalid(
                "status",
                format!(
                    "status must be one of {} (pending is created; canceled jobs are listed under canceled, not failed)",
                    LIST_STATUSES.join(", ")
                ),
            )
        }),
    }
}

pub async fn start(
    State(app): State<AppState>,
    Caller(key): Caller,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult<Json<Value>> {
    let body = body.optional_object()?;
    let job = owned_job(&app, &id, key.id).await?;
    if job.status != JobStatus::Created {
        return Err(ApiError::invalid_state(format!(
            "job is {}, only drafts (created) can be started",
            job.status
        )));
    }
    let mut settings = JobSettings {
        model: job.model.parse().map_err(ApiError::internal)?,
        text_prompt: job.text_prompt.clone(),
        output_format: job.output_format.parse().map_err(ApiError::internal)?,
        bg_type: job.bg_type.clone(),
        bg_color: job
            .bg_color
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok()),
        webhook_url: job.webhook_url.clone(),
        render: Render::parse(&job.render),
    };
    settings.apply(&body, app.config.max_pixels)?;
    settings.validate(&app.rules)?;
    check_background_upload(&app, &key, &settings).await?;
    let overrides = StartOverrides {
        model: settings.model.as_str().into(),
        text_prompt: settings.text_prompt.clone(),
        output_format: settings.output_format.as_str().into(),
        bg_type: settings.bg_type.clone(),
        bg_color: settings.bg_color_json(),
        webhook_url: settings.webhook_url.clone(),
        render: settings.render.to_json(),
        warnings: warnings_json(&settings),
    };
    let cost = job.duration_seconds.map(|d| {
        crate::billing::cost(
            &overrides.model,
            crate::billing::billed_length(d, settings.render.preview_duration),
        )
    });
    let row = app
        .store
        .start_draft(&id, key.id, &overrides, cost)
        .await?
        .map_err(ApiError::insufficient)?
        .ok_or_else(|| ApiError::invalid_state("job is no longer a draft"))?;
    app.queued.notify_one();
    Ok(Json(
        with_envelope(&app, &row, "Job started and queued").await?,
    ))
}

pub async fn cancel(
    State(app): State<AppState>,
    Caller(key): Caller,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult<Json<Value>> {
    // Cancel takes no options, but a body is still held to the JSON rule.
    body.optional_object()?;
    let job = owned_job(&app, &id, key.id).await?;
    if job.is_terminal() {
        return Err(ApiError::invalid_state(format!(
            "job is already {}",
            job.status
        )));
    }
    let row = app
        .store
        .cancel(&id, key.id)
        .await?
        .ok_or_else(|| ApiError::invalid_state("job has already finished"))?;
    let message = if row.status == JobStatus::Canceled {
        "Job canceled"
    } else {
        "Cancel requested; the job stops within seconds"
    };
    Ok(Json(with_envelope(&app, &row, message).await?))
}

/// Server-sent events: `progress` when stage/progress move, `status` when the
/// status changes; the stream ends after a terminal status.
pub async fn events(
    State(app): State<AppState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let first = owned_job(&app, &id, key.id).await?;
    struct Watch {
        app: AppState,
        key_id: i64,
        id: String,
        last: Option<(JobStatus, Stage, i64)>,
        done: bool,
    }
    let watch = Watch {
        app,
        key_id: key.id,
        id: first.id,
        last: None,
        done: false,
    };
    let stream = stream::unfold(watch, |mut w| async move {
        if w.done {
            return None;
        }
        loop {
            let job = match w.app.store.job(&w.id, w.key_id).await {
                Ok(Some(job)) => job,
                _ => return None,
            };
            let now = (job.status, job.stage, job.progress);
            let previous = w.last.replace(now);
            let changed_status = previous.as_ref().is_none_or(|p| p.0 != now.0);
            let moved = previous.as_ref() != Some(&now);
            if moved {
                let Ok(data) = job_view(&w.app, &job).await else {
                    return None;
                };
                let event = if changed_status { "status" } else { "progress" };
                w.done = job.is_terminal();
                let event = Event::default().event(event).data(data.to_string());
                return Some((Ok(event), w));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_filter_takes_pending_for_drafts_and_keeps_canceled_apart() {
        assert_eq!(list_filter("pending").unwrap(), JobStatus::Created);
        assert_eq!(list_filter("created").unwrap(), JobStatus::Created);
        assert_eq!(list_filter("failed").unwrap(), JobStatus::Failed);
        assert_eq!(list_filter("canceled").unwrap(), JobStatus::Canceled);
        for name in LIST_STATUSES {
            assert!(list_filter(name).is_ok(), "{name}");
        }
        let e = list_filter("running").unwrap_err();
        assert_eq!(e.param.as_deref(), Some("status"));
        assert!(e.message.contains("pending"), "{}", e.message);
    }
}
