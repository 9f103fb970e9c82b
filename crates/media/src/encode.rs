//! Encoding frames into the six output formats, with the source's audio
//! where the container takes it. Output is written to a temporary file next
//! to the destination and renamed into place only when complete.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ChildStdin;
use std::time::Duration;

use tempfile::{NamedTempFile, TempDir};

use crate::process::{args, Process};
use crate::segments::{segment_frames, SegmentCommand, Segments};
use crate::{Cancel, MediaError, OutputFormat, Rational, Scene, INPUT_FORMATS};

#[derive(Clone, Debug)]
pub struct EncodeSpec {
    pub format: OutputFormat,
    pub width: u32,
    pub height: u32,
    pub fps: Rational,
    /// The input file, to take its first audio stream from.
    pub audio_source: Option<PathBuf>,
    /// The source audio codec; AAC is copied into mov/mp4 as is.
    pub audio_codec: Option<String>,
    /// The video's duration: audio beyond it is dropped, so the output is
    /// exactly as long as the frames.
    pub duration_seconds: f64,
    /// What the foreground is laid over, and where. A plain colour or
    /// transparency comes composited already (and fills the padding an
    /// even-sized mp4 needs); anything else is composited by ffmpeg.
    pub scene: Scene,
    /// Pixel limit for decoding a background image or clip.
    pub max_pixels: u64,
    pub timeout: Duration,
    /// Encoders run at once on keyframe-aligned segments, joined without
    /// re-encoding (webm, mov, mp4 over a plain background); 1 streams
    /// into one encoder.
    pub encoders: usize,
    /// Frames per segment; `None` sizes segments to the queue budget
    /// ([`segment_frames`]).
    pub segment_frames: Option<usize>,
}

/// Segment encoders for this machine: one per four cores (each encoder
/// threads too), and 1 on small machines, where one stream is as fast.
/// ffmpeg's arguments for raw `pix_fmt` frames of `size` on stdin.
pub(crate) fn raw_input(pix_fmt: &str, (width, height): (u32, u32), fps: Rational) -> Vec<String> {
    vec![
        "-nostdin".to_string(),
        "-hide_banner".into(),
        "-loglevel".into(),
        "error".into(),
        "-f".into(),
        "rawvideo".into(),
        "-pix_fmt".into(),
        pix_fmt.into(),
        "-s".into(),
        format!("{width}x{height}"),
        "-framerate".into(),
        fps.to_string(),
        "-i".into(),
        "pipe:0".into(),
    ]
}

pub fn default_encoders() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() / 4)
        .unwrap_or(1)
        .max(1)
}

impl EncodeSpec {
    /// Frames this encoder takes: RGBA where the format keeps alpha, RGB otherwise.
    pub fn bytes_per_pixel(&self) -> usize {
        if self.format.carries_alpha() || self.scene.plain_background().is_none() {
            4
        } else {
            3
        }
    }

    /// Whether segments can be joined by the concat demuxer: a format with
    /// independent keyframes and no scene input that runs with time.
    fn segmentable(&self) -> bool {
        matches!(
            self.format,
            OutputFormat::Webm | OutputFormat::Mov | OutputFormat::Mp4
        ) && !self.composed()
    }

    /// The raw frames on stdin, as ffmpeg's first input.
    fn raw_input_args(&self) -> Vec<String> {
        let raw_pix_fmt = if self.bytes_per_pixel() == 4 {
            "rgba"
        } else {
            "rgb24"
        };
        raw_input(raw_pix_fmt, (self.width, self.height), self.fps)
    }

    /// The source as input number `index`, cut to the video's duration,
    /// when the format takes its audio.
    fn audio_input_args(&self, index: usize) -> (Vec<std::ffi::OsString>, Option<usize>) {
        match (&self.audio_source, self.format.carries_audio()) {
            (Some(source), true) => {
                let mut argv = args([
                    "-protocol_whitelist".to_string(),
                    "file".into(),
                    "-format_whitelist".into(),
                    INPUT_FORMATS.into(),
                    "-t".into(),
                    format!("{:.3}", self.duration_seconds.max(0.001)),
                    "-i".into(),
                ]);
                argv.push(source.as_os_str().to_owned());
                (argv, Some(index))
            }
            _ => (Vec::new(), None),
        }
    }

