//! What one run is asked to do, and the checks made before any work starts.

use std::path::PathBuf;
use std::time::Duration;

use vidmatte_media::{OutputFormat, ProbeLimits, Scene};
use vidmatte_ml::{ModelKind, Precision, SegmenterOptions};

use crate::{PipelineError, Render};

#[derive(Clone, Debug)]
pub struct ProcessRequest {
    pub input: PathBuf,
    pub output: PathBuf,
    pub model: ModelKind,
    pub format: OutputFormat,
    /// Backdrop and placement; a plain colour or transparency by default.
    pub scene: Scene,
    /// The composite, or the matte or foreground alone (opaque: set an
    /// opaque scene, `ProcessRequest::render_only` does).
    pub render: Render,
    /// Processes only the first this many seconds (a preview).
    pub preview_seconds: Option<f64>,
    /// Only for `pro`.
    pub prompt: Option<String>,
    /// Inference threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Float weights or int8 copies (ISNet, in original and pro).
    pub precision: Precision,
    /// Temporal smoothing for per-frame models (original, light).
    pub smoothing: bool,
    /// Also write the matte here (lossless greyscale FFV1), for
    /// re-encoding the result later without the model (`StoredMatte`).
    pub keep_matte: Option<PathBuf>,
    /// Segment encoders at once (see `EncodeSpec::encoders`).
    pub encoders: usize,
    /// Frames per segment (`None`: sized to the encoders' queue budget).
    pub segment_frames: Option<usize>,
    pub limits: ProbeLimits,
    /// Wall-clock limit for the whole run (decode and encode processes).
    pub timeout: Duration,
}

impl ProcessRequest {
    pub fn new(
        input: impl Into<PathBuf>,
        output: impl Into<PathBuf>,
        model: ModelKind,
        format: OutputFormat,
    ) -> Self {
        Self {
            input: input.into(),
            output: output.into(),
            model,
            format,
            scene: Scene::from(vidmatte_media::Background::Transparent),
            render: Render::Composite,
            preview_seconds: None,
            prompt: None,
            threads: None,
            precision: Precision::Auto,
            smoothing: true,
            keep_matte: None,
            encoders: vidmatte_media::default_encoders(),
            segment_frames: None,
            limits: ProbeLimits::default(),
            timeout: Duration::from_secs(6 * 3600),
        }
    }

    /// Writes only the matte or only the foreground: opaque frames, so the
    /// scene becomes a plain black one (never seen) and mp4 is allowed.
    pub fn render_only(&mut self, what: Render) {
        self.render = what;
        if what != Render::Composite {
            self.scene = Scene::from(vidmatte_media::Background::BLACK);
        }
    }

    /// How the models run for this request.
    pub fn segmenter_options(&self) -> SegmenterOptions {
        let mut options = SegmenterOptions {
            prompt: self.prompt.clone(),
            ..SegmenterOptions::default()
        };
        if let Some(threads) = self.threads {
            options.threads = threads;
        }
        options.isnet.precision = self.precision;
        options
    }

    /// Rejects combinations that cannot be honoured, before any work starts.
    pub fn validate(&self) -> Result<(), PipelineError> {
        if self.render != Render::Composite
            && self
                .scene
                .plain_background()
                .is_none_or(|bg| bg.color().is_none())
        {
            return Err(PipelineError::Invalid {
                param: "background",
                message: "the matte or foreground alone has no background to put it on".into(),
            });
        }
        if self.format == OutputFormat::Mp4 && !self.scene.is_opaque() {
            return Err(PipelineError::Invalid {
                param: "output_format",
                message: "mp4 cannot carry transparency: pick a background colour, or an alpha-capable format (webm, mov, gif, webp, png_sequence)".into(),
            });
        }
        match (&self.prompt, self.model) {
            (Some(_), model) if model != ModelKind::Pro => Err(PipelineError::Invalid {
                param: "text_prompt",
                message: format!("text_prompt is only used by the pro model, not {model}"),
            }),
            (Some(p), _) if p.trim().is_empty() || p.chars().count() > 500 => {
                Err(PipelineError::Invalid {
                    param: "text_prompt",
                    message: "text_prompt must be 1 to 500 characters".into(),
                })
            }
            _ => Ok(()),
        }?;
        match self.preview_seconds {
            Some(s) if !(s > 0.0 && s.is_finite()) => Err(PipelineError::Invalid {
                param: "preview_duration",
                message: "preview_duration must be a positive number of seconds".into(),
            }),
            _ => Ok(()),
        }
    }
}
