//! Reading a job's settings from a create or start body, field by field, so
//! that every wrong value is a 400 naming its `param`.

use serde_json::{Map, Value};
use vidmatte_media::OutputFormat;
use vidmatte_ml::ModelKind;

use super::error::ApiError;
use super::scene::{self, Render};

/// The settings a draft's start may still change.
#[derive(Clone, Debug)]
pub struct JobSettings {
    pub model: ModelKind,
    pub text_prompt: Option<String>,
    pub output_format: OutputFormat,
    /// transparent, green, white, black, blue, custom, image, video or blur.
    pub bg_type: String,
    pub bg_color: Option<[u8; 3]>,
    pub webhook_url: Option<String>,
    /// Background picture, clip, blur, composition and preview.
    pub render: Render,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            model: ModelKind::Original,
            text_prompt: None,
            output_format: OutputFormat::Webm,
            bg_type: "transparent".into(),
            bg_color: None,
            webhook_url: None,
            render: Render::default(),
        }
    }
}

/// `bg_type` as stored and shown (a request's `color` is stored as `custom`).
pub(crate) const BG_TYPES: [&str; 9] = [
    "transparent",
    "green",
    "white",
    "black",
    "blue",
    "custom",
    "image",
    "video",
    "blur",
];

fn string<'a>(body: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(
            field,
            format!("{field} must be a string"),
        )),
    }
}

/// One background field, from the flat `bg_*` name or the `background`
/// object, parsed by `read`; both given must agree.
fn field<T: PartialEq>(
    body: &Map<String, Value>,
    object: Option<&Map<String, Value>>,
    (flat, nested): (&str, &str),
    read: impl Fn(&Value, &str) -> Result<T, ApiError>,
) -> Result<Option<T>, ApiError> {
    let a = match body.get(flat) {
        None | Some(Value::Null) => None,
        Some(v) => Some(read(v, flat)?),
    };
    let param = format!("background.{nested}");
    let b = match object.and_then(|o| o.get(nested)) {
        None | Some(Value::Null) => None,
        Some(v) => Some(read(v, &param)?),
    };
    match (a, b) {
        (Some(a), Some(b)) if a != b => Err(ApiError::invalid(
            "background",
            format!("{param} disagrees with {flat}"),
        )),
        (a, b) => Ok(a.or(b)),
    }
}

fn text(value: &Value, param: &str) -> Result<String, ApiError> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        _ => Err(ApiError::invalid(
            param,
            format!("{param} must be a non-empty string"),
        )),
    }
}

impl JobSettings {
    /// Applies the fields present in `body` over the current settings.
    pub fn apply(&mut self, body: &Map<String, Value>, max_pixels: u64) -> Result<(), ApiError> {
        if let Some(model) = string(body, "model")? {
            self.model = model
                .parse()
                .map_err(|e: String| ApiError::invalid("model", e))?;
        }
        if let Some(format) = string(body, "output_format")? {
            self.output_format = format.parse().map_err(|e: vidmatte_media::ParseError| {
                ApiError::invalid("output_format", e.to_string())
            })?;
        }
        if body.contains_key("text_prompt") {
            self.text_prompt = string(body, "text_prompt")?.map(String::from);
        }
        if body.contains_key("webhook_url") {
            self.webhook_url = string(body, "webhook_url")?.map(String::from);
        }
        self.apply_background(body)?;
        if let Some(value) = body.get("composition") {
            self.render.composition = scene::composition(value, max_pixels)?;
        }
        if let Some(value) = body.get("preview_duration") {
            self.render.preview_duration = scene::preview(value)?;
        }
        Ok(())
    }

