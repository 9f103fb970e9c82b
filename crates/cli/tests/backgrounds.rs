//! Backgrounds beyond a colour, composition and previews through the real
//! server: real uploads (a PNG picture, real clips), the real `human` model,
//! real ffmpeg, and every output downloaded and decoded back.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use support::*;

/// carphone is 176×144; ProRes 4444 keeps alpha and is near lossless.
const W: usize = 176;
const H: usize = 144;

fn ffmpeg(args: &[&str], out: &Path) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg {args:?}");
}

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
    let bytes = server
        .client
        .get(job["output_url"].as_str().unwrap())
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let path = dir.join(format!("{id}.mov"));
    std::fs::write(&path, &bytes).unwrap();
    (job, decode(&path, width, height))
}

fn decode(path: &Path, width: usize, height: usize) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
        .chunks_exact(width * height * 4)
        .map(<[u8]>::to_vec)
        .collect()
}

fn upload(server: &Server, file: &Path) -> Value {
    let (status, up) = server.upload("/v1/uploads", file);
    assert_eq!(status, 201, "{up}");
    up
}

/// POST as the server's key, waiting out the key's rate limit (this test
/// sends more requests than one burst allows).
fn post(server: &Server, path: &str, body: &Value) -> (u16, Value) {
    loop {
        let (status, answer) = server.post(path, body);
        if status != 429 {
            return (status, answer);
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

fn close(a: &[u8], b: &[u8], tolerance: u8) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) <= tolerance)
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
        let picture_shows = bg
            .iter()
            .filter(|&&i| close(&frame[i * 4..i * 4 + 3], &image[i * 4..i * 4 + 3], 12))
            .count();
        let subject_shows = fg
            .iter()
            .filter(|&&i| close(&frame[i * 4..i * 4 + 3], &fx.plain[f][i * 4..i * 4 + 3], 12))
            .count();
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
        let sharp = fg
            .iter()
            .filter(|&&i| close(&frame[i * 4..i * 4 + 3], &fx.plain[f][i * 4..i * 4 + 3], 12))
            .count();
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
        let equal = both
            .iter()
            .filter(|&&i| {
                close(
                    &frames[a][i * 4..i * 4 + 3],
                    &frames[b][i * 4..i * 4 + 3],
                    10,
                )
            })
            .count();
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
    let bytes = server
        .client
        .get(job["output_url"].as_str().unwrap())
        .send()
        .unwrap()
        .bytes()
        .unwrap();
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

#[test]
fn every_wrong_background_composition_or_preview_names_its_param() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &[("VIDMATTE_MAX_PIXELS", "2073600")],
    );
    let video = upload(&server, &carphone_frames(dir.path(), 10));
    let picture = dir.path().join("p.png");
    ffmpeg(
        &["-f", "lavfi", "-i", "color=c=red:s=32x32", "-frames:v", "1"],
        &picture,
    );
    let image = upload(&server, &picture);
    let (v, i) = (&video["video_url"], &image["video_url"]);
    let cases = [
        (
            json!({"background": {"type": "image"}}),
            "background.image_url",
        ),
        (
            json!({"background": {"type": "image", "image_url": "http://127.0.0.1/x.png"}}),
            "background.image_url",
        ),
        (
            json!({"background": {"type": "image", "image_url": "https://10.0.0.7/x.png"}}),
            "background.image_url",
        ),
        (
            json!({"bg_type": "video", "bg_video_url": "https://192.168.1.2/bg.mp4"}),
            "background.video_url",
        ),
        (
            json!({"background": {"type": "image", "image_url": "upload://vid_missing"}}),
            "background.image_url",
        ),
        (
            json!({"background": {"type": "image", "image_url": v}}),
            "background.image_url",
        ),
        (
            json!({"background": {"type": "video", "video_url": i}}),
            "background.video_url",
        ),
        (
            json!({"background": {"type": "blur", "radius": 0}}),
            "background.radius",
        ),
        (
            json!({"bg_type": "blur", "bg_blur_radius": 101}),
            "bg_blur_radius",
        ),
        (
            json!({"background": {"type": "image", "image_url": i, "fit": "zoom"}}),
            "background.fit",
        ),
        (json!({"background": {"type": "plaid"}}), "background.type"),
        (
            json!({"background": {"type": "blur"}, "bg_type": "image"}),
            "background",
        ),
        (json!({"background": "green"}), "background"),
        (json!({"bg_color": [255.5, 0, 0]}), "bg_color"),
        (json!({"bg_color": [256, 0, 0]}), "bg_color"),
        (
            json!({"background": {"type": "color", "color": "#12345"}}),
            "background.color",
        ),
        (
            json!({"composition": {"canvas": {"width": 4000, "height": 4000}}}),
            "composition.canvas",
        ),
        (
            json!({"composition": {"canvas": {"width": 640}}}),
            "composition.canvas.height",
        ),
        (
            json!({"composition": {"foreground": {"scale": 0}}}),
            "composition.foreground.scale",
        ),
        (
            json!({"composition": {"foreground": {"scale": 10.5}}}),
            "composition.foreground.scale",
        ),
        (
            json!({"composition": {"foreground": {"anchor": "upside"}}}),
            "composition.foreground.anchor",
        ),
        (
            json!({"composition": {"canvas": {"width": 100, "height": 100}, "foreground": {"offset": {"y": 300}}}}),
            "composition.foreground.offset.y",
        ),
        (json!({"composition": [1]}), "composition"),
        (json!({"preview_duration": 0}), "preview_duration"),
        (json!({"preview_duration": "3"}), "preview_duration"),
        (
            json!({"output_format": "mp4", "composition": {"canvas": {"width": 64, "height": 64}}}),
            "output_format",
        ),
    ];
    for (extra, param) in cases {
        let mut body = json!({"video_url": v, "auto_start": false});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let (status, answer) = post(&server, "/v1/jobs", &body);
        assert_eq!(status, 400, "{extra}: {answer}");
        assert_eq!(
            answer["error"]["code"], "invalid_request",
            "{extra}: {answer}"
        );
        assert_eq!(answer["error"]["param"], param, "{extra}: {answer}");
    }
    // An image upload is not a video.
    let (status, answer) = post(&server, "/v1/jobs", &json!({"video_url": i}));
    assert_eq!(
        (status, answer["error"]["param"].as_str()),
        (400, Some("video_url")),
        "{answer}"
    );
    // The colour forms the vendor's guide allows, and the SDK's floats.
    for (color, rgb) in [
        (json!([255.0, 0.0, 128.0]), [255, 0, 128]),
        (json!("#00ff7f"), [0, 255, 127]),
        (json!([0.0, 0.5, 1.0]), [0, 128, 255]),
    ] {
        let (status, answer) = post(
            &server,
            "/v1/jobs",
            &json!({"video_url": v, "auto_start": false, "background": {"type": "color", "color": color}}),
        );
        assert_eq!(status, 201, "{answer}");
        assert_eq!(answer["job"]["bg_type"], "custom");
        assert_eq!(answer["job"]["bg_color"], json!(rgb));
        assert_eq!(
            answer["job"]["background"],
            json!({"type": "color", "color": rgb})
        );
    }
    let (status, answer) = post(
        &server,
        "/v1/jobs",
        &json!({"video_url": v, "auto_start": false, "bg_color": [255.0, 255.0, 255.0]}),
    );
    assert_eq!(
        (status, &answer["job"]["bg_color"]),
        (201, &json!([255, 255, 255])),
        "{answer}"
    );
    // A draft's start may change the background; mp4 is fine with a picture.
    let (_, draft) = post(
        &server,
        "/v1/jobs",
        &json!({"video_url": v, "auto_start": false}),
    );
    let id = draft["id"].as_str().unwrap();
    let (status, started) = post(
        &server,
        &format!("/v1/jobs/{id}/start"),
        &json!({"output_format": "mp4", "bg_type": "image", "bg_image_url": i, "bg_fit": "stretch",
                "composition": {"canvas": {"width": 320, "height": 180}, "foreground": {"anchor": "left"}}}),
    );
    assert_eq!(status, 200, "{started}");
    assert_eq!(
        started["job"]["background"],
        json!({"type": "image", "image_url": i, "fit": "stretch"})
    );
    let job = server.wait_terminal(id, 600);
    assert_eq!(job["status"], "completed", "{job}");
    let bytes = server
        .client
        .get(job["output_url"].as_str().unwrap())
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let mp4 = dir.path().join("out.mp4");
    std::fs::write(&mp4, &bytes).unwrap();
    let frames = decode(&mp4, 320, 180);
    assert_eq!(frames.len(), 10);
    // The red picture fills the canvas where the subject is not (far right).
    let px = &frames[5][(90 * 320 + 310) * 4..(90 * 320 + 310) * 4 + 3];
    assert!(px[0] > 200 && px[1] < 50 && px[2] < 50, "{px:?}");
}

