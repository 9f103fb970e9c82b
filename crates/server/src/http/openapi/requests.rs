//! Request bodies shared by several routes: creating a job (also the legacy
//! `/api/process`) and starting a draft.

use serde_json::{json, Value};

use super::scene::{color_in, request_bg_types, request_properties};
use super::schemas::{formats, models, nullable};
use crate::http::settings::{METADATA_MAX_BYTES, METADATA_MAX_KEYS, METADATA_MAX_KEY_CHARS};

/// The settings a draft's start may still change.
fn job_settings() -> serde_json::Map<String, Value> {
    let properties = json!({
        "output_format": nullable(json!({"type": "string", "enum": formats(), "default": "webm",
            "description": "webm (VP9 + alpha), mov (ProRes 4444 + alpha), mp4 (H.264, opaque: needs a background), gif (1-bit alpha), webp (animated, alpha), png_sequence (zip of RGBA PNGs)."})),
        "bg_type": nullable(json!({"type": "string", "enum": request_bg_types(), "default": "transparent",
            "description": "green is (0,255,0), blue (0,0,255); color (= custom) needs `bg_color`; image, video and blur take the fields of `background`."})),
        "bg_color": nullable(json!({"description": "Required iff `bg_type` is color/custom (given alone, it implies it).",
            "oneOf": color_in()["oneOf"]})),
        "model": nullable(json!({"type": "string", "enum": models(), "default": "original"})),
        "text_prompt": nullable(json!({"type": "string", "minLength": 1, "maxLength": 500,
            "description": "Used by model pro: what to keep; commas separate several subjects. With another model it is accepted, kept on the job and ignored, with a warning in the job's `warnings`. Empty (or only blanks) or over 500 characters is a 400."})),
        "webhook_url": nullable(json!({"type": "string", "maxLength": 2048,
            "description": "https (http only if the operator allows it); private and local addresses are refused."})),
    });
    match (properties, request_properties()) {
        (Value::Object(mut map), Value::Object(more)) => {
            map.extend(more);
            map
        }
        _ => unreachable!("JSON object literals"),
    }
}

pub fn job_create_body() -> Value {
    let mut properties = job_settings();
    properties.insert("video_url".into(), json!({"type": "string", "minLength": 1,
        // What the handler accepts before looking further (surrounding blanks are trimmed).
        "pattern": "^\\s*(upload://|https?://)\\S",
        "description": "`upload://<video_id>` from an upload, or an external http(s) URL (at most 2048 characters; private and local addresses are refused).",
        "examples": ["upload://vid_01JABCDEF0123456789ABCDEFG", "https://example.com/clip.mp4"]}));
    properties.insert(
        "auto_start".into(),
        nullable(json!({"type": "boolean", "default": true,
        "description": "false creates a draft (`status: created`) to start later."})),
    );
    properties.insert(
        "metadata".into(),
        nullable(json!({
        "type": "object", "maxProperties": METADATA_MAX_KEYS,
        "propertyNames": {"maxLength": METADATA_MAX_KEY_CHARS},
        "additionalProperties": {},
        "description": format!("Your own ids, returned as given: values of any JSON type (strings, numbers, booleans, null, arrays, objects), at most {METADATA_MAX_BYTES} bytes as compact JSON in all.")})),
    );
    json!({"type": "object", "required": ["video_url"], "properties": properties})
}

pub fn job_start_body() -> Value {
    json!({"type": ["object", "null"], "properties": job_settings(),
           "description": "Settings that override the draft's."})
}
