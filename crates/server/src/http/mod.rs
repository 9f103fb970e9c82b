//! Where a request goes: routes, authentication, the contract's errors,
//! request ids and request metrics. Handlers call the store and wake the
//! workers; they never touch frames.

mod admin;
mod auth;
mod body;
mod error;
mod formats;
mod idempotency;
mod jobs;
mod legacy;
pub mod openapi;
mod ops;
mod outputs;
pub mod rate_limit;
mod request_id;
pub(crate) mod scene;
pub mod serve;
mod settings;
mod uploads;
pub mod urls;
mod web;

pub use admin::create as create_key;
pub use error::ApiError;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;

pub fn router(app: AppState) -> Router {
    let uploads = Router::new()
        .route("/v1/uploads", post(uploads::upload))
        .route("/api/upload", post(uploads::legacy_upload))
        // Uploads enforce their own (much larger) limit while streaming.
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .route("/v1/jobs", post(jobs::create).get(jobs::list))
        .route("/v1/jobs/{id}", get(jobs::get))
        .route("/v1/jobs/{id}/start", post(jobs::start))
        .route("/v1/jobs/{id}/cancel", post(jobs::cancel))
        .route("/v1/jobs/{id}/events", get(jobs::events))
        .route("/v1/jobs/{id}/formats", post(formats::create))
        .route("/v1/jobs/{id}/output", get(outputs::download))
        .route("/v1/credits", get(ops::credits))
        .route("/v1/models", get(ops::models))
        .route("/v1/usage/summary", get(ops::usage_summary))
        .route("/v1/usage/events", get(ops::usage_events))
        .route("/v1/admin/config", get(admin::config))
        .route(
            "/v1/admin/keys",
            get(admin::list_keys).post(admin::create_key),
        )
        .route("/v1/admin/keys/disable", post(admin::disable_key))
        .route("/v1/admin/keys/enable", post(admin::enable_key))
        .route("/v1/admin/keys/credits", post(admin::add_credits))
        .route("/v1/admin/keys/limits", post(admin::set_limits))
        .route("/api/process", post(legacy::process))
        .route("/api/download/{job_id}", get(legacy::download))
        .route("/api/pricing", get(legacy::pricing))
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(openapi::serve))
        .route("/", get(web::index))
        .route("/docs", get(web::docs))
        .route("/assets/{name}", get(web::asset))
        .merge(uploads)
        .fallback(|| async { ApiError::not_found("route") })
        .layer(axum::middleware::from_fn(error::contract_shape))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            idempotency::middleware,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            rate_limit::middleware,
        ))
        .layer(axum::middleware::from_fn(request_id::middleware))
        .with_state(app)
}

/// A worker-only process's routes: liveness, readiness and metrics.
pub fn worker_router(app: AppState) -> Router {
    Router::new()
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .fallback(|| async { ApiError::not_found("route") })
        .layer(axum::middleware::from_fn(error::contract_shape))
        .layer(axum::middleware::from_fn(request_id::middleware))
        .with_state(app)
}

/// The routes a rate limit can refuse, for their zero series.
const LIMITED_ROUTES: &[&str] = &[
    "/v1/uploads",
    "/v1/jobs",
    "/v1/jobs/{id}",
    "/v1/jobs/{id}/start",
    "/v1/jobs/{id}/cancel",
    "/v1/jobs/{id}/events",
    "/v1/jobs/{id}/formats",
    "/v1/jobs/{id}/output",
    "/v1/credits",
    "/v1/models",
    "/v1/usage/summary",
    "/v1/usage/events",
    "/api/upload",
    "/api/process",
    "/api/download/{job_id}",
    "/api/pricing",
];

/// Counters that only move on an event (a refusal, a webhook, a finished
/// job) start at zero, so dashboards show 0 rather than "no data".
fn zero_series() {
    for route in LIMITED_ROUTES {
        metrics::counter!("vidmatte_rate_limited_total", "route" => *route).increment(0);
    }
    for event in ["job.started", "job.completed", "job.failed"] {
        for outcome in ["sent", "retry", "failed"] {
            metrics::counter!("vidmatte_webhook_deliveries_total", "event" => event, "outcome" => outcome)
                .increment(0);
        }
    }
    for model in vidmatte_ml::ModelKind::ALL {
        let model = model.as_str();
        for outcome in ["completed", "failed", "canceled", "requeued", "lease_lost"] {
            metrics::counter!("vidmatte_jobs_finished_total", "model" => model, "outcome" => outcome)
                .increment(0);
        }
        metrics::counter!("vidmatte_credits_charged_total", "model" => model).increment(0);
        metrics::counter!("vidmatte_frames_processed_total", "model" => model).increment(0);
    }
    let _ = metrics::histogram!("vidmatte_webhook_delivery_seconds");
    let _ = metrics::histogram!("vidmatte_webhook_first_attempt_delay_seconds");
}

/// The process-wide Prometheus recorder (installed once).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            // Histograms (not summaries), so quantiles add up across instances.
            let buckets = [
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
                300.0, 600.0, 1800.0, 3600.0,
            ];
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &buckets)
                .expect("non-empty buckets")
                .build_recorder();
            let handle = recorder.handle();
            // A second install (tests building several apps) keeps the first.
            if metrics::set_global_recorder(recorder).is_ok() {
                zero_series();
            }
            handle
        })
        .clone()
}
