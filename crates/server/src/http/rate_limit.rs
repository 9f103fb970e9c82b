//! Per-key rate limits: a token bucket per API key (governor's GCRA in
//! memory; on PostgreSQL the same algorithm on a row every API node shares,
//! see `store::limits`; the default rate and burst from the configuration,
//! per-key overrides from the key's row), and one per client address for `/v1` and `/api` requests
//! without a valid key (so guessing keys is throttled too). The middleware
//! authenticates the key once per request, answers 429 `rate_limited` with
//! `Retry-After` before anything else runs, hands the key to the handlers,
//! and puts `X-RateLimit-Limit` / `-Remaining` / `-Reset` (epoch seconds when
//! the bucket is full again) on the response.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use super::error::ApiError;
use crate::clock::now_ms;
use crate::store::{KeyRow, RateBuckets};
use crate::AppState;

type Bucket = RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;
type ByAddress =
    RateLimiter<IpAddr, HashMapStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

/// The buckets of every key seen since start.
pub struct RateLimits {
    per_second: f64,
    burst: u32,
    /// The bucket shape of keys without overrides and of anonymous clients.
    default_quota: Quota,
    buckets: Mutex<HashMap<i64, (Quota, Arc<Bucket>)>>,
    /// Requests without a valid key, by client address.
    anonymous: ByAddress,
    anonymous_checks: AtomicU64,
}

/// What one request's check found.
#[derive(Clone, Copy, Debug)]
pub struct Verdict {
    pub limit: u32,
    pub remaining: u32,
    /// Epoch seconds when the bucket is full again.
    pub reset: i64,
    /// Set when the request is refused.
    pub retry_after: Option<u64>,
}

/// What the middleware found for the request's `X-Api-Key` (present when
/// the header was looked up): the enabled key, or None for an unknown one.
#[derive(Clone)]
pub struct KeyLookup(pub Option<KeyRow>);

fn quota(per_second: f64, burst: u32) -> Quota {
    let period = Duration::from_secs_f64(1.0 / per_second.clamp(0.001, 1_000_000.0));
    Quota::with_period(period.max(Duration::from_nanos(1)))
        .expect("a positive period")
        .allow_burst(NonZeroU32::new(burst.max(1)).expect("burst >= 1"))
}

fn bucket_for(quota: Quota) -> Arc<Bucket> {
    Arc::new(RateLimiter::direct(quota).with_middleware::<StateInformationMiddleware>())
}

impl RateLimits {
    pub fn new(per_second: f64, burst: u32) -> Self {
        Self {
            per_second,
            burst,
            default_quota: quota(per_second, burst),
            buckets: Mutex::new(HashMap::new()),
            anonymous: RateLimiter::hashmap(quota(per_second, burst))
                .with_middleware::<StateInformationMiddleware>(),
            anonymous_checks: AtomicU64::new(0),
        }
    }

    /// Takes one token from the bucket of a client without a valid key.
    pub fn check_address(&self, ip: IpAddr) -> Verdict {
        // Forget addresses whose buckets are full again, now and then.
        if self.anonymous_checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.anonymous.retain_recent();
            self.anonymous.shrink_to_fit();
        }
        verdict(
            self.anonymous.check_key(&ip),
            self.default_quota,
            self.burst,
        )
    }

    /// The key's rate and burst (its overrides, else the defaults).
    fn shape(&self, key: &KeyRow) -> (f64, u32) {
        let per_second = key.rate_per_second.unwrap_or(self.per_second);
        let burst = key
            .rate_burst
            .and_then(|b| u32::try_from(b).ok())
            .unwrap_or(self.burst)
            .max(1);
        (per_second, burst)
    }

    /// Takes one token from the key's bucket kept in the database, shared
    /// by every API node.
    pub async fn check_shared(
        &self,
        buckets: &dyn RateBuckets,
        key: &KeyRow,
    ) -> sqlx::Result<Verdict> {
        let (per_second, burst) = self.shape(key);
        let interval_us = (1e6 / per_second.clamp(0.001, 1_000_000.0))
            .round()
            .max(1.0) as i64;
        let token = buckets
            .take_token(key.id, interval_us, i64::from(burst))
            .await?;
        let now_s = now_ms() as f64 / 1000.0;
        let reset = (now_s + token.ahead_us as f64 / 1e6).ceil() as i64;
        Ok(if token.allowed {
            let room = i64::from(burst) * interval_us - token.ahead_us;
            Verdict {
                limit: burst,
                remaining: (room / interval_us).clamp(0, i64::from(burst)) as u32,
                reset,
                retry_after: None,
            }
        } else {
            let wait_us = token.ahead_us + interval_us - i64::from(burst) * interval_us;
            Verdict {
                limit: burst,
                remaining: 0,
                reset,
                retry_after: Some((wait_us as f64 / 1e6).ceil().max(1.0) as u64),
            }
        })
    }

    /// Takes one token from the key's bucket.
    pub fn check(&self, key: &KeyRow) -> Verdict {
        let (per_second, burst) = self.shape(key);
        let wanted = quota(per_second, burst);
        let bucket = {
            let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
            let entry = buckets
                .entry(key.id)
                .or_insert_with(|| (wanted, bucket_for(wanted)));
            if entry.0 != wanted {
                *entry = (wanted, bucket_for(wanted));
            }
            Arc::clone(&entry.1)
        };
        verdict(bucket.check(), wanted, burst)
    }
}