    fn apply_background(&mut self, body: &Map<String, Value>) -> Result<(), ApiError> {
        let object = match body.get("background") {
            None | Some(Value::Null) => None,
            Some(Value::Object(bg)) => Some(bg),
            Some(_) => {
                return Err(ApiError::invalid(
                    "background",
                    "background must be an object {\"type\", …}",
                ))
            }
        };
        let kind = field(body, object, ("bg_type", "type"), |v, p| {
            let t = text(v, p)?;
            let t = if t == "color" {
                "custom".to_string()
            } else {
                t
            };
            if BG_TYPES.contains(&t.as_str()) {
                Ok(t)
            } else {
                Err(ApiError::invalid(
                    p,
                    format!(
                        "{p} must be one of color, {}, not {t:?}",
                        BG_TYPES.join(", ")
                    ),
                ))
            }
        })?;
        let color = field(body, object, ("bg_color", "color"), scene::color)?;
        let image = field(body, object, ("bg_image_url", "image_url"), text)?;
        let video = field(body, object, ("bg_video_url", "video_url"), text)?;
        let radius = field(
            body,
            object,
            ("bg_blur_radius", "radius"),
            scene::blur_radius,
        )?;
        let fit = field(body, object, ("bg_fit", "fit"), scene::fit)?;
        // A type, or the one its fields imply; changing it forgets the old
        // type's fields.
        let implied = kind.or_else(|| {
            let wanted = if color.is_some() {
                "custom"
            } else if image.is_some() {
                "image"
            } else if video.is_some() {
                "video"
            } else if radius.is_some() {
                "blur"
            } else {
                return None;
            };
            (wanted != self.bg_type).then(|| wanted.to_string())
        });
        if let Some(t) = implied {
            self.bg_type = t;
            self.bg_color = None;
            self.render.clear_background();
        }
        self.bg_color = color.or(self.bg_color);
        self.render.image_url = image.or(self.render.image_url.take());
        self.render.video_url = video.or(self.render.video_url.take());
        self.render.blur_radius = radius.or(self.render.blur_radius);
        self.render.fit = fit.or(self.render.fit);
        Ok(())
    }

    /// Checks the settings as a whole.
    pub fn validate(&self, rules: &super::urls::AddressRules) -> Result<(), ApiError> {
        let r = &self.render;
        let t = self.bg_type.as_str();
        let misplaced = |param: &str, what: &str| {
            ApiError::invalid(
                param,
                format!("{param} is only used with a background of type {what}"),
            )
        };
        match (t, self.bg_color) {
            ("custom", None) => {
                return Err(ApiError::invalid(
                    "bg_color",
                    "bg_color (or background.color) is required for a colour background",
                ))
            }
            ("custom", Some(_)) => {}
            (_, Some(_)) => return Err(misplaced("bg_color", "color (custom)")),
            _ => {}
        }
        if t == "image" && r.image_url.is_none() {
            return Err(ApiError::invalid(
                "background.image_url",
                "an image background needs background.image_url",
            ));
        }
        if t == "video" && r.video_url.is_none() {
            return Err(ApiError::invalid(
                "background.video_url",
                "a video background needs background.video_url",
            ));
        }
        if t != "image" && r.image_url.is_some() {
            return Err(misplaced("background.image_url", "image"));
        }
        if t != "video" && r.video_url.is_some() {
            return Err(misplaced("background.video_url", "video"));
        }
        if t != "blur" && r.blur_radius.is_some() {
            return Err(misplaced("background.radius", "blur"));
        }
        if !matches!(t, "image" | "video") && r.fit.is_some() {
            return Err(misplaced("background.fit", "image or video"));
        }
        for (url, param) in [
            (&r.image_url, "background.image_url"),
            (&r.video_url, "background.video_url"),
        ] {
            match url {
                Some(url) if url.starts_with("upload://") => {}
                Some(url) => super::urls::check_external(url, param, rules)?,
                None => {}
            }
        }
        if self.output_format == OutputFormat::Mp4 && t == "transparent" {
            return Err(ApiError::invalid(
                "output_format",
                "mp4 cannot carry transparency: pick a background (a colour, image, video or blur) or an alpha-capable format (webm, mov, gif, webp, png_sequence)",
            ));
        }
        // With another model than pro the prompt is kept but unused (see
        // `warnings`): the vendor's SDKs send it whatever the model.
        if let Some(prompt) = &self.text_prompt {
            let chars = prompt.trim().chars().count();
            if chars == 0 || prompt.chars().count() > 500 {
                return Err(ApiError::invalid(
                    "text_prompt",
                    "text_prompt must be 1 to 500 characters",
                ));
            }
        }
        if let Some(url) = &self.webhook_url {
            super::urls::check_external(url, "webhook_url", rules)?;
        }
        Ok(())
    }

