//! Fetching an external `video_url`: every address the host resolves to is
//! checked against the contract's rules, the connection is pinned to the
//! address that was checked (no DNS rebinding), redirects are followed by
//! hand (at most 3, each re-checked), and the size limit applies while
//! streaming to disk. A download has an overall deadline and a minimum
//! rate (a source that drips a byte at a time would otherwise hold the
//! job forever: the read timeout restarts on every byte).

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use tokio::time::Instant;

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::http::urls::AddressRules;

const MAX_REDIRECTS: usize = 3;

/// The minimum rate is judged over windows this long.
const RATE_WINDOW: Duration = Duration::from_secs(10);

/// How much, how long and how slowly a download may go.
#[derive(Clone, Copy, Debug)]
pub struct FetchLimits {
    pub max_bytes: u64,
    pub timeout: Duration,
    pub min_bytes_per_second: u64,
}

/// Why a fetch failed, as (error_code, message).
pub type FetchError = (&'static str, String);

fn unreachable(message: impl Into<String>) -> FetchError {
    ("source_unreachable", message.into())
}

/// Downloads `url` into `dest` within `limits`.
pub async fn fetch(
    url: &str,
    dest: &Path,
    limits: FetchLimits,
    rules: &AddressRules,
) -> Result<u64, FetchError> {
    let deadline = Instant::now() + limits.timeout;
    match tokio::time::timeout_at(deadline, fetch_within(url, dest, limits, deadline, rules)).await
    {
        Ok(result) => result,
        Err(_) => Err(unreachable(format!(
            "the download did not finish within {} s",
            limits.timeout.as_secs()
        ))),
    }
}

async fn fetch_within(
    url: &str,
    dest: &Path,
    limits: FetchLimits,
    deadline: Instant,
    rules: &AddressRules,
) -> Result<u64, FetchError> {
    let max_bytes = limits.max_bytes;
    let mut current = reqwest::Url::parse(url)
        .map_err(|e| unreachable(format!("video_url is not a valid URL: {e}")))?;
    for _ in 0..=MAX_REDIRECTS {
        let address = checked_address(&current, rules)
            .await
            .map_err(|u| unreachable(u.message()))?;
        let host = current.host_str().unwrap_or_default().to_string();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(30))
            .resolve(&host, address)
            .build()
            .map_err(|e| unreachable(format!("preparing the request: {e}")))?;
        let response =
            client.get(current.clone()).send().await.map_err(|e| {
                unreachable(format!("could not fetch video_url: {}", without_url(&e)))
            })?;
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| unreachable("video_url redirected without a Location"))?;
            current = current
                .join(location)
                .map_err(|e| unreachable(format!("bad redirect: {e}")))?;
            continue;
        }
        if !response.status().is_success() {
            return Err(unreachable(format!(
                "video_url answered HTTP {}",
                response.status().as_u16()
            )));
        }
        if response.content_length().is_some_and(|n| n > max_bytes) {
            return Err(too_large(max_bytes));
        }
        let mut file = tokio::fs::File::create(dest)
            .await
            .map_err(|e| ("processing_failed", format!("writing the input: {e}")))?;
        let mut size = 0u64;
        let mut body = response.bytes_stream();
        let mut window = (Instant::now(), 0u64);
        loop {
            let next = tokio::time::timeout_at(deadline.min(window.0 + RATE_WINDOW), body.next());
            let chunk = match next.await {
                Ok(Some(chunk)) => Some(chunk.map_err(|e| {
                    unreachable(format!("the download broke off: {}", without_url(&e)))
                })?),
                Ok(None) => break,
                Err(_) => None,
            };
            let len = chunk.as_ref().map_or(0, |c| c.len() as u64);
            window.1 += len;
            if window.0.elapsed() >= RATE_WINDOW {
                let rate = window.1 / RATE_WINDOW.as_secs();
                if rate < limits.min_bytes_per_second {
                    return Err(unreachable(format!(
                        "the download is too slow ({rate} bytes/s over {} s; at least {} bytes/s are needed)",
                        RATE_WINDOW.as_secs(),
                        limits.min_bytes_per_second
                    )));
                }
                window = (Instant::now(), 0);
            }
            size += len;
            if size > max_bytes {
                return Err(too_large(max_bytes));
            }
            if let Some(chunk) = chunk {
                file.write_all(&chunk)
                    .await
                    .map_err(|e| ("processing_failed", format!("writing the input: {e}")))?;
            }
        }
        file.flush()
            .await
            .map_err(|e| ("processing_failed", format!("writing the input: {e}")))?;
        return Ok(size);
    }
    Err(unreachable(format!(
        "video_url redirected more than {MAX_REDIRECTS} times"
    )))
}

fn too_large(max_bytes: u64) -> FetchError {
    (
        "payload_too_large",
        format!(
            "the remote file is larger than the {} MB limit",
            max_bytes / (1024 * 1024)
        ),
    )
}

fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "video_url");
    }
    text
}

/// Why a URL gives no address to connect to.
#[derive(Debug, PartialEq)]
pub(crate) enum Unusable {
    /// The rules refuse it: asking again gives the same answer.
    Refused(String),
    /// Its host could not be resolved now; it may be later.
    Unresolved(String),
}

impl Unusable {
    pub(crate) fn message(self) -> String {
        match self {
            Unusable::Refused(m) | Unusable::Unresolved(m) => m,
        }
    }
}

/// Resolves the URL's host and returns an address every rule allows: the
/// one check behind fetching `video_url` (and each redirect) and delivering
/// webhooks.
pub(crate) async fn checked_address(
    url: &reqwest::Url,
    rules: &AddressRules,
) -> Result<SocketAddr, Unusable> {
    let refused = |m: String| Err(Unusable::Refused(m));
    if !matches!(url.scheme(), "http" | "https") {
        return refused("only http(s) URLs can be fetched".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refused("URLs with credentials are refused".into());
    }
    let Some(host) = url.host_str() else {
        return refused("the URL has no host".into());
    };
    if let Some(why) = crate::http::urls::refused_name(host, rules) {
        return refused(format!("{host} {why}"));
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|e| Unusable::Unresolved(format!("could not resolve {host}: {e}")))?
            .collect(),
    };
    let Some(first) = addresses.first().copied() else {
        return Err(Unusable::Unresolved(format!("{host} has no address")));
    };
    // Every address must pass: a host with one private answer is refused.
    if addresses.iter().any(|a| rules.refuses(host, a.ip())) {
        return refused(format!(
            "{host} resolves to a private or special-purpose address"
        ));
    }
    Ok(first)
}
