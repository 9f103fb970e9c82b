//! The one rule for JSON request bodies, shared by every JSON POST route: a
//! non-empty body must come as `application/json` (parameters such as
//! `; charset=utf-8` are fine), otherwise 415 `unsupported_media_type`; an
//! empty body is "no body", which routes with an optional body accept. A
//! body is never dropped silently.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde_json::{Map, Value};

use super::error::ApiError;

/// The request's JSON body; None when it was empty.
pub struct JsonBody(pub Option<Value>);

impl JsonBody {
    /// A required JSON object.
    pub fn object(self) -> Result<Map<String, Value>, ApiError> {
        match self.0 {
            Some(Value::Object(map)) => Ok(map),
            None => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "send a JSON object as the body, with Content-Type: application/json",
            )),
            Some(_) => Err(not_an_object()),
        }
    }

    /// An optional JSON object: an empty body or `null` is an empty object.
    pub fn optional_object(self) -> Result<Map<String, Value>, ApiError> {
        match self.0 {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(map)) => Ok(map),
            Some(_) => Err(not_an_object()),
        }
    }
}

fn not_an_object() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "the body must be a JSON object",
    )
}

/// `application/json`, or a `+json` type, with any parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Ok(mime) = value.parse::<mime::Mime>() else {
        return false;
    };
    mime.type_() == mime::APPLICATION
        && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
}

pub fn unsupported_media_type() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "send the body as JSON with Content-Type: application/json",
    )
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(request.headers());
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the request body is larger than 2 MB",
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", e.body_text())
            }
        })?;
        if bytes.is_empty() {
            return Ok(JsonBody(None));
        }
        if !json {
            return Err(unsupported_media_type());
        }
        let Json(value) = Json::<Value>::from_bytes(&bytes)?;
        Ok(JsonBody(Some(value)))
    }
}