type Outcome = Result<
    governor::middleware::StateSnapshot,
    governor::NotUntil<<DefaultClock as Clock>::Instant>,
>;

fn verdict(outcome: Outcome, quota: Quota, burst: u32) -> Verdict {
    let period = quota.replenish_interval().as_secs_f64();
    let now_s = now_ms() as f64 / 1000.0;
    match outcome {
        Ok(state) => {
            let remaining = state.remaining_burst_capacity();
            let refill = f64::from(burst.saturating_sub(remaining)) * period;
            Verdict {
                limit: burst,
                remaining,
                reset: (now_s + refill).ceil() as i64,
                retry_after: None,
            }
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Verdict {
                limit: burst,
                remaining: 0,
                reset: (now_s + f64::from(burst) * period).ceil() as i64,
                retry_after: Some(wait.as_secs_f64().ceil().max(1.0) as u64),
            }
        }
    }
}

pub async fn middleware(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let limited_path = (path.starts_with("/v1/") || path.starts_with("/api/"))
        // Signed downloads carry their own proof; admin calls their token.
        && !(path.starts_with("/v1/jobs/") && path.ends_with("/output"))
        && !path.starts_with("/v1/admin/");
    if !limited_path {
        return next.run(request).await;
    }
    let given = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string());
    let given_header = given.is_some();
    let key = match given {
        Some(given) => match app.store.key_by_hash(&crate::keys::hash(&given)).await {
            Ok(key) => key, // None: the extractor answers 401
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => None,
    };
    let shared = app
        .store
        .rate_buckets()
        .filter(|_| app.config.shared_rate_limits);
    let verdict = match (&key, request.extensions().get::<ConnectInfo<SocketAddr>>()) {
        (Some(key), _) => match shared {
            Some(buckets) => match app.limits.check_shared(buckets, key).await {
                Ok(verdict) => verdict,
                Err(e) => return ApiError::from(e).into_response(),
            },
            None => app.limits.check(key),
        },
        (None, Some(ConnectInfo(address))) => app.limits.check_address(address.ip()),
        (None, None) => return next.run(request).await,
    };
    if let Some(seconds) = verdict.retry_after {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", |p| p.as_str())
            .to_string();
        metrics::counter!("vidmatte_rate_limited_total", "route" => route).increment(1);
        let who = if key.is_some() {
            "this key"
        } else {
            "this address (without a valid key)"
        };
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "{who} sent more than {} requests at once; try again in {seconds} s",
                verdict.limit
            ),
        );
        error.retry_after = Some(seconds);
        let mut response = error.into_response();
        set_headers(response.headers_mut(), &verdict);
        return response;
    }
    if given_header {
        request.extensions_mut().insert(KeyLookup(key));
    }
    let mut response = next.run(request).await;
    set_headers(response.headers_mut(), &verdict);
    response
}

fn set_headers(headers: &mut HeaderMap, verdict: &Verdict) {
    for (name, value) in [
        ("x-ratelimit-limit", i64::from(verdict.limit)),
        ("x-ratelimit-remaining", i64::from(verdict.remaining)),
        ("x-ratelimit-reset", verdict.reset),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: i64) -> KeyRow {
        KeyRow {
            id,
            fingerprint: format!("fp{id}"),
            client_id: "t".into(),
            note: None,
            webhook_secret: "whsec_x".into(),
            credits: None,
            disabled: false,
            created_at: 0,
            rate_per_second: None,
            rate_burst: None,
            max_running: None,
        }
    }

    #[test]
    fn the_burst_passes_then_the_bucket_refuses_with_a_wait() {
        let limits = RateLimits::new(10.0, 30);
        let first = limits.check(&key(1));
        assert_eq!(
            (first.limit, first.remaining, first.retry_after),
            (30, 29, None)
        );
        for _ in 0..29 {
            assert!(limits.check(&key(1)).retry_after.is_none());
        }
        let refused = limits.check(&key(1));
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.retry_after, Some(1));
        // Another key has its own bucket, and so has a client without a key.
        assert!(limits.check(&key(2)).retry_after.is_none());
        let address: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..30 {
            assert!(limits.check_address(address).retry_after.is_none());
        }
        assert!(limits.check_address(address).retry_after.is_some());
        assert!(limits
            .check_address("192.0.2.8".parse().unwrap())
            .retry_after
            .is_none());
    }

    #[test]
    fn a_key_override_replaces_the_default() {
        let limits = RateLimits::new(10.0, 30);
        let mut slow = key(3);
        slow.rate_per_second = Some(0.5);
        slow.rate_burst = Some(2);
        assert!(limits.check(&slow).retry_after.is_none());
        assert!(limits.check(&slow).retry_after.is_none());
        let refused = limits.check(&slow);
        assert_eq!((refused.limit, refused.retry_after), (2, Some(2)));
    }
}
