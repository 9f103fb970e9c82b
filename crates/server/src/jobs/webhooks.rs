//! The webhook sender: delivers the outbox (see `store::webhooks`) with the
//! contract's headers and signature, to an address checked under the same
//! rules as `video_url` and pinned for the connection; no redirects. A
//! delivery succeeds on a 2xx within 10 s; otherwise it is retried with
//! exponential backoff and jitter (about 5–10 s, 30 s, 2 min, 10 min, 1 h,
//! then hourly) until 24 h have passed since the event. An address that the
//! rules refuse at delivery (the URL, or what its host resolves to now)
//! fails the delivery at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::Semaphore;

use super::fetch::{checked_address, Unusable};
use crate::clock::{now_ms, rfc3339};
use crate::http::urls::{check_external, AddressRules};
use crate::signing::webhook_signature;
use crate::store::Delivery;
use crate::AppState;

/// Deliveries in flight at once.
const IN_FLIGHT: usize = 32;
/// How long a claimed delivery is ours (longer than one attempt can take).
const LEASE_MS: i64 = 60_000;
const GIVE_UP_AFTER_MS: i64 = 24 * 3600 * 1000;
const POLL: Duration = Duration::from_millis(200);

pub async fn run(app: AppState) {
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut shutdown = app.shutdown.clone();
    loop {
        if *shutdown.borrow() {
            return;
        }
        let free = permits.available_permits() as i64;
        let batch = if free > 0 {
            app.store
                .claim_deliveries(free, LEASE_MS)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "claiming webhook deliveries failed");
                    Vec::new()
                })
        } else {
            Vec::new()
        };
        let idle = batch.is_empty();
        for delivery in batch {
            let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                return;
            };
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                deliver(&app, delivery).await;
                drop(permit);
            });
        }
        if idle {
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = crate::stopped(&mut shutdown) => return,
            }
        }
    }
}

async fn deliver(app: &AppState, delivery: Delivery) {
    let started = now_ms();
    if delivery.attempts == 1 {
        metrics::histogram!("vidmatte_webhook_first_attempt_delay_seconds")
            .record((started - delivery.created_at).max(0) as f64 / 1000.0);
    }
    let result = attempt(app, &delivery).await;
    let span = tracing::info_span!("webhook", job_id = %delivery.job_id, delivery_id = %delivery.id, event = %delivery.event);
    let (ok, status, error, permanent) = match result {
        Ok(status) if (200..300).contains(&status) => (true, Some(status), None, false),
        Ok(status) => (
            false,
            Some(status),
            Some(format!("the receiver answered HTTP {status}")),
            false,
        ),
        Err(Failure::Retry(e)) => (false, None, Some(e), false),
        Err(Failure::Permanent(e)) => (false, None, Some(e), true),
    };
    // A refused address stays refused: retrying it for a day only delays
    // telling the customer (in `webhook_events`) that it will never arrive.
    let retry_at = (!ok && !permanent)
        .then(|| retry_at(&delivery, now_ms()))
        .flatten();
    let outcome = match (ok, retry_at) {
        (true, _) => "sent",
        (false, Some(_)) => "retry",
        (false, None) => "failed",
    };
    span.in_scope(|| {
        tracing::info!(
            attempt = delivery.attempts,
            ?status,
            error = error.as_deref(),
            outcome,
            "webhook attempt"
        )
    });
    metrics::counter!("vidmatte_webhook_deliveries_total", "event" => delivery.event.clone(), "outcome" => outcome)
        .increment(1);
    if ok {
        metrics::histogram!("vidmatte_webhook_delivery_seconds")
            .record((now_ms() - delivery.created_at).max(0) as f64 / 1000.0);
    }
    let recorded = super::with_retries("a webhook attempt", || {
        app.store
            .record_attempt(&delivery, ok, status, error.as_deref(), retry_at)
    })
    .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %e, delivery_id = %delivery.id, "giving up on recording a webhook attempt");
    }
    // Left leased: the lease runs out and the delivery is attempted again.
}

/// Why an attempt got no status from the receiver.
#[derive(Debug, PartialEq)]
enum Failure {
    /// Worth another attempt (DNS or the receiver may come back).
    Retry(String),
    /// Will fail the same way every time: the address is refused.
    Permanent(String),
}

