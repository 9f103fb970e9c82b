//! Backgrounds beyond a colour, composition and previews through the real
//! server: real uploads (a PNG picture, real clips), the real `human` model,
//! real ffmpeg, and every output decoded back and compared pixel by pixel.

mod support;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use support::frames::*;
use support::*;

/// carphone is 176×144; ProRes 4444 keeps alpha and is near lossless.
const W: usize = 176;
const H: usize = 144;

/// Runs a job on `video_url` with `extra` settings to completion and
/// returns the finished job and its output decoded as RGBA frames of
/// `width × height`.
fn run(
    server: &Server,
    dir: &Path,
    video_url: &str,
    extra: Value,
    (width, height): (usize, usize),
) -> (Value, Vec<Vec<u8>>) {
    let mut body = json!({"video_url": video_url, "model": "human", "output_format": "mov"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let id = server.create_job_as(&server.key, &body);
    let job = server.wait_terminal(&id, 600);
    assert_eq!(job["status"], "completed", "{job}");
    let bytes = download(server, &job);
    let path = dir.join(format!("{id}.mov"));
    std::fs::write(&path, &bytes).unwrap();
    (job, decode(&path, width, height))
}

struct Fixture {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    server: Server,
    clip: PathBuf,
    video: String,
    /// The person matted over transparency: the reference α and colours.
    plain: Vec<Vec<u8>>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let server = Server::start(&path.join("data"), &[]);
    let clip = carphone_frames(&path, 20);
    let video = upload(&server, &clip)["video_url"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, plain) = run(&server, &path, &video, json!({}), (W, H));
    assert_eq!(plain.len(), 20);
    Fixture {
        _dir: dir,
        dir: path,
        server,
        clip,
        video,
        plain,
    }
}

/// How many of `pixels` have every colour channel of `a` within
/// `tolerance` of `b`'s (both RGBA).
fn matching(a: &[u8], b: &[u8], pixels: &[usize], tolerance: u8) -> usize {
    pixels
        .iter()
        .filter(|&&i| close(&a[i * 4..i * 4 + 3], &b[i * 4..i * 4 + 3], tolerance))
        .count()
}

/// Pixels of frame `f` where the reference α is exactly `alpha`.
fn pixels_where(plain: &[Vec<u8>], f: usize, alpha: u8) -> Vec<usize> {
    (0..W * H)
        .filter(|&i| plain[f][i * 4 + 3] == alpha)
        .collect()
}

#[test]
fn an_image_background_shows_the_picture_where_alpha_was_0_and_the_subject_where_it_was_1() {
    let fx = fixture();
    let picture = fx.dir.join("picture.png");
    ffmpeg(
        &["-f", "lavfi", "-i", "testsrc2=s=176x144", "-frames:v", "1"],
        &picture,
    );
    let up = upload(&fx.server, &picture);
    assert_eq!(up["kind"], "image", "{up}");
    assert_eq!(
        (up["width"].as_u64(), up["height"].as_u64()),
        (Some(176), Some(144))
    );
    let image = decode(&picture, W, H).remove(0);
    let (job, frames) = run(
        &fx.server,
        &fx.dir,
        &fx.video,
        json!({"background": {"type": "image", "image_url": up["video_url"]}}),
        (W, H),
    );
    assert_eq!(job["background"]["type"], "image");
    assert_eq!(job["background"]["fit"], "cover");
    assert_eq!(job["bg_type"], "image");
    assert_eq!(frames.len(), fx.plain.len());
    for (f, frame) in frames.iter().enumerate() {
        let (bg, fg) = (
            pixels_where(&fx.plain, f, 0),
            pixels_where(&fx.plain, f, 255),
        );
        assert!(
            bg.len() > 2000 && fg.len() > 2000,
            "frame {f}: {} / {}",
            bg.len(),
            fg.len()
        );
        let picture_shows = matching(frame, &image, &bg, 12);
        let subject_shows = matching(frame, &fx.plain[f], &fg, 12);
        assert!(
            picture_shows * 100 >= bg.len() * 98,
            "frame {f}: picture at {picture_shows}/{}",
            bg.len()
        );
        assert!(
            subject_shows * 100 >= fg.len() * 98,
            "frame {f}: subject at {subject_shows}/{}",
            fg.len()
        );
        assert!(
            frame.chunks_exact(4).all(|p| p[3] == 255),
            "frame {f} is not opaque"
        );
    }
}

#[test]
fn blur_leaves_the_subject_sharp_and_the_background_soft() {
    let fx = fixture();
    let (job, frames) = run(
        &fx.server,
        &fx.dir,
        &fx.video,
        json!({"bg_type": "blur", "bg_blur_radius": 20}),
        (W, H),
    );
    assert_eq!(job["background"], json!({"type": "blur", "radius": 20}));
    let source = decode(&fx.clip, W, H);
    // Horizontal detail: mean |Δ| between neighbours over the given pixels.
    let detail = |frame: &[u8], pixels: &[usize]| {
        let sum: u64 = pixels
            .iter()
            .filter(|&&i| i % W + 1 < W)
            .map(|&i| u64::from(frame[i * 4 + 1].abs_diff(frame[(i + 1) * 4 + 1])))
            .sum();
        sum as f64 / pixels.len().max(1) as f64
    };
    for (f, frame) in frames.iter().enumerate() {
        let (bg, fg) = (
            pixels_where(&fx.plain, f, 0),
            pixels_where(&fx.plain, f, 255),
        );
        let sharp = matching(frame, &fx.plain[f], &fg, 12);
        assert!(
            sharp * 100 >= fg.len() * 98,
            "frame {f}: subject changed at {}",
            fg.len() - sharp
        );
        let (blurred, original) = (detail(frame, &bg), detail(&source[f], &bg));
        assert!(
            blurred < original * 0.5,
            "frame {f}: background detail {blurred:.2} vs {original:.2} in the source"
        );
        assert!(
            frame.chunks_exact(4).all(|p| p[3] == 255),
            "frame {f} is not opaque"
        );
    }
}

#[test]
fn a_video_background_is_looped_to_the_foregrounds_length() {
    let fx = fixture();
    // 8 frames at the foreground's rate whose every pixel changes from
    // frame to frame: a loop shows the same background every 8 frames, and
    // a different one in between.
    let clip = fx.dir.join("pattern.mp4");
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=176x144:r=30,format=rgb24,geq=r='N*30':g='X':b='Y+N*10'",
            "-frames:v",
            "8",
            "-pix_fmt",
            "yuv444p",
            "-crf",
            "0",
            "-c:v",
            "libx264",
        ],
        &clip,
    );
    let up = upload(&fx.server, &clip);
    assert_eq!(up["kind"], "video");
    let (job, frames) = run(
        &fx.server,
        &fx.dir,
        &fx.video,
        json!({"background": {"type": "video", "video_url": up["video_url"], "fit": "stretch"}}),
        (W, H),
    );
    assert_eq!(job["background"]["type"], "video");
    assert_eq!(job["background"]["fit"], "stretch");
    assert_eq!(
        frames.len(),
        20,
        "cut or looped to the foreground's 20 frames"
    );
    let same = |a: usize, b: usize| {
        let both: Vec<usize> = pixels_where(&fx.plain, a, 0)
            .into_iter()
            .filter(|&i| fx.plain[b][i * 4 + 3] == 0)
            .collect();
        let equal = matching(&frames[a], &frames[b], &both, 10);
        equal as f64 / both.len().max(1) as f64
    };
    for f in 0..12 {
        assert!(
            same(f, f + 8) > 0.97,
            "frame {f} and {} differ: {}",
            f + 8,
            same(f, f + 8)
        );
        assert!(
            same(f, f + 4) < 0.8,
            "frame {f} and {} are alike: {}",
            f + 4,
            same(f, f + 4)
        );
    }
}

