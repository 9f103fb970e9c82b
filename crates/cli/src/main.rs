//! The `vidmatte` binary: subcommands over the pipeline library.

mod bench;
mod models;
mod process;

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
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("VIDMATTE_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Process(args) => process::run(args),
        Command::Probe { input } => probe(&input),
        Command::Models { json } => models::run(json),
        Command::Bench(args) => bench::run(args),
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
    println!("{}", serde_json::to_string_pretty(&info)?);
    Ok(())
}
