//! `Idempotency-Key` on every POST, scoped to the API key and kept 24 h:
//! the same key and body replay the first response (`Idempotent-Replayed:
//! true`, 201 becoming 200); a different body is 409 `idempotency_conflict`;
//! a repeat while the first is in flight is 409 `idempotency_in_progress`.
//! Multipart uploads are fingerprinted by path and length (their boundary
//! differs on every send), JSON bodies by their bytes. Only requests with
//! an enabled key are recorded (the key was looked up by the rate-limit
//! middleware, which runs first).

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::rate_limit::KeyLookup;
use crate::store::idempotency::Begin;
use crate::AppState;

/// JSON bodies larger than this are not POSTed to this API (axum's default
/// body limit, which the handlers see without an Idempotency-Key).
const MAX_JSON_BODY: usize = 2 * 1024 * 1024;
/// Responses worth storing are small JSON documents.
const MAX_RESPONSE: usize = 1024 * 1024;

pub async fn middleware(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get("idempotency-key").cloned() else {
        return next.run(request).await;
    };
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k.to_string(),
        _ => {
            return ApiError::invalid(
                "Idempotency-Key",
                "Idempotency-Key must be 1 to 255 visible characters",
            )
            .into_response()
        }
    };
    // Authenticate first, with the rate-limit middleware's lookup (it runs
    // before this one): a missing, unknown or disabled key gets its 401 from
    // the handler and leaves nothing behind to replay.
    let authenticated = matches!(
        request.extensions().get::<KeyLookup>(),
        Some(KeyLookup(Some(_)))
    );
    let api_key = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok());
    let (true, Some(api_key)) = (authenticated, api_key) else {
        return next.run(request).await;
    };
    let scope = hex::encode(Sha256::digest(api_key.trim().as_bytes()));
    let path = request.uri().path().to_string();
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/"));
    let (request, fingerprint) = if multipart {
        let length = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (request, format!("POST {path} multipart {length}"))
    } else {
        let (parts, body) = request.into_parts();
        let bytes = match to_bytes(body, MAX_JSON_BODY).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the request body is larger than 2 MB",
                )
                .into_response()
            }
        };
        let fingerprint = format!("POST {path} {}", hex::encode(Sha256::digest(&bytes)));
        (Request::from_parts(parts, Body::from(bytes)), fingerprint)
    };
    let request_hash = hex::encode(Sha256::digest(fingerprint.as_bytes()));
    match app
        .store
        .begin_idempotent(&scope, &key, &request_hash)
        .await
    {
        Err(e) => return ApiError::from(e).into_response(),
        Ok(Begin::Conflict) => {
            return ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_conflict",
                "this Idempotency-Key was already used with a different request",
            )
            .into_response()
        }
        Ok(Begin::InProgress) => {
            return ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_in_progress",
                "a request with this Idempotency-Key is still being processed; retry shortly",
            )
            .into_response()
        }
        Ok(Begin::Replay { status, body }) => {
            let status = if status == 201 { 200 } else { status };
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
            return response;
        }
        Ok(Begin::Fresh) => {}
    }
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_RESPONSE).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = app.store.abandon_idempotent(&scope, &key).await;
            return ApiError::internal(format!("buffering a response: {e}")).into_response();
        }
    };
    let stored = if parts.status.is_server_error() {
        app.store.abandon_idempotent(&scope, &key).await
    } else {
        app.store
            .finish_idempotent(&scope, &key, parts.status.as_u16(), &bytes)
            .await
    };
    if let Err(e) = stored {
        tracing::error!(error = %e, "recording an idempotent response");
    }
    Response::from_parts(parts, Body::from(bytes))
}
