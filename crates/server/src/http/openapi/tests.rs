//! The document against the code: every route of `http::router` (read from
//! its source, so a new route cannot go undocumented), every `$ref`, the
//! cross-cutting rules, and real job objects and errors validated against
//! their schemas.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::response::IntoResponse;
use serde_json::{json, Value};

use super::document;
use crate::http::ApiError;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn doc() -> Value {
    document("http://127.0.0.1:8080")
}

/// (method, path) of every `.route(...)` in the router's source.
fn routed() -> BTreeSet<(String, String)> {
    let source = include_str!("../mod.rs");
    let mut routes = BTreeSet::new();
    for (start, _) in source.match_indices(".route(") {
        let rest = &source[start + ".route(".len()..];
        let open = rest.find('"').expect("a path literal");
        let close = open + 1 + rest[open + 1..].find('"').expect("the path's end");
        let path = &rest[open + 1..close];
        // The handler expression runs to the parenthesis closing `.route(`.
        let mut depth = 1;
        let mut end = close;
        for (i, c) in rest[close..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = close + i;
                break;
            }
        }
        let handlers = &rest[close..end];
        for method in METHODS {
            let call = format!("{method}(");
            for (at, _) in handlers.match_indices(&call) {
                let before = handlers[..at].chars().next_back().unwrap_or(' ');
                if !(before.is_alphanumeric() || before == '_' || before == ':') {
                    routes.insert((method.to_string(), path.to_string()));
                }
            }
        }
    }
    routes
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((method.clone(), path.clone()));
        }
    }
    out
}

#[test]
fn every_route_is_documented_with_its_methods_and_nothing_else() {
    let routed = routed();
    assert!(
        routed.len() >= 28,
        "the router's source was not understood: {routed:?}"
    );
    let documented = documented(&doc());
    let missing: Vec<_> = routed.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routed).collect();
    assert!(
        missing.is_empty(),
        "routes without documentation: {missing:?}"
    );
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");
}

fn walk<'a>(value: &'a Value, refs: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                refs.push(target);
            }
            map.values().for_each(|v| walk(v, refs));
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, refs)),
        _ => {}
    }
}

#[test]
fn every_ref_resolves() {
    let doc = doc();
    let mut refs = Vec::new();
    walk(&doc, &mut refs);
    assert!(refs.len() > 50);
    for target in refs {
        let pointer = target.strip_prefix('#').expect("a local reference");
        assert!(
            doc.pointer(pointer).is_some(),
            "{target} resolves to nothing"
        );
    }
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(target) => resolve(doc, doc.pointer(&target[1..]).expect("resolves")),
        None => value,
    }
}

#[test]
fn every_operation_follows_the_cross_cutting_rules() {
    let doc = doc();
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let label = format!("{method} {path}");
            assert!(
                ids.insert(op["operationId"].as_str().unwrap().to_string()),
                "{label}: duplicate operationId"
            );
            assert!(
                op["tags"][0].is_string() && op["summary"].is_string(),
                "{label}"
            );
            let params: Vec<&Value> = op["parameters"]
                .as_array()
                .map(|p| p.iter().map(|p| resolve(&doc, p)).collect())
                .unwrap_or_default();
            for name in path.split('{').skip(1).map(|s| &s[..s.find('}').unwrap()]) {
                assert!(
                    params
                        .iter()
                        .any(|p| p["in"] == "path" && p["name"] == name && p["required"] == true),
                    "{label}: path parameter {name} undeclared"
                );
            }
            let responses = op["responses"].as_object().unwrap();
            for status in ["429", "500"] {
                assert!(responses.contains_key(status), "{label}: no {status}");
            }
            if op["security"] != json!([]) {
                assert!(
                    responses.contains_key("401") || responses.contains_key("403"),
                    "{label}: no auth error"
                );
            }
            if method == "post" {
                assert!(
                    params.iter().any(|p| p["name"] == "Idempotency-Key"),
                    "{label}: no Idempotency-Key"
                );
                assert!(responses.contains_key("409"), "{label}: no 409");
            }
            for (status, response) in responses {
                let response = resolve(&doc, response);
                let headers = &response["headers"];
                assert!(
                    headers.get("X-Request-Id").is_some(),
                    "{label} {status}: no X-Request-Id"
                );
                for name in [
                    "X-RateLimit-Limit",
                    "X-RateLimit-Remaining",
                    "X-RateLimit-Reset",
                ] {
                    assert!(headers.get(name).is_some(), "{label} {status}: no {name}");
                }
                if status == "429" {
                    assert!(
                        headers.get("Retry-After").is_some(),
                        "{label}: 429 without Retry-After"
                    );
                }
                if status.starts_with('4') || status == "500" {
                    let schema = &response["content"]["application/json"]["schema"];
                    assert_eq!(
                        schema["$ref"], "#/components/schemas/Error",
                        "{label} {status}"
                    );
                }
            }
        }
    }
}

