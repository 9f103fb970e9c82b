//! Who is calling: `X-Api-Key` for `/v1` and `/api`, `X-Admin-Token` for admin.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use crate::store::KeyRow;
use crate::AppState;

/// The calling key (enabled, known).
pub struct Caller(pub KeyRow);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(given) = parts.headers.get("x-api-key") else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "missing_api_key",
                "send your API key in the X-Api-Key header",
            ));
        };
        // The rate-limit middleware has usually looked the key up already.
        let key = match parts.extensions.get::<super::rate_limit::KeyLookup>() {
            Some(lookup) => lookup.0.clone(),
            None => {
                let given = given.to_str().unwrap_or("").trim();
                app.store.key_by_hash(&crate::keys::hash(given)).await?
            }
        };
        match key {
            Some(key) => {
                tracing::Span::current().record("key", key.fingerprint.as_str());
                Ok(Caller(key))
            }
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                "this API key is unknown or disabled",
            )),
        }
    }
}

/// The legacy `/api/*` routes: a key, unless the operator allows anonymous use.
pub struct LegacyCaller(pub KeyRow);

impl FromRequestParts<AppState> for LegacyCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key("x-api-key") || !app.config.legacy_anonymous {
            return Caller::from_request_parts(parts, app)
                .await
                .map(|c| LegacyCaller(c.0));
        }
        // Anonymous legacy calls act as the first key (the operator's).
        let first = app
            .store
            .list_keys()
            .await?
            .into_iter()
            .find(|k| !k.disabled);
        first.map(LegacyCaller).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "missing_api_key",
                "no API key exists yet",
            )
        })
    }
}

/// The operator, by `X-Admin-Token` (admin routes are off without one configured).
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let forbidden = || {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "admin routes need a valid X-Admin-Token",
            )
        };
        let Some(expected) = &app.config.admin_token else {
            return Err(forbidden());
        };
        let given = parts
            .headers
            .get("x-admin-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // Compare digests so the comparison time says nothing about the token.
        if Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes()) {
            Ok(Admin)
        } else {
            Err(forbidden())
        }
    }
}
