//! The error responses every operation shares and the cross-cutting
//! headers: `X-Request-Id` always, the rate-limit headers (certain only where
//! a valid key was checked), `Retry-After` and `Idempotent-Replayed`.

use serde_json::{json, Value};

use super::schemas::r;

/// (status, component name, what it means)
const ERRORS: [(u16, &str, &str); 12] = [
    (400, "BadRequest", "`invalid_request`: malformed JSON, wrong type, unknown enum value or conflicting fields (`param` names the field); `invalid_state` from `GET /api/download/{job_id}` before the job has completed."),
    (401, "Unauthorized", "`missing_api_key` or `invalid_api_key` (unknown or disabled)."),
    (402, "PaymentRequired", "`insufficient_credits`: the balance is below the job's cost."),
    (403, "Forbidden", "`forbidden`: an admin route without a valid `X-Admin-Token`, or an invalid or expired download signature."),
    (404, "NotFound", "`not_found`: unknown id, or one that belongs to another key."),
    (409, "Conflict", "`invalid_state` (e.g. starting a job that is not a draft), `idempotency_conflict` or `idempotency_in_progress`."),
    (413, "PayloadTooLarge", "`payload_too_large`: the upload or body is above the limit."),
    (415, "UnsupportedMediaType", "`unsupported_media_type`: not a video ffprobe can read, a container outside the allowlist, or a non-empty JSON body sent without `Content-Type: application/json`."),
    (422, "UnprocessableVideo", "`unprocessable_video`: readable, but outside the limits (duration, pixels, fps)."),
    (429, "RateLimited", "`rate_limited`: the key's token bucket is empty; retry after `Retry-After` seconds."),
    (500, "InternalError", "`internal_error`: details are in the server log under the request id."),
    (503, "Unavailable", "`unavailable`: shutting down or a dependency is down; retry after `Retry-After` seconds."),
];

pub fn error_response(status: u16) -> Value {
    let name = ERRORS
        .iter()
        .find(|(s, _, _)| *s == status)
        .map_or("InternalError", |(_, name, _)| name);
    json!({"$ref": format!("#/components/responses/{name}")})
}

pub fn error_responses() -> Value {
    let mut responses = serde_json::Map::new();
    for (status, name, description) in ERRORS {
        let mut headers = optional_headers();
        if status == 429 {
            headers = rate_headers(true);
        }
        headers["X-Request-Id"] = json!({"$ref": "#/components/headers/X-Request-Id"});
        headers["Idempotent-Replayed"] =
            json!({"$ref": "#/components/headers/Idempotent-Replayed"});
        if status == 429 || status == 503 {
            headers["Retry-After"] = json!({"$ref": "#/components/headers/Retry-After"});
        }
        responses.insert(
            name.to_string(),
            json!({
                "description": description,
                "x-status": status,
                "headers": headers,
                "content": {"application/json": {"schema": r("Error")}},
            }),
        );
    }
    Value::Object(responses)
}

const RATE_HEADERS: [(&str, &str); 3] = [
    (
        "X-RateLimit-Limit",
        "The key's burst: requests it may make at once.",
    ),
    ("X-RateLimit-Remaining", "Requests left in the bucket now."),
    (
        "X-RateLimit-Reset",
        "Epoch seconds when the bucket is full again.",
    ),
];

fn rate_header(description: &str, required: bool) -> Value {
    json!({
        "description": format!("{description} Sent on `/v1` and `/api` responses except admin calls and signed downloads (the key's bucket, or the client address's without a valid key)."),
        "required": required,
        "schema": {"type": "integer", "minimum": 0},
    })
}

/// The rate-limit headers, inline and required (a `$ref` cannot change `required`).
fn rate_headers(required: bool) -> Value {
    let mut headers = json!({});
    for (name, description) in RATE_HEADERS {
        headers[name] = rate_header(description, required);
    }
    headers
}

fn optional_headers() -> Value {
    let mut headers = json!({});
    for (name, _) in RATE_HEADERS {
        headers[name] = json!({"$ref": format!("#/components/headers/{name}")});
    }
    headers
}

pub fn headers() -> Value {
    let mut headers = rate_headers(false);
    headers["X-Request-Id"] = json!({
        "description": "`req_` and a ULID; on every response and every log line of the request.",
        "required": true, "schema": {"type": "string"},
    });
    headers["Retry-After"] = json!({
        "description": "Seconds to wait before retrying.", "required": true,
        "schema": {"type": "integer", "minimum": 1},
    });
    headers["Idempotent-Replayed"] = json!({
        "description": "`true` when this is the stored response to an earlier request with the same `Idempotency-Key`.",
        "required": false, "schema": {"type": "string", "const": "true"},
    });
    headers
}

/// Headers of a 2xx response: rate-limit headers are certain when `limited`
/// (the operation authenticates with `X-Api-Key`).
pub fn success_headers(limited: bool, post: bool) -> Value {
    let mut headers = if limited {
        rate_headers(true)
    } else {
        optional_headers()
    };
    headers["X-Request-Id"] = json!({"$ref": "#/components/headers/X-Request-Id"});
    if post {
        headers["Idempotent-Replayed"] =
            json!({"$ref": "#/components/headers/Idempotent-Replayed"});
    }
    headers
}
