//! Schemas of a job's background, composition and preview, as
//! `http/settings.rs` and `http/scene.rs` read them and `view.rs` shows them.

use serde_json::{json, Value};
use vidmatte_media::{Anchor, Fit};

use super::schemas::{nullable, r};
use crate::http::scene::MAX_PREVIEW_SECONDS;
use crate::http::settings::BG_TYPES;

/// Every `bg_type` the API takes: the stored ones, and `color` (read as
/// `custom`).
pub fn request_bg_types() -> Vec<&'static str> {
    std::iter::once("color").chain(BG_TYPES).collect()
}

fn fits() -> Vec<&'static str> {
    Fit::NAMES.split(", ").collect()
}

fn anchors() -> Vec<&'static str> {
    Anchor::NAMES.split(", ").collect()
}

/// A colour in any of the three forms a request may use.
pub fn color_in() -> Value {
    json!({
        "description": "`[r,g,b]` with integers 0..255 (JSON numbers such as 255.0 are fine), `\"#rrggbb\"`, or `[r,g,b]` normalised 0..1 — read as such when every value is at most 1 and one is written with a decimal point (`[1.0, 0.5, 0]`). Fractional values above 1 and values out of range are a 400.",
        "oneOf": [
            {"type": "string", "pattern": "^#?[0-9A-Fa-f]{6}$"},
            {"type": "array", "minItems": 3, "maxItems": 3, "items": {"type": "number", "minimum": 0, "maximum": 255}},
        ],
    })
}

/// The request's `background` object and the flat `bg_*` aliases.
pub fn request_properties() -> Value {
    json!({
        "background": nullable(json!({
            "type": "object",
            "description": "What shows where the subject is not. The flat `bg_*` fields are aliases; a field given both ways must agree (else 400 `background`). A picture, clip or blur makes alpha formats come out opaque; mp4 takes them all.",
            "properties": {
                "type": nullable(json!({"type": "string", "enum": request_bg_types(),
                    "description": "Implied by the other fields when left out (color, image_url, video_url, radius)."})),
                "color": nullable(color_in()),
                "image_url": nullable(json!({"type": "string", "maxLength": 2048,
                    "description": "type image: an https URL (same address rules, size cap and timeouts as `video_url`), or `upload://<video_id>` of a PNG, JPEG or WebP uploaded to /v1/uploads."})),
                "video_url": nullable(json!({"type": "string", "maxLength": 2048,
                    "description": "type video: a clip looped, or cut, to the foreground's length; an https URL or `upload://<video_id>`."})),
                "radius": nullable(json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 20,
                    "description": "type blur: Gaussian blur of the video's own background, in pixels."})),
                "fit": nullable(json!({"type": "string", "enum": fits(), "default": "cover",
                    "description": "How a picture or clip fills the frame: cover crops, contain adds black bars, stretch ignores the aspect."})),
            },
        })),
        "bg_image_url": nullable(json!({"type": "string", "description": "Alias of `background.image_url`."})),
        "bg_video_url": nullable(json!({"type": "string", "description": "Alias of `background.video_url`."})),
        "bg_blur_radius": nullable(json!({"type": "integer", "minimum": 1, "maximum": 100, "description": "Alias of `background.radius`."})),
        "bg_fit": nullable(json!({"type": "string", "enum": fits(), "description": "Alias of `background.fit`."})),
        "composition": composition_or_null(),
        "preview_duration": nullable(json!({"type": "number", "exclusiveMinimum": 0, "maximum": MAX_PREVIEW_SECONDS,
            "description": "Process (and charge) only the first this many seconds; the job reads `preview: true`."})),
    })
}

/// A `Composition` or `null`.
pub fn composition_or_null() -> Value {
    json!({"anyOf": [r("Composition"), {"type": "null"}]})
}

/// `composition`, in requests and on jobs.
pub fn composition() -> Value {
    json!({
        "type": "object",
        "description": "The subject placed on a canvas: fitted inside it (contain), times `scale`, at `anchor`, moved by `offset` canvas pixels. The canvas is rounded up to even sizes for webm, mp4 and webp.",
        "properties": {
            "canvas": nullable(json!({
                "type": "object", "required": ["width", "height"],
                "description": "The output's size; the video's own when left out. At most the server's pixel limit.",
                "properties": {
                    "width": {"type": "integer", "minimum": 16, "maximum": 8192},
                    "height": {"type": "integer", "minimum": 16, "maximum": 8192},
                },
            })),
            "foreground": nullable(json!({
                "type": "object",
                "properties": {
                    "anchor": nullable(json!({"type": "string", "enum": anchors(), "default": "center"})),
                    "scale": nullable(json!({"type": "number", "minimum": 0.05, "maximum": 10, "default": 1})),
                    "offset": nullable(json!({
                        "type": "object",
                        "description": "Canvas pixels, x right and y down; each at most the canvas's width or height.",
                        "properties": {
                            "x": nullable(json!({"type": "integer"})),
                            "y": nullable(json!({"type": "integer"})),
                        },
                    })),
                },
            })),
        },
    })
}

/// `background` as a job shows it: the type and only its fields.
pub fn background_view() -> Value {
    json!({
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"type": "string", "enum": ["transparent", "color", "image", "video", "blur"]},
            "color": {"type": "array", "minItems": 3, "maxItems": 3,
                      "items": {"type": "integer", "minimum": 0, "maximum": 255}},
            "image_url": {"type": "string"},
            "video_url": {"type": "string"},
            "fit": {"type": "string", "enum": fits()},
            "radius": {"type": "integer", "minimum": 1, "maximum": 100},
        },
        "additionalProperties": false,
    })
}
