//! Reading a job's backdrop, composition and preview from a create or start
//! body: colours in the vendor guide's three forms, background pictures,
//! clips and blur (as a `background` object or the flat `bg_*` fields), the
//! `composition` object, and `preview_duration` — each wrong value a 400
//! naming its `param`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Number, Value};
use vidmatte_media::{Anchor, Composition, Fit};

use super::error::ApiError;

/// Blur radius when none is given, and the bounds of one.
pub const DEFAULT_BLUR: u32 = 20;
const BLUR_RANGE: std::ops::RangeInclusive<u64> = 1..=100;
const SCALE_RANGE: std::ops::RangeInclusive<f64> = 0.05..=10.0;
/// Previews are for a quick look: at most this many seconds.
pub const MAX_PREVIEW_SECONDS: f64 = 60.0;

/// The settings beyond `bg_type`/`bg_color`, stored as one JSON column.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Render {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blur_radius: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<Fit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composition: Option<Composition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_duration: Option<f64>,
    /// Re-encode with the matte kept by this completed job instead of
    /// running the model (`POST /v1/jobs/{id}/formats`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matte_of: Option<String>,
}

impl Render {
    pub fn parse(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// Forgets what belongs to another kind of background.
    pub fn clear_background(&mut self) {
        self.image_url = None;
        self.video_url = None;
        self.blur_radius = None;
        self.fit = None;
    }
}

/// `background` as the job shows it: `{"type", …}` with only the fields of
/// that type.
pub fn background_json(bg_type: &str, bg_color: Option<[u8; 3]>, render: &Render) -> Value {
    let fit = render.fit.unwrap_or_default().as_str();
    match bg_type {
        "image" => json!({"type": "image", "image_url": render.image_url, "fit": fit}),
        "video" => json!({"type": "video", "video_url": render.video_url, "fit": fit}),
        "blur" => json!({"type": "blur", "radius": render.blur_radius.unwrap_or(DEFAULT_BLUR)}),
        "transparent" => json!({"type": "transparent"}),
        named => {
            let color = vidmatte_media::Background::from_type(named, bg_color)
                .ok()
                .and_then(|b| b.color());
            json!({"type": "color", "color": color})
        }
    }
}

/// `composition` as the job shows it (the request's own shape).
pub fn composition_json(c: &Composition) -> Value {
    json!({
        "canvas": c.canvas.map(|(w, h)| json!({"width": w, "height": h})),
        "foreground": {
            "anchor": c.anchor.as_str(),
            "scale": c.scale,
            "offset": {"x": c.offset.0, "y": c.offset.1},
        },
    })
}

/// A colour as `[r,g,b]` 0..255 (JSON numbers such as `255.0` included),
/// `"#rrggbb"`, or `[r,g,b]` normalised 0..1 — recognised when every value
/// is at most 1 and at least one is written as a decimal (`[1.0, 0.5, 0]`).
pub fn color(value: &Value, param: &str) -> Result<[u8; 3], ApiError> {
    let bad = |why: &str| {
        ApiError::invalid(
            param,
            format!("{param} {why}: give [r,g,b] with integers 0..255, \"#rrggbb\", or [r,g,b] with decimals 0..1"),
        )
    };
    if let Value::String(text) = value {
        let hex = text.strip_prefix('#').unwrap_or(text);
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("is not a #rrggbb colour"));
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
        return Ok([channel(0), channel(2), channel(4)]);
    }
    let items = value
        .as_array()
        .filter(|a| a.len() == 3)
        .ok_or_else(|| bad("must have 3 values"))?;
    let numbers: Vec<&Number> = items
        .iter()
        .map(|v| v.as_number().ok_or_else(|| bad("must hold numbers")))
        .collect::<Result<_, _>>()?;
    let values: Vec<f64> = numbers.iter().filter_map(|n| n.as_f64()).collect();
    if values.len() != 3 || values.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return Err(bad("is out of range"));
    }
    let normalised = values.iter().all(|v| *v <= 1.0) && numbers.iter().any(|n| n.is_f64());
    let mut rgb = [0u8; 3];
    for (slot, v) in rgb.iter_mut().zip(&values) {
        *slot = if normalised {
            (v * 255.0).round() as u8
        } else if v.fract() != 0.0 {
            return Err(bad("has a fractional value above 1"));
        } else if *v > 255.0 {
            return Err(bad("is out of range"));
        } else {
            *v as u8
        };
    }
    Ok(rgb)
}

