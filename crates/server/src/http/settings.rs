//! Reading a job's settings from a create or start body, field by field, so
//! that every wrong value is a 400 naming its `param`.

use serde_json::{Map, Value};
use vidmatte_media::{Background, OutputFormat};
use vidmatte_ml::ModelKind;

use super::error::ApiError;

/// The settings a draft's start may still change.
#[derive(Clone, Debug)]
pub struct JobSettings {
    pub model: ModelKind,
    pub text_prompt: Option<String>,
    pub output_format: OutputFormat,
    pub bg_type: String,
    pub bg_color: Option<[u8; 3]>,
    pub webhook_url: Option<String>,
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
        }
    }
}

const BG_TYPES: [&str; 6] = ["transparent", "green", "white", "black", "blue", "custom"];

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

fn color(value: &Value, param: &str) -> Result<[u8; 3], ApiError> {
    let bad = || ApiError::invalid(param, format!("{param} must be 3 integers 0..255"));
    let items = value.as_array().filter(|a| a.len() == 3).ok_or_else(bad)?;
    let mut rgb = [0u8; 3];
    for (slot, item) in rgb.iter_mut().zip(items) {
        *slot = item
            .as_u64()
            .and_then(|v| u8::try_from(v).ok())
            .ok_or_else(bad)?;
    }
    Ok(rgb)
}

impl JobSettings {
    /// Applies the fields present in `body` over the current settings.
    pub fn apply(&mut self, body: &Map<String, Value>) -> Result<(), ApiError> {
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
        let bg_type = string(body, "bg_type")?;
        let bg_color = match body.get("bg_color") {
            None | Some(Value::Null) => None,
            Some(v) => Some(color(v, "bg_color")?),
        };
        let (alias_type, alias_color) = match body.get("background") {
            None | Some(Value::Null) => (None, None),
            Some(Value::Object(bg)) => {
                let t = match bg.get("type") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.as_str()),
                    Some(_) => {
                        return Err(ApiError::invalid(
                            "background.type",
                            "background.type must be a string",
                        ))
                    }
                };
                let c = match bg.get("color") {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(color(v, "background.color")?),
                };
                (t, c)
            }
            Some(_) => {
                return Err(ApiError::invalid(
                    "background",
                    "background must be an object {\"type\", \"color\"}",
                ))
            }
        };
        if let (Some(a), Some(b)) = (bg_type, alias_type) {
            if a != b {
                return Err(ApiError::invalid(
                    "background",
                    format!("background.type {b:?} disagrees with bg_type {a:?}"),
                ));
            }
        }
        if let (Some(a), Some(b)) = (bg_color, alias_color) {
            if a != b {
                return Err(ApiError::invalid(
                    "background",
                    "background.color disagrees with bg_color",
                ));
            }
        }
        let new_type = bg_type.or(alias_type);
        let new_color = bg_color.or(alias_color);
        if let Some(t) = new_type {
            if !BG_TYPES.contains(&t) {
                return Err(ApiError::invalid(
                    "bg_type",
                    format!("bg_type must be one of {}, not {t:?}", BG_TYPES.join(", ")),
                ));
            }
            self.bg_type = t.to_string();
            self.bg_color = None;
        }
        if let Some(c) = new_color {
            if new_type.is_none() {
                self.bg_type = "custom".into();
            }
            self.bg_color = Some(c);
        }
        Ok(())
    }

    /// Checks the settings as a whole.
    pub fn validate(&self, rules: &super::urls::AddressRules) -> Result<Background, ApiError> {
        let background = match (self.bg_type.as_str(), self.bg_color) {
            ("custom", None) => {
                return Err(ApiError::invalid(
                    "bg_color",
                    "bg_color (3 integers 0..255) is required when bg_type is custom",
                ))
            }
            ("custom", Some(c)) => Background::Color(c),
            (_, Some(_)) => {
                return Err(ApiError::invalid(
                    "bg_color",
                    "bg_color is only used with bg_type custom",
                ))
            }
            (t, None) => Background::from_type(t, None)
                .map_err(|e| ApiError::invalid("bg_type", e.to_string()))?,
        };
        if self.output_format == OutputFormat::Mp4 && background == Background::Transparent {
            return Err(ApiError::invalid(
                "output_format",
                "mp4 cannot carry transparency: pick a background (bg_type green, white, black, blue or custom) or an alpha-capable format (webm, mov, gif, webp, png_sequence)",
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
        Ok(background)
    }

    pub fn bg_color_json(&self) -> Option<String> {
        self.bg_color
            .map(|c| format!("[{},{},{}]", c[0], c[1], c[2]))
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
        s.apply(body.as_object().unwrap())?;
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