    pub fn bg_color_json(&self) -> Option<String> {
        self.bg_color
            .map(|c| format!("[{},{},{}]", c[0], c[1], c[2]))
    }

    /// The picture or clip a job needs besides its video (uploads checked
    /// by the caller).
    pub fn background_source(&self) -> Option<(&str, &'static str)> {
        match (&self.render.image_url, &self.render.video_url) {
            (Some(url), _) => Some((url, "background.image_url")),
            (_, Some(url)) => Some((url, "background.video_url")),
            _ => None,
        }
    }
}

impl JobSettings {
    /// What the job will not do as asked, for its `warnings`.
    pub fn warnings(&self) -> Vec<String> {
        match (&self.text_prompt, self.model) {
            (Some(_), model) if model != ModelKind::Pro => vec![format!(
                "text_prompt is only used by model pro; ignored for model {}",
                model.as_str()
            )],
            _ => Vec::new(),
        }
    }
}

/// Most keys in `metadata`.
pub const METADATA_MAX_KEYS: usize = 20;
/// Longest `metadata` key, in characters.
pub const METADATA_MAX_KEY_CHARS: usize = 100;
/// Most bytes `metadata` may take as compact JSON (8 KiB).
pub const METADATA_MAX_BYTES: usize = 8 * 1024;