#[test]
fn a_canvas_with_bottom_center_at_half_scale_puts_the_subject_in_the_bottom_middle() {
    let fx = fixture();
    let (job, frames) = run(
        &fx.server,
        &fx.dir,
        &fx.video,
        json!({"composition": {"canvas": {"width": 640, "height": 360},
                               "foreground": {"anchor": "bottom-center", "scale": 0.5}}}),
        (640, 360),
    );
    assert_eq!(job["composition"]["foreground"]["anchor"], "bottom-center");
    assert_eq!(
        job["composition"]["canvas"],
        json!({"width": 640, "height": 360})
    );
    // 176×144 fitted in 640×360 is 440×360; half of it, 220×180, at
    // x = 210, y = 180.
    for (f, frame) in frames.iter().enumerate() {
        let (mut mass, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for y in 0..360 {
            for x in 0..640 {
                let a = f64::from(frame[(y * 640 + x) * 4 + 3]);
                let inside = (210..430).contains(&x) && (180..360).contains(&y);
                assert!(
                    inside || a == 0.0,
                    "frame {f}: α {a} at ({x}, {y}), off the subject's place"
                );
                mass += a;
                sx += a * x as f64;
                sy += a * y as f64;
            }
        }
        let (cx, cy) = (sx / mass, sy / mass);
        assert!(mass > 255.0 * 5000.0, "frame {f}: the subject is missing");
        assert!(
            (640.0 / 3.0..1280.0 / 3.0).contains(&cx) && (240.0..360.0).contains(&cy),
            "frame {f}: the subject's mass is at ({cx:.0}, {cy:.0}), not in the bottom-centre cell"
        );
    }
}

#[test]
fn a_one_second_preview_of_a_four_second_clip_is_one_second_long_and_charged_one_second() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let clip = carphone_frames(dir.path(), 120);
    let up = upload(&server, &clip);
    let id = server.create_job_as(
        &server.key,
        &json!({"video_url": up["video_url"], "model": "human", "output_format": "webm", "preview_duration": 1}),
    );
    let job = server.wait_terminal(&id, 600);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["preview"], true);
    assert_eq!(job["preview_duration"], 1.0);
    // human is 45 credits a minute: 1 s costs 1 credit, 4 s would cost 3.
    assert_eq!(job["credits_charged"], 1, "{job}");
    assert!(
        (job["duration_seconds"].as_f64().unwrap() - 1.0).abs() < 0.05,
        "{job}"
    );
    assert_eq!(job["frames"], 30, "{job}");
    let bytes = download(&server, &job);
    let (_, _, frames) = decode_webm(&bytes, dir.path());
    assert_eq!(frames.len(), 30);
    let (_, events) = server.get("/v1/usage/events");
    let charged: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["job_id"] == id.as_str() && e["type"] == "charge")
        .collect();
    assert_eq!(charged.len(), 1, "{events}");
    assert_eq!(charged[0]["credits"], 1);
}