    /// Frames come straight (not composited) and ffmpeg lays them out.
    fn composed(&self) -> bool {
        self.scene.plain_background().is_none()
    }

    /// `-filter_complex` for a composed scene (and for GIF's palette),
    /// ending in `[v]`; `None` maps input 0 as is.
    fn graph(&self) -> Option<String> {
        let gif = "split[a][b];[a]palettegen=reserve_transparent=1:stats_mode=single[p];[b][p]paletteuse=new=1:alpha_threshold=128[v]";
        match (self.composed(), self.format) {
            (true, OutputFormat::Gif) => Some(format!(
                "{};[scene]{gif}",
                self.scene
                    .graph(self.width, self.height, self.fps, self.format)
            )),
            (true, _) => Some(format!(
                "{};[scene]null[v]",
                self.scene
                    .graph(self.width, self.height, self.fps, self.format)
            )),
            (false, OutputFormat::Gif) => Some(format!("[0:v]{gif}")),
            (false, _) => None,
        }
    }

    fn video_args(&self, output: &Path) -> Vec<String> {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let mut out = match self.format {
            OutputFormat::Webm => [
                self.even_size_padding().as_slice(),
                &s(&[
                    "-c:v",
                    "libvpx-vp9",
                    "-pix_fmt",
                    "yuva420p",
                    "-deadline",
                    "realtime",
                    "-cpu-used",
                    "8",
                    "-row-mt",
                    "1",
                    "-b:v",
                    "0",
                    "-crf",
                    "30",
                    "-auto-alt-ref",
                    "0",
                    "-f",
                    "webm",
                ]),
            ]
            .concat(),
            OutputFormat::Mov => s(&[
                "-c:v",
                "prores_ks",
                "-profile:v",
                "4444",
                "-pix_fmt",
                "yuva444p10le",
                "-vendor",
                "apl0",
                "-f",
                "mov",
            ]),
            OutputFormat::Mp4 => {
                let fill = self.scene.plain_background().and_then(|b| b.color());
                let [r, g, b] = fill.unwrap_or([0, 0, 0]);
                let mut v = s(&[
                    "-c:v",
                    "libx264",
                    "-preset",
                    "veryfast",
                    "-crf",
                    "20",
                    "-pix_fmt",
                    "yuv420p",
                    "-movflags",
                    "+faststart",
                    "-f",
                    "mp4",
                ]);
                if !self.composed() && (self.width % 2 == 1 || self.height % 2 == 1) {
                    v.push("-vf".into());
                    v.push(format!(
                        "pad=ceil(iw/2)*2:ceil(ih/2)*2:0:0:0x{r:02x}{g:02x}{b:02x}"
                    ));
                }
                v
            }
            OutputFormat::Gif => s(&["-loop", "0", "-f", "gif"]),
            OutputFormat::Webp => s(&[
                "-c:v",
                "libwebp_anim",
                "-pix_fmt",
                "yuva420p",
                "-quality",
                "80",
                "-loop",
                "0",
                "-f",
                "webp",
            ]),
            OutputFormat::PngSequence => s(&["-c:v", "png", "-pix_fmt", "rgba", "-f", "image2"]),
        };
        out.push("-y".into());
        out.push(output.to_string_lossy().into_owned());
        out
    }

    /// libvpx drops an odd row/column; pad with transparent pixels instead.
    fn even_size_padding(&self) -> Vec<String> {
        if !self.composed() && (self.width % 2 == 1 || self.height % 2 == 1) {
            vec![
                "-vf".into(),
                "pad=ceil(iw/2)*2:ceil(ih/2)*2:0:0:color=black@0".into(),
            ]
        } else {
            Vec::new()
        }
    }

