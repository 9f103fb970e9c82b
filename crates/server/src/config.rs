//! Operator configuration: built-in defaults, then a TOML file, then
//! `VIDMATTE_*` environment variables (then command-line flags, applied by
//! the CLI).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use vidmatte_ml::Precision;

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to serve on.
    pub listen: String,
    /// SQLite file, uploads, outputs.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; default `sqlite://<data_dir>/vidmatte.db`.
    pub database_url: Option<String>,
    /// Where uploads and outputs live: `file:///folder` or
    /// `s3://bucket/prefix`; default `file://<data_dir>`.
    pub storage_url: Option<String>,
    /// The S3 server (for anything but AWS itself), e.g. `http://127.0.0.1:8333`.
    pub s3_endpoint: Option<String>,
    /// How bucket outputs are downloaded: a presigned redirect, or proxied.
    pub s3_downloads: Downloads,
    /// Base of signed download URLs; default `http://<listen>`.
    pub public_url: Option<String>,
    /// Enables `/v1/admin/*`.
    #[serde(skip_serializing)]
    pub admin_token: Option<String>,
    /// Hosts/CIDRs exempt from the address rules.
    pub url_allowlist: Vec<String>,
    /// Concurrent jobs in this process.
    pub workers: usize,
    /// Jobs of one key running at once; the rest wait in the queue.
    pub max_running_per_key: i64,
    /// Inference threads per job (default: every core).
    pub threads: Option<usize>,
    /// Float weights or int8 copies (`auto`: int8 where the CPU has VNNI).
    pub precision: Precision,
    /// Let `/api/*` work without a key (the vendor's behaviour).
    pub legacy_anonymous: bool,
    pub max_upload_bytes: u64,
    /// How long a signed output URL stays valid.
    pub output_url_ttl_seconds: i64,
    /// How long outputs and uploads are kept.
    pub retention_seconds: i64,
    /// A worker's lease on a job; it heartbeats at a third of this.
    pub lease_seconds: i64,
    /// One JSON object per log line.
    pub log_json: bool,
    /// Serve the web page from this folder instead of the embedded copy.
    pub web_dir: Option<PathBuf>,
    /// Requests per second each key may make, sustained (token bucket).
    pub rate_limit_per_second: f64,
    /// Requests a key may make at once before the sustained rate applies.
    pub rate_limit_burst: u32,
    /// Keep each key's bucket in the database, shared by every API node
    /// (PostgreSQL only; SQLite nodes always limit in memory).
    pub shared_rate_limits: bool,
    /// Let `webhook_url` use plain `http`.
    pub webhook_allow_http: bool,
    /// Longest video accepted, in seconds.
    pub max_duration_seconds: f64,
    /// Largest frame accepted (width × height).
    pub max_pixels: u64,
    /// Highest frame rate accepted.
    pub max_fps: f64,
    /// Longest a `video_url` download may take in all.
    pub fetch_timeout_seconds: u64,
    /// Slowest a `video_url` download may be, averaged over 10 s windows.
    pub fetch_min_bytes_per_second: u64,
    /// `video_url` downloads at once in this process; they do not hold a
    /// worker, so a slow source cannot keep other jobs waiting.
    pub fetch_slots: usize,
    /// Longest a client may take to send a request's headers before the
    /// connection is closed (slow-header clients otherwise hold sockets).
    pub header_read_timeout_seconds: u64,
}

/// How outputs stored in a bucket reach a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Downloads {
    /// A redirect to a presigned bucket URL (range requests go to the bucket).
    Presigned,
    /// Streamed through the API node, byte ranges passed on.
    Proxied,
}

impl std::str::FromStr for Downloads {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "presigned" => Ok(Downloads::Presigned),
            "proxied" | "proxy" => Ok(Downloads::Proxied),
            other => Err(format!("{other:?}: use presigned or proxied")),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./vidmatte-data"),
            database_url: None,
            storage_url: None,
            s3_endpoint: None,
            s3_downloads: Downloads::Presigned,
            public_url: None,
            admin_token: None,
            url_allowlist: Vec::new(),
            workers: 1,
            max_running_per_key: 2,
            threads: None,
            precision: Precision::Auto,
            legacy_anonymous: false,
            max_upload_bytes: 500 * 1024 * 1024,
            output_url_ttl_seconds: 24 * 3600,
            retention_seconds: 7 * 24 * 3600,
            lease_seconds: 30,
            log_json: false,
            web_dir: None,
            rate_limit_per_second: 10.0,
            rate_limit_burst: 30,
            shared_rate_limits: true,
            webhook_allow_http: false,
            max_duration_seconds: 3600.0,
            max_pixels: 3840 * 2160,
            max_fps: 120.0,
            fetch_timeout_seconds: 900,
            fetch_min_bytes_per_second: 16 * 1024,
            fetch_slots: 4,
            header_read_timeout_seconds: 10,
        }
    }
}

