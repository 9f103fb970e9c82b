//! Liveness, readiness, metrics, and the usage numbers a key can see.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vidmatte_ml::{ModelFile, ModelKind};

use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use crate::clock::now_ms;
use crate::AppState;

/// The models, whether this server has their files, what they are best
/// for, and this server's own measured speed: frames over the seconds from
/// a worker starting each completed job to its completion (fetch, decode,
/// model, encode, store), summed over that model's completed jobs.
pub async fn models(State(app): State<AppState>, Caller(_key): Caller) -> ApiResult<Json<Value>> {
    let speeds = app.store.model_speeds().await?;
    let runtime = app.models.status(&ModelFile::RUNTIME).present;
    let models: Vec<Value> = ModelKind::ALL
        .into_iter()
        .map(|model| {
            let measured = speeds.iter().find(|(m, ..)| m == model.as_str());
            let (jobs, frames, seconds) = measured.map_or((0, 0, 0.0), |(_, j, f, s)| (*j, *f, *s));
            json!({
                "model": model.as_str(),
                "description": model.description(),
                "best_for": model.best_for(),
                "available": runtime && model.files().iter().all(|f| app.models.status(f).present),
                "measured_fps": (jobs > 0 && seconds > 0.0).then(|| (frames as f64 / seconds * 100.0).round() / 100.0),
                "jobs_measured": jobs,
                "frames_measured": frames,
            })
        })
        .collect();
    Ok(Json(json!({"success": true, "models": models})))
}

pub async fn health() -> Json<Value> {
    Json(json!({"success": true, "status": "ok"}))
}

/// Database, storage, ffmpeg and models, each with its own verdict.
pub async fn ready(State(app): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = app.store.ping().await;
    let storage = app.blobs.ready().await;
    let ffmpeg = tokio::process::Command::new("ffmpeg")
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success());
    let runtime = app.models.status(&ModelFile::RUNTIME).present;
    let models: serde_json::Map<String, Value> = ModelKind::ALL
        .into_iter()
        .map(|m| {
            (
                m.as_str().to_string(),
                json!(runtime && m.files().iter().all(|f| app.models.status(f).present)),
            )
        })
        .collect();
    let all_models = models.values().all(|v| v == &json!(true));
    // Chosen when the server started, so this only reads it.
    let device = vidmatte_ml::device_status(&app.models).ok();
    let ok = database && storage && ffmpeg && all_models;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(
            json!({"success": ok, "database": database, "storage": storage, "ffmpeg": ffmpeg, "models": models, "device": device}),
        ),
    )
}

pub async fn metrics(State(app): State<AppState>) -> String {
    if let Ok(depth) = app.store.queue_depth().await {
        metrics::gauge!("vidmatte_queue_depth").set(depth as f64);
    }
    app.metrics.render()
}

pub async fn credits(State(app): State<AppState>, Caller(key): Caller) -> ApiResult<Json<Value>> {
    let (used, reserved) = app.store.credit_totals(key.id).await?;
    let remaining = app.store.balance(key.id).await?;
    Ok(Json(json!({
        "success": true,
        "total": remaining.map(|r| r + used + reserved),
        "used": used,
        "reserved": reserved,
        "remaining": remaining,
        "unlimited": remaining.is_none(),
    })))
}

#[derive(Deserialize)]
pub struct Limit {
    limit: Option<i64>,
}

pub async fn usage_events(
    State(app): State<AppState>,
    Caller(key): Caller,
    query: Result<Query<Limit>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let limit = query?.0.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit must be 1..100"));
    }
    let events: Vec<Value> = app
        .store
        .usage_events(key.id, limit)
        .await?
        .into_iter()
        .map(|e| {
            json!({"id": e.id, "job_id": e.job_id, "type": e.kind, "model": e.model, "seconds": e.seconds,
                   "credits": e.credits, "created_at": crate::clock::rfc3339(e.created_at)})
        })
        .collect();
    Ok(Json(json!({"success": true, "events": events})))
}

#[derive(Deserialize)]
pub struct Days {
    days: Option<i64>,
}

pub async fn usage_summary(
    State(app): State<AppState>,
    Caller(key): Caller,
    query: Result<Query<Days>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let days = query?.0.days.unwrap_or(7);
    if !(1..=90).contains(&days) {
        return Err(ApiError::invalid("days", "days must be 1..90"));
    }
    let rows = app
        .store
        .usage_summary(key.id, now_ms() - days * 86_400_000)
        .await?;
    let (mut jobs, mut seconds, mut credits) = (0i64, 0f64, 0i64);
    let mut by_model = serde_json::Map::new();
    let mut by_status = serde_json::Map::new();
    for (model, status, count, secs, cost) in rows {
        jobs += count;
        seconds += secs;
        credits += cost;
        let m = by_model
            .entry(model)
            .or_insert_with(|| json!({"jobs": 0, "seconds": 0.0, "credits": 0}));
        m["jobs"] = json!(m["jobs"].as_i64().unwrap_or(0) + count);
        m["seconds"] = json!(m["seconds"].as_f64().unwrap_or(0.0) + secs);
        m["credits"] = json!(m["credits"].as_i64().unwrap_or(0) + cost);
        let s = by_status.entry(status.as_str()).or_insert_with(|| json!(0));
        *s = json!(s.as_i64().unwrap_or(0) + count);
    }
    Ok(Json(json!({
        "success": true, "days": days, "jobs": jobs, "seconds": seconds, "credits": credits,
        "by_model": by_model, "by_status": by_status,
    })))
}