    /// Maps the video (`[v]` of the graph, or input 0) and the audio of
    /// input `audio_input`, when the format takes audio.
    fn map_args(&self, audio_input: Option<usize>) -> Vec<String> {
        let video = if self.graph().is_some() {
            "[v]"
        } else {
            "0:v:0"
        };
        let mut out = vec!["-map".to_string(), video.to_string()];
        if let Some(input) = audio_input {
            out.push("-map".into());
            out.push(format!("{input}:a:0?"));
            out.extend(self.audio_codec_args().into_iter().map(String::from));
        }
        out
    }

    fn audio_codec_args(&self) -> Vec<&'static str> {
        match self.format {
            OutputFormat::Webm => vec!["-c:a", "libopus", "-b:a", "128k"],
            OutputFormat::Mov | OutputFormat::Mp4 if self.audio_codec.as_deref() == Some("aac") => {
                vec!["-c:a", "copy"]
            }
            OutputFormat::Mov | OutputFormat::Mp4 => vec!["-c:a", "aac", "-b:a", "160k"],
            _ => Vec::new(),
        }
    }
}

/// Where frames go: one ffmpeg, or segments on several.
enum Sink {
    Stream {
        process: Option<Process>,
        stdin: Option<ChildStdin>,
    },
    Segments(Segments),
}

/// A running encoder; drop it to abandon the output.
pub struct FrameEncoder {
    spec: EncodeSpec,
    sink: Sink,
    cancel: Cancel,
    destination: PathBuf,
    /// The file being written (a zip for PNG sequences), renamed into place on finish.
    partial: NamedTempFile,
    png_frames: Option<TempDir>,
}

impl FrameEncoder {
    pub fn create(
        spec: EncodeSpec,
        destination: &Path,
        cancel: &Cancel,
    ) -> Result<Self, MediaError> {
        let dir = destination
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let partial = tempfile::Builder::new()
            .prefix(".vidmatte-")
            .suffix(&format!(".{}", spec.format.extension()))
            .tempfile_in(dir)
            .map_err(|e| {
                // tempfile's error names its hidden file; the OS error alone
                // says why, next to the output the caller named.
                let text = e.to_string();
                let reason = text.split(" at path ").next().unwrap_or(&text);
                let cause = std::io::Error::new(e.kind(), reason.to_string());
                MediaError::io(format!("cannot write {}", destination.display()), cause)
            })?;
        let png_frames = if spec.format == OutputFormat::PngSequence {
            Some(
                tempfile::Builder::new()
                    .prefix(".vidmatte-frames-")
                    .tempdir_in(dir)
                    .map_err(|e| {
                        MediaError::io(format!("creating a folder in {}", dir.display()), e)
                    })?,
            )
        } else {
            None
        };
        let target = match &png_frames {
            Some(frames) => frames.path().join("frame_%06d.png"),
            None => partial.path().to_path_buf(),
        };
        if spec.encoders > 1 && spec.segmentable() {
            let frame_bytes = spec.width as usize * spec.height as usize * spec.bytes_per_pixel();
            let per_segment = spec
                .segment_frames
                .unwrap_or_else(|| segment_frames(frame_bytes, spec.encoders, spec.fps.as_f64()));
            let mut input = args(spec.raw_input_args());
            input.extend(args(["-map", "0:v:0"]));
            // The codec arguments end in the output, which each segment names.
            let mut video = spec.video_args(Path::new(""));
            video.pop();
            let command = SegmentCommand {
                input,
                video,
                extension: spec.format.extension(),
                timeout: spec.timeout,
            };
            let segments = Segments::new(command, dir, spec.encoders, per_segment, cancel)?;
            return Ok(Self {
                spec,
                sink: Sink::Segments(segments),
                destination: destination.to_path_buf(),
                partial,
                png_frames,
                cancel: cancel.clone(),
            });
        }
        let mut argv = args(spec.raw_input_args());
        let mut inputs = 1;
        if spec.composed() {
            argv.extend(spec.scene.inputs(spec.max_pixels));
            inputs += usize::from(spec.scene.has_input());
        }
        let (audio, audio_input) = spec.audio_input_args(inputs);
        argv.extend(audio);
        if let Some(graph) = spec.graph() {
            argv.extend(args(["-filter_complex".to_string(), graph]));
        }
        argv.extend(args(spec.map_args(audio_input)));
        argv.extend(args(spec.video_args(&target)));
        let (process, pipes) = Process::spawn("ffmpeg", &argv, true, false, spec.timeout, cancel)?;
        Ok(Self {
            spec,
            sink: Sink::Stream {
                process: Some(process),
                stdin: pipes.stdin,
            },
            destination: destination.to_path_buf(),
            partial,
            png_frames,
            cancel: cancel.clone(),
        })
    }

