//! `vidmatte serve`: the job API of ../shared/CONTRACT.md on one machine.
//!
//! - [`http`] owns routes, authentication, the contract's error shape and
//!   request ids; it never touches frames.
//! - [`jobs`] owns the job lifecycle: workers that claim jobs with a lease
//!   and heartbeat, run the pipeline, and record the outcome exactly once;
//!   the retention sweeper.
//! - [`store`] owns persistence: the [`store::Repo`] trait with a SQLite
//!   and a PostgreSQL backend, each with its own migrations.

pub mod billing;
pub mod blobs;
pub mod config;
pub mod http;
pub mod jobs;
pub mod keys;
pub mod store;
pub mod view;

mod clock;
mod signing;

pub use config::Config;

use std::sync::Arc;

use anyhow::Context;

use tokio::sync::watch;

/// Everything a request handler or a worker needs.
pub struct App {
    pub config: Config,
    pub store: store::Store,
    /// Uploaded inputs and finished outputs.
    pub blobs: blobs::Blobs,
    pub models: vidmatte_ml::ModelStore,
    pub view: Arc<view::JobView>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Set when the server begins shutting down.
    pub shutdown: watch::Receiver<bool>,
    /// Wakes idle workers when a job is queued.
    pub queued: tokio::sync::Notify,
    /// The operator's exemptions from the address rules.
    pub rules: http::urls::AddressRules,
    /// Each key's token bucket.
    pub limits: http::rate_limit::RateLimits,
}

pub type AppState = Arc<App>;

/// Opens the store, starts the workers and the sweeper, and serves HTTP
/// until ctrl-c / SIGTERM; running jobs are requeued on the way out.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let (app, stop) = build(config).await?;
    run(app, listener, stop).await
}

/// Builds the shared state (opening the database, migrating it).
pub async fn build(config: Config) -> anyhow::Result<(AppState, watch::Sender<bool>)> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let store = open_store(&config).await?;
    let view = Arc::clone(store.view());
    let metrics = http::metrics_handle();
    let (stop, shutdown) = watch::channel(false);
    let models = vidmatte_ml::ModelStore::from_env();
    // The device is chosen (and a GPU probed) once, before any job.
    let probe = models.clone();
    tokio::task::spawn_blocking(move || vidmatte_ml::device_status(&probe).map(drop)).await??;
    let app = Arc::new(App {
        rules: http::urls::AddressRules::from_allowlist(&config.url_allowlist)
            .with_webhook_http(config.webhook_allow_http),
        models,
        limits: http::rate_limit::RateLimits::new(
            config.rate_limit_per_second,
            config.rate_limit_burst,
        ),
        blobs: blobs::Blobs::open(&config)?,
        config,
        store,
        view,
        metrics,
        shutdown,
        queued: tokio::sync::Notify::new(),
    });
    Ok((app, stop))
}

/// Opens (and migrates) the configured database, with the URL signer kept
/// in the data directory.
pub async fn open_store(config: &Config) -> anyhow::Result<store::Store> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let signer = Arc::new(signing::Signer::default());
    let view = Arc::new(view::JobView::new(config, Arc::clone(&signer)));
    let store = store::open(config, view).await?;
    let candidate = signing::Signer::candidate(&config.data_dir);
    signer.set(
        store
            .shared_secret(signing::SECRET_NAME, &candidate)
            .await?,
    );
    Ok(store)
}

/// What a process serves besides its workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The job API (and workers, unless `workers` is 0): `vidmatte serve`.
    Api,
    /// Workers only, with `/health`, `/ready` and `/metrics`: `vidmatte worker`.
    Worker,
}

/// Serves on `listener` with workers until `stop` is set or a signal arrives.
pub async fn run(
    app: AppState,
    listener: tokio::net::TcpListener,
    stop: watch::Sender<bool>,
) -> anyhow::Result<()> {
    run_as(Role::Api, app, listener, stop).await
}

/// [`run`] in the given role.
pub async fn run_as(
    role: Role,
    app: AppState,
    listener: tokio::net::TcpListener,
    stop: watch::Sender<bool>,
) -> anyhow::Result<()> {
    let address = listener.local_addr()?;
    tracing::info!(%address, ?role, database = app.store.backend().as_str(), data_dir = %app.config.data_dir.display(), workers = app.config.workers, "vidmatte serving");
    let workers = jobs::start(Arc::clone(&app));
    let mut shutdown = app.shutdown.clone();
    let signal_stop = stop.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = signal_stop.send(true);
    });
    let router = match role {
        Role::Api => http::router(Arc::clone(&app)),
        Role::Worker => http::worker_router(Arc::clone(&app)),
    };
    let mut until = app.shutdown.clone();
    let header_read_timeout =
        std::time::Duration::from_secs(app.config.header_read_timeout_seconds);
    http::serve::serve(listener, router, header_read_timeout, async move {
        let _ = until.wait_for(|s| *s).await;
    })
    .await;
    let _ = shutdown.wait_for(|s| *s).await;
    for worker in workers {
        let _ = worker.await;
    }
    tracing::info!("vidmatte stopped");
    drop(stop);
    Ok(())
}

/// Resolves once the shutdown flag is set (holding no guard across awaits).
pub(crate) async fn stopped(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|s| *s).await;
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
