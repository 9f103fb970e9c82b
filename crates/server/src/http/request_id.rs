//! Request ids: one per request (`req_<ulid>`), in the `X-Request-Id`
//! response header, on every log line of the request (a tracing span) and in
//! every error body (a task-local the error type reads), with the `job_id`
//! of a job's routes and of a job just created.

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

/// The job a route's path names (`/v1/jobs/{id}/…`, `/api/download/{job_id}`).
fn job_in_path<'a>(route: &str, path: &'a str) -> Option<&'a str> {
    if !route.contains("/jobs/") && !route.starts_with("/api/download/") {
        return None;
    }
    route
        .split('/')
        .zip(path.split('/'))
        .find(|(template, _)| matches!(*template, "{id}" | "{job_id}"))
        .map(|(_, value)| value)
}

/// Puts a job made by this request (a create) on its log lines from here on.
pub fn record_job(job_id: &str) {
    tracing::Span::current().record("job_id", tracing::field::display(job_id));
}

pub async fn middleware(request: Request, next: Next) -> Response {
    let id = format!("req_{}", ulid::Ulid::new());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().clone();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        %method,
        route = %route,
        job_id = tracing::field::Empty
    );
    if let Some(job) = job_in_path(&route, request.uri().path()) {
        span.record("job_id", tracing::field::display(job));
    }
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

#[cfg(test)]
mod tests {
    use super::job_in_path;

    #[test]
    fn a_jobs_routes_name_it() {
        assert_eq!(
            job_in_path("/v1/jobs/{id}", "/v1/jobs/job_1"),
            Some("job_1")
        );
        assert_eq!(
            job_in_path("/v1/jobs/{id}/events", "/v1/jobs/job_2/events"),
            Some("job_2")
        );
        assert_eq!(
            job_in_path("/api/download/{job_id}", "/api/download/job_3"),
            Some("job_3")
        );
        assert_eq!(job_in_path("/v1/jobs", "/v1/jobs"), None);
        assert_eq!(job_in_path("/v1/uploads", "/v1/uploads"), None);
    }
}
