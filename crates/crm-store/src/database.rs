use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{AnyConnection, AnyPool, Executor};

use crm_core::store::StoreError;

use crate::group_commit::{BoxFuture, GroupCommit};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL selects; unknown schemes are refused rather than
    /// silently opening a new SQLite file.
    pub fn from_url(url: &str) -> Result<Self, ConnectError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(ConnectError::UnknownScheme(scheme.to_string())),
        }
    }

    /// The backend an open connection talks to.
    pub fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name() == <sqlx::Sqlite as sqlx::Database>::NAME { Backend::Sqlite } else { Backend::Postgres }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "unsupported database URL scheme `{0}`: use sqlite://PATH (e.g. sqlite://crm-data/crm.db) or postgres://USER@HOST/DB"
    )]
    UnknownScheme(String),
    #[error("cannot create the folder {path} for the database: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("{0} is not an SQLite database")]
    NotSqlite(String),
    #[error("cannot open the database: {0}")]
    Open(#[source] sqlx::Error),
    #[error(
        "the database was migrated by a newer version of crm (migration {0} is unknown to this binary); use that version or restore a backup"
    )]
    NewerDatabase(i64),
    #[error("migrating the database failed: {0}")]
    Migrate(#[source] MigrateError),
    #[error("writing default data failed: {0}")]
    Seed(#[source] StoreError),
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    pub url: String,
    /// Connections for reads (and, on PostgreSQL, writes).
    pub max_connections: u32,
}

/// The database: a pool for reads and, on SQLite, a single writer connection so that
/// write transactions queue in the process instead of failing on the file lock.
#[derive(Debug, Clone)]
pub struct Db {
    pub(crate) reader: AnyPool,
    pub(crate) writer: AnyPool,
    pub(crate) backend: Backend,
    /// SQLite's queue of small writes that share transactions.
    grouped: Option<GroupCommit>,
}

impl Db {
    /// Opens the database (creating an SQLite file and its folder if missing), applies pending
    /// migrations and writes the shipped defaults on first use.
    pub async fn open(options: &DbOptions) -> Result<Self, ConnectError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(&options.url)?;
        let db = match backend {
            Backend::Sqlite => {
                let url = sqlite_url(&options.url)?;
                let connect = AnyConnectOptions::from_str(&url).map_err(ConnectError::Open)?;
                // Page caches (KiB): the writer's holds the index pages that inserts touch, so a
                // large transaction does not re-read them; readers share the OS cache. Both are
                // ceilings, reached only on a big database: together they bound the memory.
                // A sort larger than the cache is sorted in runs of the cache's size, and with
                // `threads` the runs are sorted on other cores while the statement goes on:
                // reports over a period sort hundreds of thousands of customers, which this
                // makes a fifth faster (measured with 2 MiB runs and two helpers; 4 MiB runs
                // gained less).
                let pool = |max: u32, cache_kib: u32| {
                    let pragmas = format!(
                        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                         PRAGMA cache_size = -{cache_kib}; PRAGMA threads = 2;"
                    );
                    AnyPoolOptions::new()
                        .max_connections(max)
                        .acquire_timeout(Duration::from_secs(30))
                        .test_before_acquire(false)
                        .after_connect(move |conn, _| {
                            let pragmas = pragmas.clone();
                            Box::pin(async move { conn.execute(pragmas.as_str()).await.map(|_| ()) })
                        })
                        .connect_with(connect.clone())
                };
                let writer = pool(1, 32 * 1024).await.map_err(ConnectError::Open)?;
                // Switching a new file to WAL takes an exclusive lock without waiting for the busy
                // timeout: processes opening it together meet "database is locked" and try again.
                let mut attempts = 0;
                while let Err(e) = writer.execute("PRAGMA journal_mode = WAL").await {
                    if attempts == 5 {
                        return Err(ConnectError::Open(e));
                    }
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(100 * attempts)).await;
                }
                let reader = pool(options.max_connections.max(2), 2 * 1024).await.map_err(ConnectError::Open)?;
                let grouped = Some(GroupCommit::start(writer.clone()));
                Db { reader, writer, backend, grouped }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(30))
                    // A report's statement over a million rows is costed high enough for the JIT,
                    // whose compiling took 0.2 s of a 2 s report and saved less than it took.
                    // Parallel workers are started per execution: a contact search planned
                    // with two of them took 4 ms instead of 0.3. Ten times the default setup
                    // cost leaves them to statements costed in the millions (reports).
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("SET jit = off").await?;
                            conn.execute("SET parallel_setup_cost = 10000").await.map(|_| ())
                        })
                    })
                    .connect(&options.url)
                    .await
                    .map_err(ConnectError::Open)?;
                Db { reader: pool.clone(), writer: pool, backend, grouped: None }
            }
        };
        db.migrate().await?;
        crate::seed::ensure_defaults(&db).await.map_err(ConnectError::Seed)?;
        Ok(db)
    }

    /// Starts a write transaction; each store method that writes is one of these.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        self.writer.begin_with(crate::dialect::begin_write(self.backend)).await.map_err(crate::sql::store_error)
    }

    /// Runs a small write (one record and what goes with it) of `input`: on SQLite in a
    /// transaction shared with the writes queued beside it (`group_commit`), where `work` may
    /// run more than once; on PostgreSQL, whose writers do not queue behind one connection, in
    /// its own.
    pub(crate) async fn write<I, T, F>(&self, input: I, work: F) -> Result<T, StoreError>
    where
        I: Send + Sync + 'static,
        T: Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection, &'c I) -> BoxFuture<'c, Result<T, StoreError>> + Send + Sync + 'static,
    {
        if let Some(grouped) = &self.grouped {
            return grouped.write(input, work).await;
        }
        let mut tx = self.begin_write().await?;
        let result = work(&mut tx, &input).await?;
        tx.commit().await.map_err(crate::sql::store_error)?;
        Ok(result)
    }

    /// Readies the writer for loading millions of rows (`crm demo`): on SQLite its page
    /// cache grows to 1 GiB, so the index pages a large transaction touches stay in memory
    /// instead of spilling into the WAL and being read back.
    pub async fn prepare_bulk_load(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            self.writer.execute("PRAGMA cache_size = -1048576").await.map_err(crate::sql::store_error)?;
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<(), ConnectError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        // PostgreSQL migrations take an advisory lock; SQLite ones take none, so processes
        // started together on a new file can both try the same migration. Each migration is
        // one transaction, so the loser changed nothing: it tries again and finds the work done.
        let mut attempts = 0;
        loop {
            match migrator.run(&self.writer).await {
                Ok(()) => return Ok(()),
                Err(MigrateError::VersionMissing(v)) => return Err(ConnectError::NewerDatabase(v)),
                Err(e) if self.backend == Backend::Postgres || attempts == 5 => return Err(ConnectError::Migrate(e)),
                Err(_) => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(100 * attempts)).await;
                }
            }
        }
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await.map(|_| ()).map_err(crate::sql::store_error)
    }

    /// Names and columns of every table, for the test that both backends end with the same schema.
    pub async fn schema(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(crate::dialect::schema_query(self.backend))
            .fetch_all(&self.reader)
            .await
            .map_err(crate::sql::store_error)?;
        // Full-text indexes (`*_fts`) are SQLite's FTS5 virtual tables and their shadow tables
        // (`*_fts_data`, `*_fts_idx`, …); PostgreSQL keeps the same index as a GIN index, which
        // is no table. They are index machinery, not schema, so they are left out of the comparison.
        let mut rows: Vec<_> = rows
            .into_iter()
            .filter(|(t, _)| {
                !t.starts_with("_sqlx") && !t.starts_with("sqlite_") && !t.ends_with("_fts") && !t.contains("_fts_")
            })
            .collect();
        rows.sort();
        Ok(rows)
    }

    /// Copies the whole SQLite database to `target` while the server may be running.
    pub async fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        crate::dialect::backup(self, target).await
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// Creates the folder of an SQLite file and asks SQLite to create the file if missing.
/// An existing file that is not SQLite is refused at once (the pool would retry it until
/// its acquire timeout).
fn sqlite_url(url: &str) -> Result<String, ConnectError> {
    let rest = url.strip_prefix("sqlite:").unwrap_or(url);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if let Ok(mut file) = std::fs::File::open(path) {
        use std::io::Read;
        let mut header = [0u8; 16];
        let read = file.read(&mut header).unwrap_or(0);
        if read > 0 && (read < header.len() || &header != b"SQLite format 3\0") {
            return Err(ConnectError::NotSqlite(path.to_string()));
        }
    }
    if let Some(parent) = Path::new(path).parent().filter(|p| path != ":memory:" && !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|source| ConnectError::Folder { path: parent.display().to_string(), source })?;
    }
    let mode = if query.contains("mode=") { String::new() } else { "mode=rwc".to_string() };
    let query = [query, &mode].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join("&");
    Ok(format!("sqlite://{path}?{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_url_schemes_are_refused_with_a_hint() {
        let err = Backend::from_url("mysql://localhost/crm").unwrap_err();
        assert!(err.to_string().contains("`mysql`"));
        assert!(err.to_string().contains("sqlite://"));
        assert_eq!(Backend::from_url("postgresql://x/y").unwrap(), Backend::Postgres);
    }
}
