//! `vidmatte process` held to ffmpeg's and rembg's habits, on the real
//! binary with real models: overwrite prompts (`-y`, `-n`, a question on a
//! terminal, driven through `script`'s pseudo-terminal), name/format
//! agreement, pictures, folders, stdin/stdout, the matte or foreground
//! alone, reports in seconds, and errors in the CLI's own words.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use support::frames::decode;
use support::*;

fn vidmatte(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `vidmatte process INPUT -o OUTPUT EXTRA…`.
fn process(input: &Path, output: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["process", path(input), "-o", path(output)];
    args.extend_from_slice(extra);
    vidmatte(&args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `command` under a pseudo-terminal (util-linux `script`), typing
/// `typed`; returns (success, everything the terminal showed).
fn on_terminal(command: &str, typed: &str) -> (bool, String) {
    let mut child = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux script");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(typed.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    (out.status.success(), shown)
}

#[test]
fn an_existing_output_is_replaced_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let clip = carphone_frames(dir.path(), 6);
    let out = dir.path().join("out.webm");
    let run = |extra: &[&str]| process(&clip, &out, &[&["--model", "light"], extra].concat());
    let first = run(&[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let log = stderr(&first);
    assert!(
        log.contains("→") && log.contains("model light") && log.contains("wrote"),
        "a header naming input, model and output, then a result line: {log}"
    );
    std::fs::write(&out, b"keep me").unwrap();

    // No terminal and no -y: refused, the file untouched.
    let refused = run(&[]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("pass -y"), "{}", stderr(&refused));
    let never = run(&["-n"]);
    assert!(!never.status.success());
    assert!(stderr(&never).contains("-n"), "{}", stderr(&never));
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");

    // On a terminal it asks: "n" keeps the file, "y" replaces it, and the
    // bar shows a percentage and the elapsed time.
    let command = format!(
        "{BIN} process {} -o {} --model light",
        path(&clip),
        path(&out)
    );
    let (ok, shown) = on_terminal(&command, "n\n");
    assert!(!ok && shown.contains("Overwrite? [y/N]"), "{shown}");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    let (ok, shown) = on_terminal(&command, "y\n");
    assert!(ok, "{shown}");
    assert!(
        shown.contains("100%") && shown.contains("elapsed"),
        "{shown}"
    );
    assert!(std::fs::read(&out).unwrap().len() > 1000);

    let forced = run(&["-y"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(std::fs::read(&out).unwrap().len() > 1000);
}

#[test]
fn mistakes_are_named_in_the_cli_words() {
    let dir = tempfile::tempdir().unwrap();
    let clip = carphone_frames(dir.path(), 3);
    let mp4 = dir.path().join("out.mp4");
    let mismatch = process(&clip, &mp4, &["--format", "webm"]);
    assert!(!mismatch.status.success());
    assert!(
        stderr(&mismatch).contains("--format webm") && stderr(&mismatch).contains("out.mp4"),
        "{}",
        stderr(&mismatch)
    );
    assert!(!mp4.exists(), "nothing written on a mismatch");

    let prompt = vidmatte(&[
        "process",
        path(&clip),
        "-o",
        "x.webm",
        "--model",
        "human",
        "--prompt",
        "dog",
    ]);
    assert!(!prompt.status.success());
    assert!(stderr(&prompt).contains("--prompt"), "{}", stderr(&prompt));
    assert!(
        !stderr(&prompt).contains("text_prompt"),
        "{}",
        stderr(&prompt)
    );

    // An output that cannot be written is named, not its hidden temp file.
    let nowhere = dir.path().join("no/such/folder/out.webm");
    let unwritable = process(&clip, &nowhere, &["--model", "light"]);
    assert!(!unwritable.status.success());
    let log = stderr(&unwritable);
    assert!(
        log.contains(path(&nowhere)) && !log.contains(".vidmatte-"),
        "{log}"
    );

    // A reader that stops early is not a crash (exit 101 was a panic).
    let mut models = Command::new(BIN)
        .args(["models", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(models.stdout.take());
    let done = models.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(!stderr(&done).contains("panicked"), "{}", stderr(&done));
}

#[test]
fn a_picture_is_cut_out_into_one_png() {
    let dir = tempfile::tempdir().unwrap();
    let photo = clip("bus.jpg");
    let cut = dir.path().join("cut.png");
    let run = process(&photo, &cut, &["--model", "human"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let frames = decode(&cut, 810, 1080);
    assert_eq!(frames.len(), 1);
    let alpha: Vec<u8> = frames[0].chunks_exact(4).map(|p| p[3]).collect();
    let kept = alpha.iter().filter(|&&a| a > 200).count() as f64 / alpha.len() as f64;
    let cleared = alpha.iter().filter(|&&a| a < 20).count() as f64 / alpha.len() as f64;
    assert!(
        kept > 0.05 && cleared > 0.3,
        "kept {kept:.3}, cleared {cleared:.3}"
    );

    let mask = dir.path().join("mask.png");
    let run = process(&photo, &mask, &["--model", "human", "--mask"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let grey = &decode(&mask, 810, 1080)[0];
    assert!(grey
        .chunks_exact(4)
        .all(|p| p[0] == p[1] && p[1] == p[2] && p[3] == 255));
    // The matte is the cut-out's alpha.
    let same = grey
        .chunks_exact(4)
        .zip(&alpha)
        .filter(|(p, &a)| p[0].abs_diff(a) <= 1)
        .count();
    assert!(same as f64 > 0.99 * alpha.len() as f64, "{same}");

    let wrong = vidmatte(&["process", path(&photo), "-o", "cut.webm"]);
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains(".png"), "{}", stderr(&wrong));
}

#[test]
fn a_folder_goes_into_a_folder_with_a_line_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let clip = carphone_frames(dir.path(), 4);
    std::fs::copy(&clip, inputs.join("a.mp4")).unwrap();
    std::fs::copy(&clip, inputs.join("b.mov")).unwrap();
    std::fs::copy(support::clip("bus.jpg"), inputs.join("c.jpg")).unwrap();
    std::fs::write(inputs.join("notes.txt"), "not media").unwrap();
    let outputs = dir.path().join("out");
    let run = process(&inputs, &outputs, &["--model", "light"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let log = stderr(&run);
    for name in ["a.webm", "b.webm", "c.png"] {
        assert!(outputs.join(name).metadata().unwrap().len() > 100, "{name}");
    }
    assert!(log.contains("[1/3]") && log.contains("[3/3]"), "{log}");
    assert!(log.contains("3 written, 0 skipped, 0 failed"), "{log}");

    let again = process(&inputs, &outputs, &["-n"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("0 written, 3 skipped"),
        "{}",
        stderr(&again)
    );

    // Several inputs, one of them junk: the others are written, the run
    // fails and says which.
    let junk = dir.path().join("junk.mp4");
    std::fs::write(&junk, [7u8; 4096]).unwrap();
    let mixed = dir.path().join("mixed");
    let run = vidmatte(&[
        "process",
        path(&clip),
        path(&junk),
        "-o",
        path(&mixed),
        "--model",
        "light",
        "--format",
        "mov",
    ]);
    assert!(!run.status.success());
    let log = stderr(&run);
    assert!(
        log.contains("junk.mp4: failed") && log.contains("1 written"),
        "{log}"
    );
    assert!(mixed.join("carphone_4f.mov").is_file());
}

#[test]
fn stdin_stdout_the_matte_and_the_foreground() {
    let dir = tempfile::tempdir().unwrap();
    let clip = carphone_frames(dir.path(), 5);

    // `-` in and out: a WebM on stdout from a video on stdin.
    let mut child = Command::new(BIN)
        .args([
            "process", "-", "-o", "-", "--format", "webm", "--model", "light",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(&clip).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || stdin.write_all(&bytes));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (w, h, frames) = decode_webm(&out.stdout, dir.path());
    assert_eq!((w, h, frames.len()), (176, 144, 5));

    // The matte alone, as opaque grey, even in an mp4.
    let mask = dir.path().join("mask.mp4");
    let run = process(&clip, &mask, &["--model", "human", "--mask"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let grey = decode(&mask, 176, 144);
    assert_eq!(grey.len(), 5);
    for frame in &grey {
        assert!(frame
            .chunks_exact(4)
            .all(|p| p[0].abs_diff(p[1]) <= 3 && p[1].abs_diff(p[2]) <= 3 && p[3] == 255));
        assert!(
            frame.chunks_exact(4).any(|p| p[0] > 220),
            "the person is white"
        );
        assert!(
            frame.chunks_exact(4).any(|p| p[0] < 30),
            "the rest is black"
        );
    }

    // The foreground alone: `light` has no unmixed colours, so it is the
    // frame itself everywhere, opaque, with a report in seconds.
    let fg = dir.path().join("fg.mp4");
    let report = dir.path().join("report.json");
    let run = process(
        &clip,
        &fg,
        &[
            "--model",
            "light",
            "--foreground",
            "--report",
            path(&report),
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let source = decode(&clip, 176, 144);
    let colours = decode(&fg, 176, 144);
    let diff: f64 = source[2]
        .iter()
        .zip(&colours[2])
        .map(|(a, b)| f64::from(a.abs_diff(*b)))
        .sum::<f64>()
        / source[2].len() as f64;
    assert!(diff < 6.0, "mean difference {diff}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert!(
        doc["report"]["elapsed_seconds"].as_f64().unwrap() > 0.0,
        "{doc}"
    );
    assert!(doc["report"]["stages"]["decode_seconds"].is_f64(), "{doc}");
    assert!(!doc.to_string().contains("nanos"), "{doc}");
}
