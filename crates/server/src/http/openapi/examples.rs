//! An example for every JSON response that has none of its own, made from
//! its schema (a schema's own `example` first, then `const`, `default`,
//! the first `enum` value, and plausible values by property name), so
//! `/docs` can show what each route answers. The tests check every example
//! against its schema.

use serde_json::{json, Map, Value};

/// Adds `example` to each JSON response of `doc`'s operations and
/// shared responses that has none.
pub fn add(doc: &mut Value) {
    let components = doc["components"].clone();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    responses.values_mut().for_each(|r| fill(r, &components));
                }
            }
        }
    }
    if let Some(responses) = doc["components"]["responses"].as_object_mut() {
        responses.values_mut().for_each(|r| fill(r, &components));
    }
}

fn fill(response: &mut Value, components: &Value) {
    let Some(json) = response
        .get_mut("content")
        .and_then(|c| c.get_mut("application/json"))
    else {
        return;
    };
    if json.get("example").is_none() {
        if let Some(schema) = json.get("schema") {
            json["example"] = example(schema, components, "", 0);
        }
    }
}

/// A value `schema` accepts; `name` is the property it is for.
fn example(schema: &Value, components: &Value, name: &str, depth: usize) -> Value {
    if depth > 12 {
        return Value::Null;
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let key = target.rsplit('/').next().unwrap_or_default();
        return example(&components["schemas"][key], components, name, depth + 1);
    }
    for own in ["example", "const", "default"] {
        if let Some(value) = schema.get(own) {
            return value.clone();
        }
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        // Every part holds: merge the parts' objects.
        let mut merged = Map::new();
        for part in parts {
            if let Value::Object(fields) = example(part, components, name, depth + 1) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    for choice in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(choice).and_then(Value::as_array) {
            let pick = options
                .iter()
                .find(|o| o.get("type") != Some(&json!("null")))
                .or(options.first());
            return pick.map_or(Value::Null, |o| example(o, components, name, depth + 1));
        }
    }
    let kind = match schema.get("type") {
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        Some(Value::String(t)) => t.as_str(),
        _ if schema.get("properties").is_some() => "object",
        _ => "null",
    };
    match kind {
        "object" => {
            let mut out = Map::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (key, property) in properties {
                    out.insert(key.clone(), example(property, components, key, depth + 1));
                }
            }
            Value::Object(out)
        }
        "array" => match schema.get("items") {
            Some(items) => json!([example(items, components, name, depth + 1)]),
            None => json!([]),
        },
        "string" => json!(string_for(name, schema)),
        "integer" => json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        "number" => json!(schema.get("minimum").and_then(Value::as_f64).unwrap_or(2.5)),
        "boolean" => json!(true),
        _ => Value::Null,
    }
}

fn string_for(name: &str, schema: &Value) -> String {
    match schema.get("format").and_then(Value::as_str) {
        Some("date-time") => return "2026-12-03T12:00:00.000Z".into(),
        Some("uri") => return "https://vidmatte.example.com/v1/jobs/job_01JEXAMPLE/output?expires=1764763200&signature=9c1f…".into(),
        _ => {}
    }
    match name {
        "id" | "job_id" => "job_01JEXAMPLE0000000000000000",
        "request_id" => "req_01JEXAMPLE0000000000000000",
        "video_url" => "upload://vid_01JEXAMPLE0000000000000000",
        "key_fingerprint" | "fingerprint" => "3f9a1c2b7d4e",
        "client_id" => "acme",
        "message" => "Job created and queued",
        "api_key" => "vm_live_…",
        "webhook_secret" => "whsec_…",
        "text_prompt" => "person on the left",
        _ => "…",
    }
    .into()
}
