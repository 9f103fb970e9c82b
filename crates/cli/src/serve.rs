//! `vidmatte serve`, `vidmatte worker` and `vidmatte keys`.

use std::path::PathBuf;

use anyhow::Context;
use vidmatte_server::store::Store;
use vidmatte_server::Config;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// A TOML file of settings (see the README's configuration reference).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Address to serve on (VIDMATTE_LISTEN).
    #[arg(long, global = true)]
    pub listen: Option<String>,
    /// Uploads, outputs, work files, and the SQLite file unless
    /// VIDMATTE_DATABASE_URL names another database (VIDMATTE_DATA_DIR).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Concurrent jobs (VIDMATTE_WORKERS).
    #[arg(long, global = true)]
    pub workers: Option<usize>,
}

impl ServeArgs {
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(listen) = &self.listen {
            config.listen = listen.clone();
        }
        if let Some(dir) = &self.data_dir {
            config.data_dir = dir.clone();
        }
        if let Some(workers) = self.workers {
            config.workers = workers;
        }
        config.check()?;
        Ok(config)
    }
}

#[derive(clap::Subcommand, Debug)]
pub enum KeysCommand {
    /// Create a key and print it (it is shown only this once).
    Create {
        /// Who the key is for (your customer's or app's name).
        #[arg(long)]
        client_id: String,
        /// A free-form note kept with the key.
        #[arg(long)]
        note: Option<String>,
        /// Starting credits; without it the key is unlimited.
        #[arg(long)]
        credits: Option<i64>,
    },
    /// List keys (fingerprints, never the keys themselves).
    List,
    /// Disable a key by its fingerprint.
    Disable { key_fingerprint: String },
    /// Enable a disabled key again.
    Enable { key_fingerprint: String },
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    runtime()?.block_on(async move {
        let (app, stop) = vidmatte_server::build(config.clone()).await?;
        let data_dir = std::path::absolute(&config.data_dir).unwrap_or_else(|_| config.data_dir.clone());
        if app.store.count_keys().await? == 0 {
            let exe = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|_| "vidmatte".into());
            tracing::warn!(
                "no API keys yet: create one with `{exe} keys create --client-id me --data-dir {}`, then paste it into the web page or send it as X-Api-Key",
                data_dir.display()
            );
        }
        tracing::info!("data (keys, jobs, files) in {}", data_dir.display());
        tracing::info!(
            "web page: http://{0}/ · API reference: http://{0}/docs",
            config.listen
        );
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        vidmatte_server::run(app, listener, stop).await
    })
}

/// Where a worker serves /health and /metrics unless told otherwise.
const WORKER_LISTEN: &str = "0.0.0.0:9001";

pub fn worker(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = args.config()?;
    if args.listen.is_none() {
        config.listen =
            std::env::var("VIDMATTE_WORKER_LISTEN").unwrap_or_else(|_| WORKER_LISTEN.into());
    }
    if config.workers == 0 {
        anyhow::bail!("a worker needs --workers 1 or more (VIDMATTE_WORKERS)");
    }
    runtime()?.block_on(async move {
        let (app, stop) = vidmatte_server::build(config.clone()).await?;
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        vidmatte_server::run_as(vidmatte_server::Role::Worker, app, listener, stop).await
    })
}

pub fn migrate_store(from: &str, to: &str) -> anyhow::Result<()> {
    let copied = runtime()?.block_on(vidmatte_server::store::migrate::run(from, to))?;
    for (table, rows) in copied {
        println!("{table:<20} {rows} rows");
    }
    eprintln!("Copied. Start the nodes with VIDMATTE_DATABASE_URL={to}");
    Ok(())
}

/// The SQLite file a config names, when it names one.
fn sqlite_file(config: &Config) -> Option<PathBuf> {
    let url = config.database_url();
    let path = url.strip_prefix("sqlite://")?;
    let path = path.split('?').next().unwrap_or(path);
    Some(std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path)))
}

pub fn keys(args: ServeArgs, command: KeysCommand) -> anyhow::Result<()> {
    let config = args.config()?;
    // Keys live in the server's database: one run from another folder must
    // not quietly make a store of its own that no server reads.
    let sqlite = sqlite_file(&config);
    let fresh = sqlite.as_ref().filter(|file| !file.exists());
    if let Some(file) = fresh {
        if !matches!(command, KeysCommand::Create { .. }) {
            anyhow::bail!(
                "no store at {}: run keys with the server's --data-dir, --config or VIDMATTE_DATA_DIR (`vidmatte serve` logs its data dir at start)",
                file.display()
            );
        }
    }
    if let (KeysCommand::Create { .. }, Some(file)) = (&command, &sqlite) {
        if fresh.is_some() {
            eprintln!(
                "note: there was no store at {}; made a new one. A server reads this key only when it runs with --data-dir {}",
                file.display(),
                file.parent().unwrap_or(file).display()
            );
        } else {
            eprintln!("Stored in {}.", file.display());
        }
    }
    runtime()?.block_on(async move {
        let store = vidmatte_server::open_store(&config).await?;
        match command {
            KeysCommand::Create { client_id, note, credits } => {
                let new = vidmatte_server::keys::generate();
                let row = store.create_key(&new, &client_id, note.as_deref(), credits).await?;
                let out = serde_json::json!({
                    "success": true, "api_key": new.api_key, "key_fingerprint": row.fingerprint,
                    "client_id": row.client_id, "webhook_secret": row.webhook_secret, "credits": row.credits,
                });
                crate::stdout::line(serde_json::to_string_pretty(&out)?)?;
                eprintln!("Keep the api_key now: only its hash is stored.");
            }
            KeysCommand::List => {
                for key in store.list_keys().await? {
                    crate::stdout::line(format!(
                        "{}  {:<20} credits={:<10} {}",
                        key.fingerprint,
                        key.client_id,
                        key.credits.map_or("unlimited".to_string(), |c| c.to_string()),
                        if key.disabled { "disabled" } else { "enabled" }
                    ))?;
                }
            }
            KeysCommand::Disable { key_fingerprint } => toggle(&store, &key_fingerprint, true).await?,
            KeysCommand::Enable { key_fingerprint } => toggle(&store, &key_fingerprint, false).await?,
        }
        Ok(())
    })
}

async fn toggle(store: &Store, fingerprint: &str, disabled: bool) -> anyhow::Result<()> {
    if !store.set_key_disabled(fingerprint, disabled).await? {
        anyhow::bail!("no key has the fingerprint {fingerprint}");
    }
    println!(
        "{fingerprint} {}",
        if disabled { "disabled" } else { "enabled" }
    );
    Ok(())
}
