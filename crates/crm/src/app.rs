//! Start-up: `App::build` opens the database; `serve` runs the server (and the job runner)
//! on a listener the caller bound, until the shutdown future resolves.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use crm_store::{Db, DbOptions};

use crate::config::Config;
use crate::http::{AppState, Metrics, router};

pub struct App {
    pub state: AppState,
}

impl App {
    /// Opens (and migrates) the database named by the configuration.
    pub async fn build(config: Config) -> Result<Self, crm_store::ConnectError> {
        let db =
            Db::open(&DbOptions { url: config.database_url.clone(), max_connections: config.database_max_connections })
                .await?;
        Ok(Self::with_db(config, db))
    }

    pub fn with_db(config: Config, db: Db) -> Self {
        let access = Arc::new(config.access_settings());
        let reports = Arc::new(tokio::sync::Semaphore::new((config.database_max_connections as usize / 2).max(1)));
        let config = Arc::new(config);
        App { state: AppState { db, config, access, metrics: Arc::new(Metrics::default()), reports } }
    }
}

/// Serves until `shutdown` resolves, then lets open requests finish.
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_jobs, jobs_stopped) = tokio::sync::watch::channel(false);
    let runner = app.state.config.jobs.enabled.then(|| {
        let db = app.state.db.clone();
        let poll = std::time::Duration::from_secs(app.state.config.jobs.poll_seconds);
        let config = app.state.config.clone();
        tokio::spawn(crate::jobs::run_forever(db, config, poll, jobs_stopped))
    });
    let service = router(app.state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, service).with_graceful_shutdown(shutdown).await;
    let _ = stop_jobs.send(true);
    if let Some(runner) = runner {
        let _ = runner.await;
    }
    result
}
