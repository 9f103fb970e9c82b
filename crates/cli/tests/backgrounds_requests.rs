//! What a job's background, composition and preview may be, through the
//! real server and the command line: every wrong value a 400 naming its
//! `param`, the colour forms the vendor's guide allows, background pictures
//! and clips by URL under the address rules, and the CLI's flags.

mod support;

use std::process::Command;

use serde_json::{json, Value};
use support::frames::*;
use support::origin::origin;
use support::*;

/// carphone is 176×144.
const W: usize = 176;
const H: usize = 144;

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
    let bytes = download(&server, &job);
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
    let bytes = download(&server, &done);
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
