//! The job object exactly as the contract shows it (status, output_url and
//! error at the top level, where the vendor's SDKs read them), with signed
//! output URLs. A canceled job reads `status: failed`, `error_code:
//! canceled`, `stage: canceled` (see `JobStatus::reported`). Used by HTTP
//! responses, server-sent events and webhook bodies, which the store
//! renders inside the transaction that records the event.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::clock::{now_ms, rfc3339};
use crate::http::scene::{background_json, composition_json, Render};
use crate::signing::Signer;
use crate::store::{JobRow, JobStatus};
use crate::Config;

pub struct JobView {
    public_url: String,
    output_url_ttl_seconds: i64,
    signer: Arc<Signer>,
}

impl JobView {
    pub fn new(config: &Config, signer: Arc<Signer>) -> Self {
        Self {
            public_url: config.public_url(),
            output_url_ttl_seconds: config.output_url_ttl_seconds,
            signer,
        }
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    pub fn job(&self, job: &JobRow) -> Value {
        let (output_url, output_expires_at) = match (&job.output_path, job.status) {
            (Some(_), JobStatus::Completed) => {
                let expires = now_ms() / 1000 + self.output_url_ttl_seconds;
                (
                    Some(self.output_url(&job.id, expires)),
                    Some(rfc3339(expires * 1000)),
                )
            }
            _ => (None, None),
        };
        let parse =
            |text: &str, fallback: Value| serde_json::from_str::<Value>(text).unwrap_or(fallback);
        let render = Render::parse(&job.render);
        let bg_color = job
            .bg_color
            .as_deref()
            .and_then(|c| serde_json::from_str::<[u8; 3]>(c).ok());
        json!({
            "success": true,
            "id": job.id,
            "object": "job",
            "status": job.status.reported(),
            "stage": job.status.reported_stage(job.stage),
            "progress": job.progress,
            "queue_position": null,
            "model": job.model,
            "text_prompt": job.text_prompt,
            "output_format": job.output_format,
            "bg_type": job.bg_type,
            "bg_color": job.bg_color.as_deref().map(|c| parse(c, Value::Null)),
            "background": background_json(&job.bg_type, bg_color, &render),
            "composition": render.composition.as_ref().map(composition_json),
            "preview": render.preview_duration.is_some(),
            "preview_duration": render.preview_duration,
            "matte_of": render.matte_of,
            "video_url": job.video_url,
            "webhook_url": job.webhook_url,
            "metadata": parse(&job.metadata, json!({})),
            "output_url": output_url,
            "output_expires_at": output_expires_at,
            "error": job.error,
            "error_code": job.error_code,
            "warnings": parse(&job.warnings, json!([])),
            "duration_seconds": job.duration_seconds,
            "width": job.width,
            "height": job.height,
            "fps": job.fps,
            "frames": job.frames,
            "credits_estimated": job.credits_estimated,
            "credits_charged": job.credits_charged,
            "billing_status": job.billing_status,
            "webhook_events": parse(&job.webhook_events, json!({})),
            "created_at": rfc3339(job.created_at),
            "started_at": job.started_at.map(rfc3339),
            "completed_at": job.completed_at.map(rfc3339),
        })
    }

    pub fn output_url(&self, job_id: &str, expires: i64) -> String {
        format!(
            "{}/v1/jobs/{job_id}/output?expires={expires}&signature={}",
            self.public_url,
            self.signer.sign(job_id, expires)
        )
    }
}