/// `metadata`: an object of at most 20 keys whose values may be any JSON
/// (kept as given), at most 8 KiB as compact JSON in all.
pub fn metadata(body: &Map<String, Value>) -> Result<String, ApiError> {
    match body.get("metadata") {
        None | Some(Value::Null) => Ok("{}".into()),
        Some(Value::Object(map)) => {
            if map.len() > METADATA_MAX_KEYS {
                return Err(ApiError::invalid(
                    "metadata",
                    format!("metadata takes at most {METADATA_MAX_KEYS} keys"),
                ));
            }
            if let Some(key) = map
                .keys()
                .find(|k| k.chars().count() > METADATA_MAX_KEY_CHARS)
            {
                return Err(ApiError::invalid(
                    "metadata",
                    format!(
                        "metadata keys take at most {METADATA_MAX_KEY_CHARS} characters; {:?}… is longer",
                        key.chars().take(20).collect::<String>()
                    ),
                ));
            }
            let text = Value::Object(map.clone()).to_string();
            if text.len() > METADATA_MAX_BYTES {
                return Err(ApiError::invalid(
                    "metadata",
                    format!(
                        "metadata takes at most {METADATA_MAX_BYTES} bytes as JSON, not {}",
                        text.len()
                    ),
                ));
            }
            Ok(text)
        }
        Some(_) => Err(ApiError::invalid(
            "metadata",
            "metadata must be a JSON object",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(body: Value) -> Result<JobSettings, ApiError> {
        let mut s = JobSettings::default();
        s.apply(body.as_object().unwrap(), 3840 * 2160)?;
        s.validate(&super::super::urls::AddressRules::default())?;
        Ok(s)
    }

    #[test]
    fn background_forms_agree_or_fail() {
        let s = apply(json!({"background": {"type": "custom", "color": [1, 2, 3]}})).unwrap();
        assert_eq!(
            (s.bg_type.as_str(), s.bg_color),
            ("custom", Some([1, 2, 3]))
        );
        let s = apply(json!({"bg_color": [9, 9, 9]})).unwrap();
        assert_eq!(s.bg_type, "custom");
        let e = apply(json!({"bg_type": "green", "background": {"type": "blue"}})).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("background"));
        let e = apply(json!({"bg_type": "custom"})).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("bg_color"));
        let e = apply(json!({"bg_color": [1, 2, 300]})).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("bg_color"));
    }

    #[test]
    fn wrong_types_and_enums_name_their_param() {
        assert_eq!(
            apply(json!({"model": 3})).unwrap_err().param.as_deref(),
            Some("model")
        );
        assert_eq!(
            apply(json!({"model": "huge"}))
                .unwrap_err()
                .param
                .as_deref(),
            Some("model")
        );
        assert_eq!(
            apply(json!({"output_format": "avi"}))
                .unwrap_err()
                .param
                .as_deref(),
            Some("output_format")
        );
        assert_eq!(
            apply(json!({"output_format": "mp4"}))
                .unwrap_err()
                .param
                .as_deref(),
            Some("output_format")
        );
        for prompt in ["", "  \n ", &"a".repeat(501)] {
            assert_eq!(
                apply(json!({"model": "human", "text_prompt": prompt}))
                    .unwrap_err()
                    .param
                    .as_deref(),
                Some("text_prompt"),
                "{prompt:?}"
            );
        }
        assert!(apply(json!({"model": "pro", "text_prompt": "a".repeat(500)})).is_ok());
    }

    #[test]
    fn a_prompt_for_another_model_is_kept_with_a_warning() {
        let s = apply(json!({"model": "human", "text_prompt": "dog"})).unwrap();
        assert_eq!(s.text_prompt.as_deref(), Some("dog"));
        assert_eq!(
            s.warnings(),
            ["text_prompt is only used by model pro; ignored for model human"]
        );
        // The default model (original) too.
        assert_eq!(
            apply(json!({"text_prompt": "dog"}))
                .unwrap()
                .warnings()
                .len(),
            1
        );
        let s = apply(json!({"model": "pro", "text_prompt": "dog"})).unwrap();
        assert!(s.warnings().is_empty());
        assert!(apply(json!({"model": "human"}))
            .unwrap()
            .warnings()
            .is_empty());
    }

    fn metadata_of(value: Value) -> Result<Value, ApiError> {
        let text = metadata(json!({ "metadata": value }).as_object().unwrap())?;
        Ok(serde_json::from_str(&text).unwrap())
    }

    #[test]
    fn metadata_takes_any_json_values_within_its_bounds() {
        let given = json!({
            "user": "u_1", "n": 3, "ratio": 0.25, "big": -12345678901234i64, "ok": true, "none": null,
            "tags": ["a", 1, {"deep": [false]}], "project": {"id": 7, "name": "x"}, "empty": {}
        });
        assert_eq!(metadata_of(given.clone()).unwrap(), given);
        assert_eq!(metadata_of(Value::Null).unwrap(), json!({}));
        for not_object in [json!("id"), json!([1]), json!(3)] {
            let e = metadata_of(not_object).unwrap_err();
            assert_eq!(e.param.as_deref(), Some("metadata"));
        }
        let many: Map<String, Value> = (0..=METADATA_MAX_KEYS)
            .map(|i| (format!("k{i}"), json!(i)))
            .collect();
        assert!(metadata_of(Value::Object(many)).is_err());
        assert!(metadata_of(json!({ "k".repeat(METADATA_MAX_KEY_CHARS + 1): 1 })).is_err());
        // The bound is on the whole document, exactly at 8 KiB.
        let overhead = json!({"a": ""}).to_string().len();
        let fits = json!({"a": "x".repeat(METADATA_MAX_BYTES - overhead)});
        assert_eq!(fits.to_string().len(), METADATA_MAX_BYTES);
        assert!(metadata_of(fits).is_ok());
        let over = json!({"a": ["x".repeat(METADATA_MAX_BYTES)]});
        let e = metadata_of(over).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("metadata"));
    }
}