fn object<'a>(value: &'a Value, param: &str) -> Result<&'a Map<String, Value>, ApiError> {
    value
        .as_object()
        .ok_or_else(|| ApiError::invalid(param, format!("{param} must be an object")))
}

fn integer(
    value: Option<&Value>,
    param: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= min as f64 && *f <= max as f64)
            .map(|f| Some(f as i64))
            .ok_or_else(|| {
                ApiError::invalid(param, format!("{param} must be an integer {min}..{max}"))
            }),
    }
}

/// `composition` (null clears it). The canvas is bounded by `max_pixels`
/// and 8192 per side; offsets by the canvas.
pub fn composition(value: &Value, max_pixels: u64) -> Result<Option<Composition>, ApiError> {
    if value.is_null() {
        return Ok(None);
    }
    let body = object(value, "composition")?;
    let mut c = Composition::default();
    if let Some(canvas) = body.get("canvas").filter(|v| !v.is_null()) {
        let canvas = object(canvas, "composition.canvas")?;
        let side = |name: &str| {
            let param = format!("composition.canvas.{name}");
            integer(canvas.get(name), &param, 16, 8192)?
                .map(|v| v as u32)
                .ok_or_else(|| ApiError::invalid(&param, format!("{param} is required")))
        };
        let (w, h) = (side("width")?, side("height")?);
        if u64::from(w) * u64::from(h) > max_pixels {
            return Err(ApiError::invalid(
                "composition.canvas",
                format!("a {w}x{h} canvas is above this server's limit of {max_pixels} pixels"),
            ));
        }
        c.canvas = Some((w, h));
    }
    let Some(fg) = body.get("foreground").filter(|v| !v.is_null()) else {
        return Ok(Some(c));
    };
    let fg = object(fg, "composition.foreground")?;
    match fg.get("anchor") {
        None | Some(Value::Null) => {}
        Some(Value::String(a)) => {
            c.anchor = a.parse().map_err(|_| {
                ApiError::invalid(
                    "composition.foreground.anchor",
                    format!(
                        "composition.foreground.anchor must be one of {}, not {a:?}",
                        Anchor::NAMES
                    ),
                )
            })?
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "composition.foreground.anchor",
                "composition.foreground.anchor must be a string",
            ))
        }
    }
    if let Some(scale) = fg.get("scale").filter(|v| !v.is_null()) {
        c.scale = scale
            .as_f64()
            .filter(|s| SCALE_RANGE.contains(s))
            .ok_or_else(|| {
                ApiError::invalid(
                    "composition.foreground.scale",
                    "composition.foreground.scale must be a number 0.05..10 (1 = fitted inside the canvas)",
                )
            })?;
    }
    if let Some(offset) = fg.get("offset").filter(|v| !v.is_null()) {
        let offset = object(offset, "composition.foreground.offset")?;
        let (w, h) = c.canvas.unwrap_or((8192, 8192));
        let x = integer(
            offset.get("x"),
            "composition.foreground.offset.x",
            -i64::from(w),
            i64::from(w),
        )?;
        let y = integer(
            offset.get("y"),
            "composition.foreground.offset.y",
            -i64::from(h),
            i64::from(h),
        )?;
        c.offset = (x.unwrap_or(0) as i32, y.unwrap_or(0) as i32);
    }
    Ok(Some(c))
}

