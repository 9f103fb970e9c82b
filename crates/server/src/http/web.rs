//! The web page at `/` and the API docs at `/docs`: static files embedded in
//! the binary (nothing from a CDN). `VIDMATTE_WEB_DIR` serves them from a
//! folder instead, for working on the page without rebuilding.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::AppState;

/// (name, content type, embedded bytes)
const FILES: &[(&str, &str, &str)] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("../../web/index.html"),
    ),
    (
        "docs.html",
        "text/html; charset=utf-8",
        include_str!("../../web/docs.html"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../web/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/app.js"),
    ),
    (
        "docs.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/docs.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../web/favicon.svg"),
    ),
];

pub async fn index(State(app): State<AppState>) -> Response {
    file(&app, "index.html").await
}

pub async fn docs(State(app): State<AppState>) -> Response {
    file(&app, "docs.html").await
}

pub async fn asset(State(app): State<AppState>, Path(name): Path<String>) -> Response {
    file(&app, &name).await
}

async fn file(app: &AppState, name: &str) -> Response {
    let Some((name, content_type, embedded)) = FILES.iter().find(|(n, _, _)| *n == name) else {
        return ApiError::not_found("asset").into_response();
    };
    let body = match &app.config.web_dir {
        Some(dir) => match tokio::fs::read_to_string(dir.join(name)).await {
            Ok(text) => text,
            Err(_) => return ApiError::not_found("asset").into_response(),
        },
        None => (*embedded).to_string(),
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, *content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}