impl Config {
    /// Defaults, then `file` (if any), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("{} is not a valid vidmatte config", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        config.check()?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        fn parse<T: std::str::FromStr>(name: &str, value: &str) -> anyhow::Result<T> {
            value
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{name}={value:?} is not valid"))
        }
        if let Some(v) = var("VIDMATTE_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = var("VIDMATTE_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("VIDMATTE_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = var("VIDMATTE_STORAGE_URL") {
            self.storage_url = Some(v);
        }
        if let Some(v) = var("VIDMATTE_S3_ENDPOINT") {
            self.s3_endpoint = Some(v);
        }
        if let Some(v) = var("VIDMATTE_S3_DOWNLOADS") {
            self.s3_downloads = parse("VIDMATTE_S3_DOWNLOADS", &v)?;
        }
        if let Some(v) = var("VIDMATTE_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = var("VIDMATTE_ADMIN_TOKEN") {
            self.admin_token = Some(v).filter(|t| !t.is_empty());
        }
        if let Some(v) = var("VIDMATTE_URL_ALLOWLIST") {
            self.url_allowlist = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
        if let Some(v) = var("VIDMATTE_WORKERS") {
            self.workers = parse("VIDMATTE_WORKERS", &v)?;
        }
        if let Some(v) = var("VIDMATTE_MAX_RUNNING_PER_KEY") {
            self.max_running_per_key = parse("VIDMATTE_MAX_RUNNING_PER_KEY", &v)?;
        }
        if let Some(v) = var("VIDMATTE_THREADS") {
            self.threads = Some(parse("VIDMATTE_THREADS", &v)?);
        }
        if let Some(v) = var("VIDMATTE_PRECISION") {
            self.precision = parse("VIDMATTE_PRECISION", &v)?;
        }
        if let Some(v) = var("VIDMATTE_LEGACY_ANONYMOUS") {
            self.legacy_anonymous = parse("VIDMATTE_LEGACY_ANONYMOUS", &v)?;
        }
        if let Some(v) = var("VIDMATTE_MAX_UPLOAD_BYTES") {
            self.max_upload_bytes = parse("VIDMATTE_MAX_UPLOAD_BYTES", &v)?;
        }
        if let Some(v) = var("VIDMATTE_LEASE_SECONDS") {
            self.lease_seconds = parse("VIDMATTE_LEASE_SECONDS", &v)?;
        }
        if let Some(v) = var("VIDMATTE_LOG_JSON") {
            self.log_json = parse("VIDMATTE_LOG_JSON", &v)?;
        }
        if let Some(v) = var("VIDMATTE_WEB_DIR") {
            self.web_dir = Some(PathBuf::from(v)).filter(|p| !p.as_os_str().is_empty());
        }
        if let Some(v) = var("VIDMATTE_RATE_LIMIT_PER_SECOND") {
            self.rate_limit_per_second = parse("VIDMATTE_RATE_LIMIT_PER_SECOND", &v)?;
        }
        if let Some(v) = var("VIDMATTE_SHARED_RATE_LIMITS") {
            self.shared_rate_limits = parse("VIDMATTE_SHARED_RATE_LIMITS", &v)?;
        }
        if let Some(v) = var("VIDMATTE_RATE_LIMIT_BURST") {
            self.rate_limit_burst = parse("VIDMATTE_RATE_LIMIT_BURST", &v)?;
        }
        if let Some(v) = var("VIDMATTE_MAX_DURATION_SECONDS") {
            self.max_duration_seconds = parse("VIDMATTE_MAX_DURATION_SECONDS", &v)?;
        }
        if let Some(v) = var("VIDMATTE_MAX_PIXELS") {
            self.max_pixels = parse("VIDMATTE_MAX_PIXELS", &v)?;
        }
        if let Some(v) = var("VIDMATTE_MAX_FPS") {
            self.max_fps = parse("VIDMATTE_MAX_FPS", &v)?;
        }
        if let Some(v) = var("VIDMATTE_FETCH_TIMEOUT_SECONDS") {
            self.fetch_timeout_seconds = parse("VIDMATTE_FETCH_TIMEOUT_SECONDS", &v)?;
        }
        if let Some(v) = var("VIDMATTE_FETCH_MIN_BYTES_PER_SECOND") {
            self.fetch_min_bytes_per_second = parse("VIDMATTE_FETCH_MIN_BYTES_PER_SECOND", &v)?;
        }
        if let Some(v) = var("VIDMATTE_FETCH_SLOTS") {
            self.fetch_slots = parse("VIDMATTE_FETCH_SLOTS", &v)?;
        }
        if let Some(v) = var("VIDMATTE_HEADER_READ_TIMEOUT_SECONDS") {
            self.header_read_timeout_seconds = parse("VIDMATTE_HEADER_READ_TIMEOUT_SECONDS", &v)?;
        }
        if let Some(v) = var("VIDMATTE_WEBHOOK_ALLOW_HTTP") {
            self.webhook_allow_http = parse("VIDMATTE_WEBHOOK_ALLOW_HTTP", &v)?;
        }
        Ok(())
    }

    pub fn check(&self) -> anyhow::Result<()> {
        if self.fetch_slots == 0 || self.fetch_timeout_seconds == 0 {
            bail!("fetch_slots and fetch_timeout_seconds must be at least 1");
        }
        if self.header_read_timeout_seconds == 0 {
            bail!("header_read_timeout_seconds must be at least 1");
        }
        if self.max_running_per_key < 1 {
            bail!("max_running_per_key must be at least 1");
        }
        if !self.rate_limit_per_second.is_finite()
            || self.rate_limit_per_second <= 0.0
            || self.rate_limit_burst == 0
        {
            bail!("rate_limit_per_second and rate_limit_burst must be positive");
        }
        if self.max_duration_seconds <= 0.0 || self.max_fps <= 0.0 || self.max_pixels == 0 {
            bail!("max_duration_seconds, max_pixels and max_fps must be positive");
        }
        if self.lease_seconds < 3 {
            bail!("lease_seconds must be at least 3");
        }
        if let Some(url) = &self.storage_url {
            if !url.starts_with("file:///") && !url.starts_with("s3://") {
                bail!("storage_url {url:?}: use file:///FOLDER or s3://BUCKET/PREFIX");
            }
        }
        if let Some(url) = &self.database_url {
            if crate::store::Backend::of_url(url).is_none() {
                bail!("database_url {url:?}: use sqlite://FILE or postgres://USER@HOST/DATABASE");
            }
        }
        Ok(())
    }

    /// The bounds a video must stay within, for uploads and jobs alike.
    pub fn probe_limits(&self) -> vidmatte_media::ProbeLimits {
        vidmatte_media::ProbeLimits {
            max_pixels: self.max_pixels,
            max_duration_seconds: self.max_duration_seconds,
            max_fps: self.max_fps,
            ..vidmatte_media::ProbeLimits::default()
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("vidmatte.db").display()))
    }

    pub fn storage_url(&self) -> String {
        self.storage_url
            .clone()
            .unwrap_or_else(|| format!("file://{}", self.data_dir.display()))
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    pub fn outputs_dir(&self) -> PathBuf {
        self.data_dir.join("outputs")
    }

    pub fn work_dir(&self) -> PathBuf {
        self.data_dir.join("work")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file() {
        let mut config: Config = toml::from_str("listen = \"0.0.0.0:9000\"\nworkers = 3").unwrap();
        assert_eq!(config.workers, 3);
        config
            .apply_env(|name| match name {
                "VIDMATTE_WORKERS" => Some("2".into()),
                "VIDMATTE_URL_ALLOWLIST" => Some("10.0.0.0/8, example.com".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            (config.listen.as_str(), config.workers),
            ("0.0.0.0:9000", 2)
        );
        assert_eq!(config.url_allowlist, vec!["10.0.0.0/8", "example.com"]);
        assert!(config.apply_env(|_| Some("x".into())).is_err());
    }

    #[test]
    fn unknown_keys_in_the_file_are_errors() {
        assert!(toml::from_str::<Config>("listne = \"x\"").is_err());
    }
}
