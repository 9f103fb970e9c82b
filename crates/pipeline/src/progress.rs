//! Progress reports and per-stage timing.

use std::time::Duration;

use serde::Serialize;

/// Where a run is, reported after every frame.
#[derive(Clone, Debug, Serialize)]
pub struct Progress {
    pub frames_done: u64,
    pub frames_total: u64,
    pub fps: f64,
    pub eta_seconds: Option<f64>,
    /// Seconds of video decoded so far (not what the header claims).
    pub seconds_decoded: f64,
}

impl Progress {
    pub(crate) fn new(
        frames_done: u64,
        frames_total: u64,
        elapsed: Duration,
        seconds_decoded: f64,
    ) -> Self {
        let secs = elapsed.as_secs_f64();
        let fps = if secs > 0.0 {
            frames_done as f64 / secs
        } else {
            0.0
        };
        let eta_seconds =
            (fps > 0.0).then(|| frames_total.saturating_sub(frames_done) as f64 / fps);
        Self {
            frames_done,
            frames_total,
            fps,
            eta_seconds,
            seconds_decoded,
        }
    }

    /// 0..100.
    pub fn percent(&self) -> f64 {
        if self.frames_total == 0 {
            0.0
        } else {
            (self.frames_done as f64 * 100.0 / self.frames_total as f64).min(100.0)
        }
    }
}

/// Busy time of each stage: how much of the run each one spent working
/// (rather than waiting on its neighbours). Serialised as seconds
/// (`decode_seconds`, …).
#[derive(Clone, Debug, Default, Serialize)]
pub struct StageStats {
    #[serde(rename = "decode_seconds", serialize_with = "seconds")]
    pub decode: Duration,
    #[serde(rename = "segment_seconds", serialize_with = "seconds")]
    pub segment: Duration,
    #[serde(rename = "composite_seconds", serialize_with = "seconds")]
    pub composite: Duration,
    #[serde(rename = "encode_seconds", serialize_with = "seconds")]
    pub encode: Duration,
}

/// A duration as seconds (a float), for reports people and scripts read.
pub fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