    pub fn spec(&self) -> &EncodeSpec {
        &self.spec
    }

    /// Writes one frame: `width × height × bytes_per_pixel()` bytes.
    pub fn write_frame(&mut self, frame: &[u8]) -> Result<(), MediaError> {
        let (process, stdin) = match &mut self.sink {
            Sink::Segments(segments) => return segments.write_frame(frame),
            Sink::Stream { process, stdin } => (process, stdin),
        };
        let pipe = stdin.as_mut().ok_or(MediaError::Canceled)?;
        if let Err(e) = pipe.write_all(frame) {
            // ffmpeg died: its own error says why.
            *stdin = None;
            let err = match process.take().map(Process::wait) {
                Some(Err(err)) => err,
                _ => MediaError::io("writing frames to ffmpeg", e),
            };
            return Err(self.named(err));
        }
        Ok(())
    }

    /// An error that names the hidden partial file names the output the
    /// caller asked for instead (that is the file they know).
    fn named(&self, err: MediaError) -> MediaError {
        err.naming(self.partial.path(), &self.destination)
    }

    /// The segments encoded in parallel (0 when streaming into one encoder).
    pub fn segments(&self) -> usize {
        match &self.sink {
            Sink::Segments(s) => s.count(),
            Sink::Stream { .. } => 0,
        }
    }

    /// Joins the segments (and the source's audio) into the partial file.
    fn join(&self, list: &Path) -> Result<(), MediaError> {
        let spec = &self.spec;
        let mut argv = args([
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
        ]);
        argv.push(list.as_os_str().to_owned());
        let (audio, audio_input) = spec.audio_input_args(1);
        argv.extend(audio);
        argv.extend(args(spec.map_args(audio_input)));
        argv.extend(args(["-c:v", "copy"]));
        if spec.format == OutputFormat::Mp4 {
            argv.extend(args(["-movflags", "+faststart"]));
        }
        argv.extend(args(["-f", spec.format.as_str(), "-y"]));
        argv.push(self.partial.path().as_os_str().to_owned());
        let (process, _) =
            Process::spawn("ffmpeg", &argv, false, false, spec.timeout, &self.cancel)?;
        process.wait()
    }

    /// Ends the stream, waits for ffmpeg and moves the output into place.
    pub fn finish(self) -> Result<PathBuf, MediaError> {
        let (partial, destination) = (self.partial.path().to_owned(), self.destination.clone());
        self.finish_inner()
            .map_err(|err| err.naming(&partial, &destination))
    }

    fn finish_inner(mut self) -> Result<PathBuf, MediaError> {
        match &mut self.sink {
            Sink::Stream { process, stdin } => {
                drop(stdin.take());
                if let Some(process) = process.take() {
                    process.wait()?;
                }
            }
            Sink::Segments(segments) => {
                let list = segments.finish()?;
                self.join(&list)?;
            }
        }
        if let Some(frames) = &self.png_frames {
            crate::png_zip::zip_frames(frames.path(), self.partial.as_file_mut())?;
        }
        // The temp file was made owner-only; the output is an ordinary file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(self.partial.path(), std::fs::Permissions::from_mode(0o644))
                .map_err(|e| MediaError::io("setting the output's permissions", e))?;
        }
        self.partial.persist(&self.destination).map_err(|e| {
            MediaError::io(
                format!("moving the output to {}", self.destination.display()),
                e.error,
            )
        })?;
        Ok(self.destination)
    }
}
