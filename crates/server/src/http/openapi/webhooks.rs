//! The POSTs vidmatte sends to a job's `webhook_url`, as OpenAPI 3.1
//! `webhooks`: one per event, with the signature headers.

use serde_json::{json, Value};

use super::schemas::r;
use crate::store::WEBHOOK_EVENTS;

/// The POSTs vidmatte sends to a job's `webhook_url` (OpenAPI 3.1 `webhooks`).
pub fn webhooks() -> Value {
    let mut out = serde_json::Map::new();
    for event in WEBHOOK_EVENTS {
        let when = match event {
            "job.started" => "a worker starts the job",
            "job.completed" => "the job has completed; `data.output_url` is ready",
            _ => "the job has failed or was canceled; see `data.error` and `data.error_code` (`canceled` for a cancel)",
        };
        let header = |name: &str, description: &str| {
            json!({"name": name, "in": "header", "required": true, "description": description,
                   "schema": {"type": "string"}})
        };
        out.insert(event.to_string(), json!({"post": {
            "x-order": out.len(),
            "operationId": format!("webhook_{}", event.replace('.', "_")),
            "summary": format!("{event}: {when}"),
            "description": "Sent to the job's `webhook_url`. A 2xx within 10 s is success; anything else is retried with exponential backoff and jitter (first retry after about 5–10 s, then about 30 s, 2 min, 10 min, 1 h, then hourly) for 24 h. Delivery is at least once: deduplicate on `X-Webhook-Delivery-Id`. A job's events arrive in the order they happened: its end waits until `job.started` is delivered or given up. The job's `webhook_events` shows each event's state.\n\nVerify `X-Webhook-Signature`: `sha256=` + hex HMAC-SHA256 of `\"{X-Webhook-Timestamp}.{raw body}\"` keyed with the API key's `webhook_secret`; compare in constant time and reject stale timestamps.",
            "tags": ["Webhooks"],
            "security": [],
            "parameters": [
                header("X-Webhook-Event", "The event name, as in the body."),
                header("X-Webhook-Delivery-Id", "Stable across retries of this delivery."),
                header("X-Webhook-Timestamp", "RFC 3339 time of this attempt; part of the signed text."),
                header("X-Webhook-Signature", "`sha256=<hex>` of HMAC-SHA256(webhook_secret, \"{timestamp}.{raw body}\")."),
            ],
            "requestBody": {"required": true, "content": {"application/json": {"schema": r("WebhookEvent")}}},
            "responses": {
                "2XX": {"description": "Delivered."},
                "default": {"description": "Not delivered: retried later."},
            },
        }}));
    }
    Value::Object(out)
}
