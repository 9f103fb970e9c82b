//! A real `vidmatte serve` child on a free port with its own data dir, and
//! helpers to drive it the way the vendor SDKs do.

#![allow(dead_code)]

pub mod frames;
pub mod origin;
pub mod receiver;
pub mod sse;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::blocking::{multipart, Client};
use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_vidmatte");

pub struct Server {
    pub base: String,
    pub data_dir: PathBuf,
    pub key: String,
    /// The key's webhook secret.
    pub webhook_secret: String,
    child: Option<Child>,
    port: u16,
    env: Vec<(String, String)>,
    /// How long each start took until /health answered.
    pub start_times: Vec<Duration>,
    pub client: Client,
}

/// A free port below the kernel's ephemeral range. A port from `bind(:0)`
/// is an ephemeral one: once a killed server lets go of it, any outgoing
/// connection on the machine may take it as its local port, and the restart
/// on that port fails with "address in use" (this made the kill -9 test
/// flake under load). Ports below the range are never handed out that way.
fn free_port() -> u16 {
    static TAKEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let first_ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let (low, high) = (
        first_ephemeral.saturating_sub(12000).max(1024),
        first_ephemeral,
    );
    let mut taken = TAKEN.lock().unwrap_or_else(|e| e.into_inner());
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        ^ std::process::id().wrapping_mul(2654435761);
    for i in 0..(high - low) as u32 {
        let port = low + ((seed.wrapping_add(i.wrapping_mul(7919))) % u32::from(high - low)) as u16;
        if !taken.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            taken.push(port);
            return port;
        }
    }
    panic!("no free port in {low}..{high}");
}

/// The bucket the suite's S3 pass stores in (scripts/s3.sh creates it).
const TEST_BUCKET: &str = "vidmatte-test";

/// A name of this data dir's own, for its database and bucket prefix.
fn isolated_name(data_dir: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut hasher);
    format!("vmt_{}_{:016x}", std::process::id(), hasher.finish())
}

/// The settings that put a server on the backends the suite runs against:
/// none on the embedded default (SQLite and files in the data dir). With
/// `VIDMATTE_TEST_POSTGRES=postgres://user@host:port`, a database of its
/// own per data dir on that server, created on first use; with
/// `VIDMATTE_TEST_S3=http://host:port` (scripts/s3.sh), uploads and outputs
/// in a prefix of its own in that server's test bucket.
pub fn backend_env(data_dir: &Path) -> Vec<(String, String)> {
    let mut env = Vec::new();
    if let Ok(endpoint) = std::env::var("VIDMATTE_TEST_S3") {
        for (name, value) in [
            (
                "VIDMATTE_STORAGE_URL",
                format!("s3://{TEST_BUCKET}/{}", isolated_name(data_dir)),
            ),
            ("VIDMATTE_S3_ENDPOINT", endpoint),
            ("AWS_ACCESS_KEY_ID", "vidmatte-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "vidmatte-test-secret".into()),
            ("AWS_REGION", "us-east-1".into()),
        ] {
            env.push((name.to_string(), value));
        }
    }
    let Ok(base) = std::env::var("VIDMATTE_TEST_POSTGRES") else {
        return env;
    };
    use sqlx::migrate::MigrateDatabase;
    let url = format!("{}/{}", base.trim_end_matches('/'), isolated_name(data_dir));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        if !sqlx::Postgres::database_exists(&url).await.unwrap() {
            sqlx::Postgres::create_database(&url).await.unwrap();
        }
    });
    env.push(("VIDMATTE_DATABASE_URL".into(), url));
    env
}