/// One POST; the receiver's status, or why there was none.
async fn attempt(app: &AppState, delivery: &Delivery) -> Result<u16, Failure> {
    let secret = app
        .store
        .webhook_secret(delivery.key_id)
        .await
        .map_err(|e| Failure::Retry(format!("reading the key: {e}")))?
        .ok_or_else(|| Failure::Permanent("the key is gone".into()))?;
    let url = reqwest::Url::parse(&delivery.url)
        .map_err(|e| Failure::Permanent(format!("bad webhook_url: {e}")))?;
    let address = webhook_address(&url, &app.rules).await?;
    let host = url.host_str().unwrap_or_default().to_string();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .resolve(&host, address)
        .user_agent(concat!("vidmatte-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Failure::Retry(format!("preparing the request: {e}")))?;
    let timestamp = rfc3339(now_ms());
    let signature = webhook_signature(&secret, &timestamp, &delivery.body);
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Webhook-Event", &delivery.event)
        .header("X-Webhook-Delivery-Id", &delivery.id)
        .header("X-Webhook-Timestamp", &timestamp)
        .header("X-Webhook-Signature", signature)
        .body(delivery.body.clone())
        .send()
        .await
        .map_err(|e| {
            Failure::Retry(if e.is_timeout() {
                "the receiver did not answer within 10 s".to_string()
            } else {
                format!("could not reach the receiver: {}", e.without_url())
            })
        })?;
    Ok(response.status().as_u16())
}

/// The address to connect to: the URL must pass the create-time rules as
/// they are now, and every address its host resolves to must be allowed
/// (a refusal is permanent; a failed lookup is not).
async fn webhook_address(url: &reqwest::Url, rules: &AddressRules) -> Result<SocketAddr, Failure> {
    check_external(url.as_str(), "webhook_url", rules)
        .map_err(|e| Failure::Permanent(e.message))?;
    checked_address(url, rules).await.map_err(|u| match u {
        Unusable::Refused(m) => Failure::Permanent(m),
        Unusable::Unresolved(m) => Failure::Retry(m),
    })
}

/// When to try again after `delivery.attempts` failed attempts; None once
/// 24 h have passed since the event.
fn retry_at(delivery: &Delivery, now: i64) -> Option<i64> {
    if now - delivery.created_at >= GIVE_UP_AFTER_MS {
        return None;
    }
    Some(now + backoff_ms(delivery.attempts, &mut rand::thread_rng()))
}

fn backoff_ms(attempts: i64, rng: &mut impl Rng) -> i64 {
    let base: i64 = match attempts {
        ..=1 => return rng.gen_range(5_000..=10_000),
        2 => 30_000,
        3 => 120_000,
        4 => 600_000,
        _ => 3_600_000,
    };
    // ±20 % so that many failing receivers do not retry in step.
    base + rng.gen_range(-base / 5..=base / 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_address_is_a_permanent_failure() {
        let rules = AddressRules::default().with_webhook_http(true);
        for url in [
            "http://127.0.0.1:9/hook",
            "https://[::1]/hook",
            "https://10.1.2.3/hook",
            "http://metadata.goog/hook",
            "http://localhost/hook",
        ] {
            let url = reqwest::Url::parse(url).unwrap();
            assert!(
                matches!(
                    webhook_address(&url, &rules).await,
                    Err(Failure::Permanent(_))
                ),
                "{url}"
            );
        }
        // http once the operator no longer allows it: refused for good too.
        let url = reqwest::Url::parse("http://93.184.215.14/hook").unwrap();
        assert!(matches!(
            webhook_address(&url, &AddressRules::default()).await,
            Err(Failure::Permanent(_))
        ));
        // The allowlist still exempts.
        let rules = AddressRules::from_allowlist(&["127.0.0.1".into()]).with_webhook_http(true);
        let url = reqwest::Url::parse("http://127.0.0.1:9/hook").unwrap();
        assert_eq!(
            webhook_address(&url, &rules).await,
            Ok("127.0.0.1:9".parse().unwrap())
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_stops_after_a_day() {
        let mut rng = rand::thread_rng();
        for _ in 0..100 {
            assert!((5_000..=10_000).contains(&backoff_ms(1, &mut rng)));
            assert!((24_000..=36_000).contains(&backoff_ms(2, &mut rng)));
            assert!((2_880_000..=4_320_000).contains(&backoff_ms(9, &mut rng)));
        }
        // Attempts keep coming for the whole 24 h window, then stop.
        let mut delivery = Delivery {
            id: "dlv_x".into(),
            event_id: "evt_x".into(),
            job_id: "job_x".into(),
            key_id: 1,
            event: "job.completed".into(),
            url: "https://example.com/hook".into(),
            body: "{}".into(),
            attempts: 0,
            created_at: 0,
        };
        let mut now = 0;
        while let Some(next) = retry_at(&delivery, now) {
            delivery.attempts += 1;
            now = next;
        }
        assert!(now >= GIVE_UP_AFTER_MS, "gave up at {now} ms");
        assert!(
            (20..40).contains(&delivery.attempts),
            "{} attempts",
            delivery.attempts
        );
    }
}
