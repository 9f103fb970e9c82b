//! The OpenAPI 3.1 description of this API, served at `/openapi.json` and
//! rendered by `/docs`. Built from code: one small entry per route
//! (`routes`), the shared schemas (`schemas`), and the cross-cutting rules
//! applied here to every operation — the error responses each kind of
//! caller can meet, `Idempotency-Key` on every POST, `X-Request-Id` on every
//! response and the rate-limit headers. Enumerations (models, formats,
//! webhook events, prices) come from the code that enforces them.

mod examples;
mod requests;
mod responses;
mod routes;
mod scene;
mod schemas;
#[cfg(test)]
mod tests;
mod webhooks;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Map, Value};

use crate::AppState;

pub async fn serve(State(app): State<AppState>) -> Json<Value> {
    Json(document(&app.config.public_url()))
}

/// The whole document; `public_url` becomes its only server.
pub fn document(public_url: &str) -> Value {
    let mut paths = Map::new();
    for (order, op) in routes::all().into_iter().enumerate() {
        let (path, method) = (op.path, op.method);
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[method] = op.into_json();
        // The router's order, for readers (JSON objects here are sorted by key).
        item[method]["x-order"] = json!(order);
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "vidmatte",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Self-hosted video background removal.",
            "description": INTRO,
            "license": {"name": "See the project repository"},
        },
        "servers": [{"url": public_url}],
        "tags": routes::tags(),
        "security": [{"ApiKey": []}],
        "paths": paths,
        "webhooks": webhooks::webhooks(),
        "components": schemas::components(),
    });
    examples::add(&mut doc);
    doc
}

const INTRO: &str = "Upload a video (or name an http(s) URL), create a job, poll it (or \
listen to its events, or receive webhooks) and download the result from the signed \
`output_url`.\n\nEvery `/v1` and `/api` call needs `X-Api-Key`; admin calls need \
`X-Admin-Token`. Errors always have the `Error` shape, with `error.request_id` equal to \
the `X-Request-Id` response header. Every POST accepts `Idempotency-Key` (1 to 255 \
characters, kept 24 h per key): a retry with the same body replays the first response \
with `Idempotent-Replayed: true` (a 201 is replayed as 200). Each key has a token bucket \
(default 10 requests/s, burst 30), and requests without a valid key share one bucket \
per client address: `/v1` and `/api` responses (except admin calls and signed \
downloads) carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` \
(epoch seconds), and a refused request is a 429 with `Retry-After`.";

/// Who may call an operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Auth {
    /// `X-Api-Key`.
    Key,
    /// `X-Api-Key`, unless the operator set `legacy_anonymous`.
    LegacyKey,
    /// `X-Admin-Token`.
    Admin,
    Public,
}

/// One operation (a method on a path) as a route declares it.
pub(super) struct Op {
    pub method: &'static str,
    pub path: &'static str,
    tag: &'static str,
    operation_id: &'static str,
    summary: &'static str,
    description: Option<&'static str>,
    auth: Auth,
    params: Vec<Value>,
    body: Option<Value>,
    responses: Map<String, Value>,
}

impl Op {
    pub fn new(
        method: &'static str,
        path: &'static str,
        tag: &'static str,
        operation_id: &'static str,
        summary: &'static str,
    ) -> Self {
        Self {
            method,
            path,
            tag,
            operation_id,
            summary,
            description: None,
            auth: Auth::Key,
            params: Vec::new(),
            body: None,
            responses: Map::new(),
        }
    }

    pub fn describe(mut self, text: &'static str) -> Self {
        self.description = Some(text);
        self
    }

    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    pub fn param(mut self, param: Value) -> Self {
        self.params.push(param);
        self
    }

    /// A JSON request body described by `schema`.
    /// A JSON request body; another Content-Type on a non-empty body is a 415.
    pub fn json_body(self, schema: Value, required: bool) -> Self {
        self.body(json!({
            "required": required,
            "content": {"application/json": {"schema": schema}},
        }))
        .errors(&[415])
    }

    pub fn body(mut self, request_body: Value) -> Self {
        self.body = Some(request_body);
        self
    }

    /// A JSON success response.
    pub fn ok(self, status: u16, description: &str, schema: Value) -> Self {
        self.response(
            status,
            json!({"description": description, "content": {"application/json": {"schema": schema}}}),
        )
    }

    /// Any response (headers are added by `into_json`).
    pub fn response(mut self, status: u16, response: Value) -> Self {
        self.responses.insert(status.to_string(), response);
        self
    }

    /// Error responses beyond those every operation of its kind has.
    pub fn errors(mut self, statuses: &[u16]) -> Self {
        for status in statuses {
            self.responses
                .insert(status.to_string(), responses::error_response(*status));
        }
        self
    }

    fn is_post(&self) -> bool {
        self.method == "post"
    }

    /// The operation with the cross-cutting parameters, headers and errors.
    pub fn into_json(mut self) -> Value {
        let mut implied: Vec<u16> = vec![429, 500];
        match self.auth {
            Auth::Key | Auth::LegacyKey => implied.push(401),
            Auth::Admin => implied.push(403),
            Auth::Public => {}
        }
        if self.is_post() {
            // A malformed Idempotency-Key, a reused one, an over-long body.
            implied.extend([400, 409, 413]);
            self.params
                .push(json!({"$ref": "#/components/parameters/IdempotencyKey"}));
        }
        for status in implied {
            self.responses
                .entry(status.to_string())
                .or_insert_with(|| responses::error_response(status));
        }
        // A request that got past authentication with a key always passed the
        // rate limiter, which stamps its verdict on the response.
        let limited = self.auth == Auth::Key;
        let post = self.is_post();
        for (status, response) in self.responses.iter_mut() {
            if response.get("$ref").is_none() {
                let success = status.starts_with('2');
                response["headers"] = responses::success_headers(limited && success, post);
            }
        }
        let security = match self.auth {
            Auth::Key | Auth::LegacyKey => json!([{"ApiKey": []}]),
            Auth::Admin => json!([{"AdminToken": []}]),
            Auth::Public => json!([]),
        };
        let mut op = json!({
            "tags": [self.tag],
            "operationId": self.operation_id,
            "summary": self.summary,
            "security": security,
            "responses": self.responses,
        });
        let mut description = self.description.unwrap_or_default().to_string();
        if self.auth == Auth::LegacyKey {
            description.push_str(
                "\n\nNeeds `X-Api-Key` unless the operator enabled `legacy_anonymous`; \
                 anonymous calls then act as the first enabled key.",
            );
        }
        if !description.is_empty() {
            op["description"] = json!(description.trim());
        }
        if !self.params.is_empty() {
            op["parameters"] = json!(self.params);
        }
        if let Some(body) = self.body {
            op["requestBody"] = body;
        }
        op
    }
}
