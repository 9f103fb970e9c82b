//! Operator routes (`X-Admin-Token`): configuration and API keys.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::auth::Admin;
use super::body::JsonBody;
use super::error::{ApiError, ApiResult};
use crate::clock::rfc3339;
use crate::store::KeyRow;
use crate::AppState;

/// Bounds on top-ups and balances (far below where SQLite's integers
/// overflow, so `credits + amount` cannot).
const MAX_CREDITS: i64 = 1_000_000_000_000;
const MAX_BALANCE: i64 = 1_000_000_000_000_000;

fn key_json(key: &KeyRow) -> Value {
    json!({
        "key_fingerprint": key.fingerprint, "client_id": key.client_id, "note": key.note,
        "credits": key.credits, "disabled": key.disabled, "created_at": rfc3339(key.created_at),
        "requests_per_second": key.rate_per_second, "burst": key.rate_burst,
        "max_running_jobs": key.max_running,
    })
}

pub async fn config(State(app): State<AppState>, _: Admin) -> Json<Value> {
    Json(json!({"success": true, "config": app.config}))
}

pub async fn list_keys(State(app): State<AppState>, _: Admin) -> ApiResult<Json<Value>> {
    let keys: Vec<Value> = app.store.list_keys().await?.iter().map(key_json).collect();
    // `items` is the vendor's name for the list (its admin example reads it).
    Ok(Json(
        json!({"success": true, "keys": keys.clone(), "items": keys}),
    ))
}

pub async fn create_key(
    State(app): State<AppState>,
    _: Admin,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = Value::Object(body.object()?);
    let client_id = body
        .get("client_id")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty() && s.len() <= 200)
        .ok_or_else(|| {
            ApiError::invalid(
                "client_id",
                "client_id (a string of 1..200 characters) is required",
            )
        })?;
    let note = match body.get("note") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(ApiError::invalid("note", "note must be a string")),
    };
    let credits = match body.get("credits") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .filter(|c| (0..=MAX_CREDITS).contains(c))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "credits",
                        format!("credits must be an integer from 0 to {MAX_CREDITS}"),
                    )
                })?,
        ),
    };
    let created = create(&app, client_id, note, credits).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Creates a key; the only place its secret is ever shown.
pub async fn create(
    app: &AppState,
    client_id: &str,
    note: Option<&str>,
    credits: Option<i64>,
) -> Result<Value, sqlx::Error> {
    let new = crate::keys::generate();
    let row = app.store.create_key(&new, client_id, note, credits).await?;
    Ok(json!({
        "success": true, "api_key": new.api_key, "key_fingerprint": row.fingerprint, "client_id": row.client_id,
        "webhook_secret": row.webhook_secret, "credits": row.credits,
    }))
}

fn fingerprint(body: &Value) -> ApiResult<&str> {
    body.get("key_fingerprint")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid("key_fingerprint", "key_fingerprint is required"))
}

async fn set_disabled(app: &AppState, body: JsonBody, disabled: bool) -> ApiResult<Json<Value>> {
    let body = Value::Object(body.object()?);
    let fp = fingerprint(&body)?;
    if !app.store.set_key_disabled(fp, disabled).await? {
        return Err(ApiError::not_found("key"));
    }
    Ok(Json(
        json!({"success": true, "key_fingerprint": fp, "disabled": disabled}),
    ))
}

pub async fn disable_key(
    State(app): State<AppState>,
    _: Admin,
    body: JsonBody,
) -> ApiResult<Json<Value>> {
    set_disabled(&app, body, true).await
}

pub async fn enable_key(
    State(app): State<AppState>,
    _: Admin,
    body: JsonBody,
) -> ApiResult<Json<Value>> {
    set_disabled(&app, body, false).await
}

/// Adds `amount` (negative: takes away) to a limited key's balance. The
/// amount is within ±MAX_CREDITS and the balance stays within 0..=MAX_BALANCE
/// (a debit larger than the balance is refused, not clamped, so the
/// operator learns what happened); an unlimited key stays unlimited.
pub async fn add_credits(
    State(app): State<AppState>,
    _: Admin,
    body: JsonBody,
) -> ApiResult<Json<Value>> {
    let body = Value::Object(body.object()?);
    let fp = fingerprint(&body)?;
    let amount = body
        .get("amount")
        .and_then(Value::as_i64)
        .filter(|a| (-MAX_CREDITS..=MAX_CREDITS).contains(a))
        .ok_or_else(|| {
            ApiError::invalid(
                "amount",
                format!("amount must be an integer from -{MAX_CREDITS} to {MAX_CREDITS}"),
            )
        })?;
    let balance = match app.store.add_credits(fp, amount, MAX_BALANCE).await? {
        None => return Err(ApiError::not_found("key")),
        Some(Ok(balance)) => balance,
        Some(Err(balance)) => {
            return Err(ApiError::invalid(
                "amount",
                format!(
                    "the balance is {balance}; it must stay between 0 and {MAX_BALANCE} after adding {amount}"
                ),
            ))
        }
    };
    Ok(Json(
        json!({"success": true, "key_fingerprint": fp, "credits": balance}),
    ))
}

/// Per-key overrides of the rate limit and the running-jobs cap; a field
/// left out or null goes back to the server's default.
pub async fn set_limits(
    State(app): State<AppState>,
    _: Admin,
    body: JsonBody,
) -> ApiResult<Json<Value>> {
    let body = Value::Object(body.object()?);
    let fp = fingerprint(&body)?;
    let positive_int = |name: &str| -> ApiResult<Option<i64>> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .filter(|n| (1..=1_000_000).contains(n))
                .map(Some)
                .ok_or_else(|| {
                    ApiError::invalid(name, format!("{name} must be an integer from 1 to 1000000"))
                }),
        }
    };
    let rate = match body.get("requests_per_second") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_f64()
                .filter(|r| *r > 0.0 && *r <= 1_000_000.0)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "requests_per_second",
                        "requests_per_second must be a number above 0",
                    )
                })?,
        ),
    };
    let burst = positive_int("burst")?;
    let max_running = positive_int("max_running_jobs")?;
    let key = app
        .store
        .set_key_limits(fp, rate, burst, max_running)
        .await?
        .ok_or_else(|| ApiError::not_found("key"))?;
    let mut out = key_json(&key);
    out["success"] = json!(true);
    Ok(Json(out))
}