/// The names of what this server has stored in `folder` (`uploads` or
/// `outputs`) — files in the data dir, or objects in its bucket prefix —
/// and, for `uploads`, any upload still spooled on the way to the bucket.
pub fn stored(data_dir: &Path, folder: &str) -> Vec<String> {
    let files = |dir: PathBuf| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut names = files(data_dir.join(folder));
    let Ok(endpoint) = std::env::var("VIDMATTE_TEST_S3") else {
        return names;
    };
    if folder == "uploads" {
        names.extend(files(data_dir.join("spool")));
    }
    use futures_util::TryStreamExt;
    use object_store::ObjectStore;
    let bucket = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(TEST_BUCKET)
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("vidmatte-test")
        .with_secret_access_key("vidmatte-test-secret")
        .build()
        .unwrap();
    let prefix = object_store::path::Path::from(format!("{}/{folder}", isolated_name(data_dir)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let objects: Vec<_> = runtime
        .block_on(bucket.list(Some(&prefix)).try_collect())
        .unwrap();
    names.extend(
        objects
            .into_iter()
            .filter_map(|o| o.location.filename().map(String::from)),
    );
    names
}

pub fn create_key(data_dir: &Path, client_id: &str) -> Value {
    create_key_with(data_dir, client_id, &[])
}

pub fn create_key_with(data_dir: &Path, client_id: &str, extra: &[&str]) -> Value {
    let out = Command::new(BIN)
        .args(["keys", "create", "--client-id", client_id, "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .envs(backend_env(data_dir))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

impl Server {
    /// Starts a server in `data_dir` with extra `VIDMATTE_*` settings.
    pub fn start(data_dir: &Path, env: &[(&str, &str)]) -> Server {
        std::fs::create_dir_all(data_dir).unwrap();
        let created = create_key(data_dir, "tests");
        let key = created["api_key"].as_str().unwrap().to_string();
        let webhook_secret = created["webhook_secret"].as_str().unwrap().to_string();
        let mut server = Server {
            base: String::new(),
            data_dir: data_dir.to_path_buf(),
            key,
            webhook_secret,
            child: None,
            port: free_port(),
            start_times: Vec::new(),
            env: backend_env(data_dir)
                .into_iter()
                .chain(env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
                .collect(),
            client: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        };
        server.spawn();
        server
    }

    /// The server's log (stderr of every start, appended).
    pub fn log_path(&self) -> PathBuf {
        self.data_dir.join("server.log")
    }

    /// The last `n` bytes of the server's log, for failure messages.
    pub fn log_tail(&self, n: usize) -> String {
        let log = std::fs::read(self.log_path()).unwrap_or_default();
        String::from_utf8_lossy(&log[log.len().saturating_sub(n)..]).into_owned()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Sends `signal` (e.g. "STOP", "CONT") to the server process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal}");
    }

    fn spawn(&mut self) {
        self.base = format!("http://127.0.0.1:{}", self.port);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        let child = Command::new(BIN)
            .arg("serve")
            .args([
                "--listen",
                &format!("127.0.0.1:{}", self.port),
                "--data-dir",
            ])
            .arg(&self.data_dir)
            .env("VIDMATTE_THREADS", "2")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        // A server that exits says why (its log); the deadline is only for
        // one that hangs, and generous for a loaded machine.
        let started = Instant::now();
        loop {
            if self
                .client
                .get(format!("{}/health", self.base))
                .timeout(Duration::from_secs(5))
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                self.start_times.push(started.elapsed());
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "server exited ({status}) after {:?} instead of coming up on port {}; its log ends:\n{}",
                    started.elapsed(),
                    self.port,
                    self.log_tail(4000)
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "server not up after 120 s; its log ends:\n{}",
                self.log_tail(4000)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, and how long the server took to exit.
    pub fn terminate(&mut self) -> Duration {
        let mut child = self.child.take().expect("running");
        let started = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        while started.elapsed() < Duration::from_secs(30) {
            if child.try_wait().unwrap().is_some() {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("server ignored SIGTERM for 30 s");
    }

    /// Starts the server again on the same port and data dir.
    pub fn start_again(&mut self) {
        self.spawn();
    }

    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        self.get_as(&self.key, path)
    }

    pub fn get_as(&self, key: &str, path: &str) -> (u16, Value) {
        let r = self
            .client
            .get(self.url(path))
            .header("X-Api-Key", key)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap_or(Value::Null))
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_as(&self.key, path, body)
    }

    pub fn post_as(&self, key: &str, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .header("X-Api-Key", key)
            .json(body)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap_or(Value::Null))
    }

    pub fn upload(&self, path: &str, file: &Path) -> (u16, Value) {
        self.upload_as(&self.key, path, file)
    }

    pub fn upload_as(&self, key: &str, path: &str, file: &Path) -> (u16, Value) {
        let form = multipart::Form::new().file("file", file).unwrap();
        let r = self
            .client
            .post(self.url(path))
            .header("X-Api-Key", key)
            .multipart(form)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap_or(Value::Null))
    }

    pub fn admin_post(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .header("X-Admin-Token", token)
            .json(body)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap_or(Value::Null))
    }

    /// The fingerprint of the server's first key (the one `start` made).
    pub fn fingerprint(&self, admin_token: &str) -> String {
        let keys: Value = self
            .client
            .get(self.url("/v1/admin/keys"))
            .header("X-Admin-Token", admin_token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        keys["keys"][0]["key_fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Polls the job until `done(job)` or the deadline.
    pub fn wait_for(&self, id: &str, seconds: u64, done: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_as(&self.key, id, seconds, done)
    }

    pub fn wait_for_as(
        &self,
        key: &str,
        id: &str,
        seconds: u64,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let (status, job) = self.get_as(key, &format!("/v1/jobs/{id}"));
            assert_eq!(status, 200, "{job}");
            if done(&job) {
                return job;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting on {id}: {job}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn wait_terminal(&self, id: &str, seconds: u64) -> Value {
        self.wait_terminal_as(&self.key, id, seconds)
    }

    pub fn wait_terminal_as(&self, key: &str, id: &str, seconds: u64) -> Value {
        // What the vendor's SDKs wait for (a canceled job reads `failed`).
        self.wait_for_as(key, id, seconds, |j| {
            matches!(j["status"].as_str(), Some("completed" | "failed"))
        })
    }

    /// Creates a job as `key` (it must be a 201) and returns its id.
    pub fn create_job_as(&self, key: &str, body: &Value) -> String {
        let (status, job) = self.post_as(key, "/v1/jobs", body);
        assert_eq!(status, 201, "{job}");
        job["id"].as_str().unwrap().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn clip(name: &str) -> PathBuf {
    let cache = std::env::var_os("VIDMATTE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/vidmatte"));
    let path = cache.join("clips").join(name);
    assert!(
        path.is_file(),
        "{} missing: run scripts/setup.sh",
        path.display()
    );
    path
}

/// carphone's first second (a real person, 176×144).
pub fn carphone_1s(dir: &Path) -> PathBuf {
    carphone_frames(dir, 30)
}

/// carphone's first `frames` frames (30 a second).
pub fn carphone_frames(dir: &Path, frames: u32) -> PathBuf {
    let out = dir.join(format!("carphone_{frames}f.mp4"));
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(clip("carphone_pristine.mp4"))
        .args(["-frames:v", &frames.to_string()])
        .args(["-c:v", "libx264", "-preset", "veryfast"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    out
}

/// Polls `done` every 100 ms until it holds; fails naming `what` after
/// `seconds` (deadlines are generous: they only catch a hang).
pub fn wait_until(seconds: u64, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Decodes a webm (with alpha) and returns (width, height, RGBA frames).
pub fn decode_webm(bytes: &[u8], dir: &Path) -> (u32, u32, Vec<Vec<u8>>) {
    let path = dir.join("download.webm");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-c:v", "libvpx-vp9", "-i"])
        .arg(&path)
        .args(["-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let (w, h) = (176u32, 144u32);
    let frames = out
        .stdout
        .chunks_exact((w * h * 4) as usize)
        .map(<[u8]>::to_vec)
        .collect();
    (w, h, frames)
}

/// Face opaque, top corners transparent (carphone's unambiguous regions).
pub fn assert_person_matted(frames: &[Vec<u8>], width: u32) {
    assert!(!frames.is_empty());
    let alpha = |f: &Vec<u8>, x: u32, y: u32| f[((y * width + x) * 4 + 3) as usize];
    for (i, f) in frames.iter().enumerate() {
        let face = (80..104)
            .flat_map(|x| (56..90).map(move |y| (x, y)))
            .filter(|&(x, y)| alpha(f, x, y) >= 200)
            .count();
        assert!(
            face as f64 >= 0.97 * (24.0 * 34.0),
            "frame {i}: face not opaque"
        );
        let corner = (0..22)
            .flat_map(|x| (0..22).map(move |y| (x, y)))
            .filter(|&(x, y)| alpha(f, x, y) <= 24)
            .count();
        assert!(
            corner as f64 >= 0.97 * 484.0,
            "frame {i}: corner not transparent"
        );
    }
}

pub fn body(json: Value) -> Value {
    json
}

pub fn job_body(video_url: &str) -> Value {
    json!({"video_url": video_url, "model": "human", "output_format": "webm"})
}

/// How many events of `kind` (reserve, charge, release) a
/// `/v1/usage/events` answer lists for the job.
pub fn usage_events_of(events: &Value, job_id: &str, kind: &str) -> usize {
    events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["job_id"] == job_id && e["type"] == kind)
        .count()
}