/// Just enough JSON Schema to check the handlers' output against the
/// document: type, enum, const, required, properties, additionalProperties,
/// propertyNames, items, allOf, minimum/maximum and `$ref`.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let schema = resolve(doc, schema);
    let mut problems = Vec::new();
    let mut fail = |why: String| problems.push(format!("{at}: {why}"));
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = |t: &str| match t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        };
        if !types.iter().any(|t| fits(t)) {
            fail(format!("{value} is not {types:?}"));
            return problems;
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            fail(format!("{value} is not one of {values:?}"));
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            fail(format!("{value} is not {constant}"));
        }
    }
    if let (Some(min), Some(n)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) {
        if n < min {
            fail(format!("{n} < {min}"));
        }
    }
    if let (Some(max), Some(n)) = (
        schema.get("maximum").and_then(Value::as_f64),
        value.as_f64(),
    ) {
        if n > max {
            fail(format!("{n} > {max}"));
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        // Every part holds, and a property any part documents is documented.
        let mut merged = json!({"type": "object", "properties": {}, "required": []});
        for part in parts.iter().map(|p| resolve(doc, p)) {
            for (name, property) in part["properties"].as_object().into_iter().flatten() {
                merged["properties"][name] = property.clone();
            }
            for name in part["required"].as_array().into_iter().flatten() {
                merged["required"]
                    .as_array_mut()
                    .unwrap()
                    .push(name.clone());
            }
        }
        problems.extend(check(doc, &merged, value, at));
    }
    if let Some(object) = value.as_object() {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !object.contains_key(name.as_str().unwrap()) {
                problems.push(format!("{at}: {name} is missing"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, item) in object {
            let path = format!("{at}.{name}");
            if let Some(names) = schema.get("propertyNames") {
                problems.extend(check(doc, names, &json!(name), &path));
            }
            match (
                properties.and_then(|p| p.get(name)),
                schema.get("additionalProperties"),
            ) {
                (Some(property), _) => problems.extend(check(doc, property, item, &path)),
                (None, Some(extra)) => problems.extend(check(doc, extra, item, &path)),
                (None, None) if properties.is_some() => {
                    problems.push(format!("{path}: emitted but not documented"))
                }
                (None, None) => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            problems.extend(check(doc, items, item, &format!("{at}[{i}]")));
        }
    }
    problems
}

fn job_row(done: bool) -> crate::store::JobRow {
    let some = |v: &str| done.then(|| v.to_string());
    crate::store::JobRow {
        id: "job_01".into(),
        key_id: 1,
        request_id: Some("req_01".into()),
        status: if done {
            crate::store::JobStatus::Completed
        } else {
            crate::store::JobStatus::Created
        },
        stage: if done {
            crate::store::Stage::Done
        } else {
            crate::store::Stage::Draft
        },
        progress: if done { 100 } else { 0 },
        model: if done { "pro" } else { "original" }.into(),
        text_prompt: some("dog"),
        output_format: "webm".into(),
        bg_type: if done { "custom" } else { "transparent" }.into(),
        bg_color: some("[1,2,3]"),
        video_url: "upload://vid_01".into(),
        webhook_url: some("https://example.com/hook"),
        metadata: if done {
            r#"{"user":"42","n":1,"tags":["a",{"b":null}]}"#
        } else {
            "{}"
        }
        .into(),
        output_path: some("/tmp/out.webm"),
        error: None,
        error_code: None,
        warnings: if done {
            r#"["no subject in frame 3"]"#
        } else {
            "[]"
        }
        .into(),
        duration_seconds: done.then_some(4.0),
        width: done.then_some(640),
        height: done.then_some(360),
        fps: done.then_some(29.97),
        frames: done.then_some(120),
        credits_estimated: done.then_some(12),
        credits_charged: if done { 12 } else { 0 },
        billing_status: if done {
            crate::store::BillingStatus::Charged
        } else {
            crate::store::BillingStatus::None
        },
        cancel_requested: false,
        lease_owner: None,
        lease_expires_at: None,
        attempts: 1,
        created_at: 1_767_225_600_000,
        queued_at: done.then_some(1_767_225_600_000),
        started_at: done.then_some(1_767_225_601_000),
        completed_at: done.then_some(1_767_225_660_000),
        webhook_events: if done {
            r#"{"job.started":"sent","job.completed":"pending"}"#
        } else {
            "{}"
        }
        .into(),
        render: r#"{"preview_duration": 1.5}"#.into(),
    }
}

/// The job view of a store opened in `dir`, as handlers and webhooks use it.
async fn job_view(dir: &std::path::Path) -> Arc<crate::view::JobView> {
    let config = crate::Config {
        data_dir: dir.to_path_buf(),
        ..crate::Config::default()
    };
    let store = crate::open_store(&config).await.unwrap();
    Arc::clone(store.view())
}

#[tokio::test]
async fn job_objects_match_the_job_schema() {
    let dir = tempfile::tempdir().unwrap();
    let view = job_view(dir.path()).await;
    let doc = doc();
    for done in [false, true] {
        let job = view.job(&job_row(done));
        let problems = check(
            &doc,
            &json!({"$ref": "#/components/schemas/Job"}),
            &job,
            "job",
        );
        assert!(problems.is_empty(), "{problems:#?}");
    }
    // Everything the schema promises is emitted (an extra is caught above).
    let required = doc["components"]["schemas"]["Job"]["required"]
        .as_array()
        .unwrap();
    let job = view.job(&job_row(true));
    assert_eq!(
        job.as_object().unwrap().len(),
        required.len() + 1,
        "job keys vs schema"
    );
}

#[tokio::test]
async fn a_canceled_job_reads_failed_with_a_canceled_stage_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let view = job_view(dir.path()).await;
    let mut row = job_row(false);
    row.status = crate::store::JobStatus::Canceled;
    row.stage = crate::store::Stage::Segmenting;
    row.error = Some("canceled by request".into());
    row.error_code = Some("canceled".into());
    row.webhook_events = r#"{"job.failed":"pending"}"#.into();
    let job = view.job(&row);
    assert_eq!(
        (&job["status"], &job["stage"], &job["error_code"]),
        (&json!("failed"), &json!("canceled"), &json!("canceled"))
    );
    let problems = check(
        &doc(),
        &json!({"$ref": "#/components/schemas/Job"}),
        &job,
        "job",
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_json_response_has_an_example_its_schema_accepts() {
    let doc = doc();
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let response = resolve(&doc, response);
                let Some(json) = response["content"].get("application/json") else {
                    continue;
                };
                let at = format!("{method} {path} {status}");
                let example = json
                    .get("example")
                    .unwrap_or_else(|| panic!("{at}: no example"));
                let problems = check(&doc, &json["schema"], example, &at);
                assert!(problems.is_empty(), "{problems:#?}");
                seen += 1;
            }
        }
    }
    assert!(seen > 50, "only {seen} JSON responses");
}

#[tokio::test]
async fn errors_match_the_error_schema() {
    let doc = doc();
    for error in [
        ApiError::invalid("bg_color", "bg_color must be 3 integers 0..255"),
        ApiError::not_found("job"),
        ApiError::internal("disk on fire"),
    ] {
        let response = error.into_response();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let problems = check(
            &doc,
            &json!({"$ref": "#/components/schemas/Error"}),
            &body,
            "error",
        );
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

#[test]
fn webhooks_document_each_event_with_its_signature_headers() {
    let doc = doc();
    for event in crate::store::WEBHOOK_EVENTS {
        let op = &doc["webhooks"][event]["post"];
        let names: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"X-Webhook-Signature") && names.contains(&"X-Webhook-Delivery-Id"));
    }
}
