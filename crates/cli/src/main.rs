//! The `vidmatte` binary: subcommands over the pipeline library.

mod bench;
mod models;
mod process;
mod scene_args;
mod serve;
mod stdout;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "vidmatte",
    version,
    about = "Self-hostable video background removal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Where the models run: auto (an NVIDIA GPU when ONNX Runtime's CUDA
    /// provider loads, else the CPU), cpu, or cuda (fail without a GPU).
    #[arg(long, global = true, env = "VIDMATTE_DEVICE", default_value = "auto")]
    device: vidmatte_ml::Device,
}

#[derive(Subcommand)]
enum Command {
    /// Remove the background of a video.
    Process(process::ProcessArgs),
    /// Print what ffprobe says about a video, as JSON.
    Probe { input: std::path::PathBuf },
    /// List the models, whether their files are present, and their licenses.
    Models {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Measure decode, inference, encode and end-to-end speed and memory.
    Bench(bench::BenchArgs),
    /// Run the HTTP job API, with workers unless `--workers 0` (SQLite and
    /// files under the data dir by default; VIDMATTE_DATABASE_URL=postgres://…
    /// to share one database among several processes).
    Serve(serve::ServeArgs),
    /// Run workers only, against the same database as the API nodes, with
    /// /health, /ready and /metrics on their own port (default 0.0.0.0:9001).
    Worker(serve::ServeArgs),
    /// Copy a one-box store (SQLite) into an empty PostgreSQL database:
    /// keys with their hashes, credits, jobs, usage, webhook state. Stop the
    /// old server first; files stay where they are (point
    /// VIDMATTE_STORAGE_URL at them, or copy them to the bucket).
    MigrateStore {
        /// The SQLite store, e.g. sqlite:///srv/vidmatte/vidmatte.db.
        #[arg(long)]
        from: String,
        /// The PostgreSQL database, e.g. postgres://vidmatte@db/vidmatte.
        #[arg(long)]
        to: String,
    },
    /// Manage API keys in the configured database.
    Keys {
        #[command(flatten)]
        config: serve::ServeArgs,
        #[command(subcommand)]
        command: serve::KeysCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    vidmatte_ml::request_device(cli.device);
    let result = match cli.command {
        Command::Process(args) => process::run(args),
        Command::Probe { input } => probe(&input),
        Command::Models { json } => models::run(json),
        Command::Bench(args) => bench::run(args),
        Command::Serve(args) => serve::serve(args),
        Command::Worker(args) => serve::worker(args),
        Command::Keys { config, command } => serve::keys(config, command),
        Command::MigrateStore { from, to } => serve::migrate_store(&from, &to),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn probe(input: &std::path::Path) -> anyhow::Result<()> {
    let info = vidmatte_media::probe(
        input,
        &vidmatte_media::ProbeLimits::default(),
        &vidmatte_media::Cancel::new(),
    )?;
    stdout::line(serde_json::to_string_pretty(&info)?)
}

/// `VIDMATTE_LOG` filters (default info); `VIDMATTE_LOG_JSON=true` writes JSON lines.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VIDMATTE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = std::env::var("VIDMATTE_LOG_JSON").is_ok_and(|v| v == "true" || v == "1");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