/// `preview_duration` (null clears it): seconds, more than 0, at most 60.
pub fn preview(value: &Value) -> Result<Option<f64>, ApiError> {
    if value.is_null() {
        return Ok(None);
    }
    value
        .as_f64()
        .filter(|s| *s > 0.0 && *s <= MAX_PREVIEW_SECONDS)
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                "preview_duration",
                format!("preview_duration must be a number of seconds above 0 and at most {MAX_PREVIEW_SECONDS}"),
            )
        })
}

/// `bg_blur_radius` / `background.radius`.
pub fn blur_radius(value: &Value, param: &str) -> Result<u32, ApiError> {
    integer(
        Some(value),
        param,
        *BLUR_RANGE.start() as i64,
        *BLUR_RANGE.end() as i64,
    )?
    .map(|v| v as u32)
    .ok_or_else(|| ApiError::invalid(param, format!("{param} must be an integer 1..100")))
}

/// `bg_fit` / `background.fit`.
pub fn fit(value: &Value, param: &str) -> Result<Fit, ApiError> {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ApiError::invalid(param, format!("{param} must be one of {}", Fit::NAMES)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(v: Value) -> Result<[u8; 3], Option<String>> {
        color(&v, "bg_color").map_err(|e| e.param)
    }

    #[test]
    fn colours_in_the_three_forms() {
        assert_eq!(rgb(json!([255, 0, 10])), Ok([255, 0, 10]));
        assert_eq!(rgb(json!([255.0, 0.0, 10.0])), Ok([255, 0, 10]));
        assert_eq!(rgb(json!("#FF000a")), Ok([255, 0, 10]));
        assert_eq!(rgb(json!([1.0, 0.5, 0])), Ok([255, 128, 0]));
        assert_eq!(rgb(json!([1, 1, 1])), Ok([1, 1, 1]));
        for bad in [
            json!([256, 0, 0]),
            json!([12.5, 0, 0]),
            json!([-1, 0, 0]),
            json!("red"),
            json!([1, 2]),
        ] {
            assert_eq!(rgb(bad), Err(Some("bg_color".into())));
        }
    }

    #[test]
    fn composition_fields_are_bounded_and_named() {
        let c = composition(
            &json!({"canvas": {"width": 640, "height": 360},
                    "foreground": {"anchor": "bottom-center", "scale": 0.5, "offset": {"x": 4, "y": -8}}}),
            3840 * 2160,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (c.canvas, c.anchor, c.scale, c.offset),
            (Some((640, 360)), Anchor::BottomCenter, 0.5, (4, -8))
        );
        let param = |v: Value| composition(&v, 1_000_000).unwrap_err().param.unwrap();
        assert_eq!(
            param(json!({"canvas": {"width": 2000, "height": 2000}})),
            "composition.canvas"
        );
        assert_eq!(
            param(json!({"canvas": {"width": 8, "height": 20}})),
            "composition.canvas.width"
        );
        assert_eq!(
            param(json!({"canvas": {"width": 100}})),
            "composition.canvas.height"
        );
        assert_eq!(
            param(json!({"foreground": {"scale": 11}})),
            "composition.foreground.scale"
        );
        assert_eq!(
            param(json!({"foreground": {"anchor": "middle-ish"}})),
            "composition.foreground.anchor"
        );
        assert_eq!(
            param(
                json!({"canvas": {"width": 100, "height": 100}, "foreground": {"offset": {"x": 101}}})
            ),
            "composition.foreground.offset.x"
        );
        assert_eq!(param(json!("big")), "composition");
    }

    #[test]
    fn previews_are_short_and_positive() {
        assert_eq!(preview(&json!(3)).unwrap(), Some(3.0));
        assert_eq!(preview(&Value::Null).unwrap(), None);
        for bad in [json!(0), json!(-1), json!(61), json!("3")] {
            assert_eq!(
                preview(&bad).unwrap_err().param.as_deref(),
                Some("preview_duration")
            );
        }
    }
}
