//! `vidmatte models`: which models are installed, where, and their licenses.

use serde::Serialize;
use vidmatte_ml::{ModelFile, ModelKind, ModelStatus, ModelStore};

#[derive(Serialize)]
struct FileEntry {
    what: &'static str,
    package: &'static str,
    license: &'static str,
    #[serde(flatten)]
    status: ModelStatus,
}

#[derive(Serialize)]
struct ModelEntry {
    model: &'static str,
    description: &'static str,
    present: bool,
    files: Vec<FileEntry>,
}

fn entry(store: &ModelStore, file: &ModelFile) -> FileEntry {
    FileEntry {
        what: file.what,
        package: file.package,
        license: file.license,
        status: store.status(file),
    }
}

pub fn run(json: bool) -> anyhow::Result<()> {
    let store = ModelStore::from_env();
    let models: Vec<ModelEntry> = ModelKind::ALL
        .into_iter()
        .map(|kind| {
            let files: Vec<FileEntry> = kind.files().iter().map(|f| entry(&store, f)).collect();
            ModelEntry {
                model: kind.as_str(),
                description: kind.description(),
                present: files.iter().all(|f| f.status.present),
                files,
            }
        })
        .collect();
    let runtime = entry(&store, &ModelFile::RUNTIME);
    let device = vidmatte_ml::device_status(&store)?;
    if json {
        let doc = serde_json::json!({"cache": store.root(), "device": device, "runtime": runtime, "models": models});
        return crate::stdout::line(serde_json::to_string_pretty(&doc)?);
    }
    let mut text = format!("cache: {}\n", store.root().display());
    text += &format!(
        "device: {} (asked: {}; ONNX Runtime {}){}",
        device.active,
        device.requested,
        device.library.display(),
        device
            .reason
            .as_deref()
            .map(|r| format!("\n    {r}"))
            .unwrap_or_default()
    );
    text += &print_file("runtime", &runtime);
    for model in &models {
        text += &format!(
            "\n\n{} [{}] — {}",
            model.model,
            if model.present {
                "present"
            } else {
                "MISSING: run scripts/setup.sh"
            },
            model.description
        );
        for file in &model.files {
            text += &print_file("  file", file);
        }
    }
    crate::stdout::line(text)
}

fn print_file(label: &str, file: &FileEntry) -> String {
    let size = file
        .status
        .size_bytes
        .map(|b| format!("{:.1} MB", b as f64 / 1e6))
        .unwrap_or_else(|| "missing".into());
    format!(
        "\n{label}: {} ({size})\n    {}\n    from {}; license {}",
        file.what,
        file.status.path.display(),
        file.package,
        file.license
    )
}
