//! Request ids: one per request (`req_<ulid>`), in the `X-Request-Id`
//! response header, on every log line of the request (a tracing span) and in
//! every error body (a task-local the error type reads).

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

tokio::task_local! {
    static REQUEST_ID: String;
}

pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

pub async fn middleware(request: Request, next: Next) -> Response {
    let id = format!("req_{}", ulid::Ulid::new());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().clone();
    let span = tracing::info_span!("request", request_id = %id, %method, route = %route);
    let started = std::time::Instant::now();
    let mut response = REQUEST_ID
        .scope(
            id.clone(),
            async move { next.run(request).await }.instrument(span.clone()),
        )
        .await;
    let status = response.status().as_u16();
    span.in_scope(|| tracing::info!(status, ms = started.elapsed().as_millis() as u64, "request"));
    metrics::counter!("vidmatte_http_requests_total", "route" => route.clone(), "method" => method.to_string(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("vidmatte_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