#[test]
fn the_command_line_takes_the_same_backdrops_canvas_and_preview() {
    let dir = tempfile::tempdir().unwrap();
    let clip = carphone_frames(dir.path(), 30);
    let picture = dir.path().join("p.png");
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=blue:s=64x64",
            "-frames:v",
            "1",
        ],
        &picture,
    );
    let out = dir.path().join("out.mov");
    let run = Command::new(env!("CARGO_BIN_EXE_vidmatte"))
        .arg("process")
        .arg(&clip)
        .arg("-o")
        .arg(&out)
        .args(["--model", "human", "--bg-image"])
        .arg(&picture)
        .args([
            "--canvas",
            "320x180",
            "--anchor",
            "right",
            "--scale",
            "0.5",
            "--offset",
            "-10,0",
            "--preview",
            "0.5",
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let frames = decode(&out, 320, 180);
    assert_eq!(frames.len(), 15, "half a second at 30 fps");
    // 176×144 fitted in 320×180 is 220×180; half is 110×90, right-anchored
    // and moved 10 px left: x 200..310, y 45..135. The blue picture fills
    // the rest, opaque.
    for frame in &frames {
        for (x, y) in [(5, 5), (100, 90), (315, 90), (250, 20), (250, 160)] {
            let p = &frame[(y * 320 + x) * 4..(y * 320 + x) * 4 + 4];
            assert!(
                p[2] > 200 && p[0] < 40 && p[1] < 40 && p[3] == 255,
                "({x}, {y}): {p:?}"
            );
        }
    }
    let refused = Command::new(env!("CARGO_BIN_EXE_vidmatte"))
        .arg("process")
        .arg(&clip)
        .arg("-o")
        .arg(dir.path().join("x.webm"))
        .args(["--bg-blur", "10", "--scale", "20"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--scale"));
}

/// A plain HTTP origin serving `files` by path; `/redirect` points at the
/// cloud metadata address.
fn origin(files: Vec<(&'static str, Vec<u8>)>) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let mut stream = stream;
            let path = request_line.split(' ').nth(1).unwrap_or("");
            match files.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => {
                    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(body);
                }
                None => {
                    let _ = stream.write_all(b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest\r\nContent-Length: 0\r\n\r\n");
                }
            }
        }
    });
    port
}

#[test]
fn background_urls_are_fetched_under_the_address_rules() {
    let dir = tempfile::tempdir().unwrap();
    let picture = dir.path().join("p.png");
    ffmpeg(
        &["-f", "lavfi", "-i", "color=c=red:s=48x48", "-frames:v", "1"],
        &picture,
    );
    let clip = carphone_frames(dir.path(), 10);
    let port = origin(vec![
        ("/bg.png", std::fs::read(&picture).unwrap()),
        ("/clip.mp4", std::fs::read(&clip).unwrap()),
    ]);
    let server = Server::start(
        &dir.path().join("data"),
        &[("VIDMATTE_URL_ALLOWLIST", "127.0.0.1/32")],
    );
    let video = upload(&server, &clip)["video_url"].clone();
    let job_with = |background: Value| {
        let body = json!({"video_url": video, "model": "human", "output_format": "mp4", "background": background});
        let id = server.create_job_as(&server.key, &body);
        server.wait_terminal(&id, 600)
    };
    let done =
        job_with(json!({"type": "image", "image_url": format!("http://127.0.0.1:{port}/bg.png")}));
    assert_eq!(done["status"], "completed", "{done}");
    let bytes = server
        .client
        .get(done["output_url"].as_str().unwrap())
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let mp4 = dir.path().join("out.mp4");
    std::fs::write(&mp4, &bytes).unwrap();
    let frames = decode(&mp4, W, H);
    let corner = &frames[5][..3];
    assert!(
        corner[0] > 200 && corner[1] < 50 && corner[2] < 50,
        "{corner:?}"
    );
    // A redirect to the metadata address is re-checked and refused.
    let refused = job_with(
        json!({"type": "image", "image_url": format!("http://127.0.0.1:{port}/redirect")}),
    );
    assert_eq!(
        (refused["status"].as_str(), refused["error_code"].as_str()),
        (Some("failed"), Some("source_unreachable")),
        "{refused}"
    );
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("background.image_url"),
        "{refused}"
    );
    // A clip is not a picture.
    let wrong = job_with(
        json!({"type": "image", "image_url": format!("http://127.0.0.1:{port}/clip.mp4")}),
    );
    assert_eq!(wrong["error_code"], "unsupported_media_type", "{wrong}");
    // A clip by URL loops behind the subject.
    let looped = job_with(
        json!({"type": "video", "video_url": format!("http://127.0.0.1:{port}/clip.mp4")}),
    );
    assert_eq!(looped["status"], "completed", "{looped}");
    // Outside the allowlist: refused at once, naming the field.
    let (status, answer) = server.post(
        "/v1/jobs",
        &json!({"video_url": video, "background": {"type": "video", "video_url": format!("http://0x7f000002:{port}/clip.mp4")}}),
    );
    assert_eq!(
        (status, answer["error"]["param"].as_str()),
        (400, Some("background.video_url")),
        "{answer}"
    );
}
