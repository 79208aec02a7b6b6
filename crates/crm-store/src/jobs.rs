//! Storage of the job queue. Claims are conditional UPDATEs (portable, no row locks):
//! whoever's UPDATE matches the free lease wins.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

use crm_core::jobs::{JobRecord, JobStore};
use crm_core::store::StoreError;

use crate::Db;
use crate::sql::{RowExt, Sql, store_error};

const COLUMNS: &str = "name, interval_seconds, run_at, lease_owner, lease_until, attempts, runs, last_started_at, \
                       last_finished_at, last_error";

fn from_row(r: &AnyRow) -> Result<JobRecord, StoreError> {
    Ok(JobRecord {
        name: r.text("name")?,
        interval_seconds: r.int("interval_seconds")?,
        run_at: r.time("run_at")?,
        lease_owner: r.opt_text("lease_owner")?,
        lease_until: r.opt_time("lease_until")?,
        attempts: r.int("attempts")?,
        runs: r.int("runs")?,
        last_started_at: r.opt_time("last_started_at")?,
        last_finished_at: r.opt_time("last_finished_at")?,
        last_error: r.opt_text("last_error")?,
    })
}

fn push_lease_free(sql: &mut Sql, now: DateTime<Utc>) {
    sql.push(" AND (lease_until IS NULL OR lease_until < ").bind(now).push(")");
}

async fn take_lease(
    db: &Db,
    name: &str,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    only_if_due: bool,
) -> Result<bool, StoreError> {
    let mut sql = Sql::new("UPDATE jobs SET lease_owner = ");
    sql.bind(owner).push(", lease_until = ").bind(lease_until).push(", last_started_at = ").bind(now);
    sql.push(", attempts = attempts + 1 WHERE name = ").bind(name);
    push_lease_free(&mut sql, now);
    if only_if_due {
        sql.push(" AND run_at <= ").bind(now);
    }
    Ok(sql.query().execute(&db.writer).await.map_err(store_error)?.rows_affected() == 1)
}

#[async_trait]
impl JobStore for Db {
    async fn register_job(
        &self,
        name: &str,
        interval_seconds: i64,
        first_run_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new("INSERT INTO jobs (name, interval_seconds, run_at) VALUES (");
        sql.bind(name).push(", ").bind(interval_seconds).push(", ").bind(first_run_at);
        sql.push(") ON CONFLICT (name) DO UPDATE SET interval_seconds = ").bind(interval_seconds);
        sql.query().execute(&self.writer).await.map(|_| ()).map_err(store_error)
    }

    async fn list_jobs(&self) -> Result<Vec<JobRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM jobs ORDER BY name");
        sqlx::query(&sql).fetch_all(&self.reader).await.map_err(store_error)?.iter().map(from_row).collect()
    }

    async fn claim_due_job(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<JobRecord>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(COLUMNS).push(" FROM jobs WHERE run_at <= ").bind(now);
        push_lease_free(&mut sql, now);
        sql.push(" ORDER BY run_at LIMIT 5");
        let candidates = sql.query().fetch_all(&self.reader).await.map_err(store_error)?;
        for row in &candidates {
            let job = from_row(row)?;
            if take_lease(self, &job.name, owner, now, lease_until, true).await? {
                return Ok(Some(job));
            }
        }
        Ok(None)
    }

    async fn claim_job(
        &self,
        name: &str,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        take_lease(self, name, owner, now, lease_until, false).await
    }

    async fn finish_job(
        &self,
        name: &str,
        owner: &str,
        now: DateTime<Utc>,
        next_run_at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new("UPDATE jobs SET lease_owner = NULL, lease_until = NULL, last_finished_at = ");
        sql.bind(now).push(", run_at = ").bind(next_run_at).push(", last_error = ").bind(error);
        sql.push(", runs = runs + 1");
        if error.is_none() {
            sql.push(", attempts = 0");
        }
        sql.push(" WHERE name = ").bind(name).push(" AND lease_owner = ").bind(owner);
        sql.query().execute(&self.writer).await.map(|_| ()).map_err(store_error)
    }

    async fn release_job(&self, name: &str, owner: &str) -> Result<(), StoreError> {
        let mut sql = Sql::new("UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE name = ");
        sql.bind(name).push(" AND lease_owner = ").bind(owner);
        sql.query().execute(&self.writer).await.map(|_| ()).map_err(store_error)
    }

    async fn purge_expired(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut sql = Sql::new("DELETE FROM sessions WHERE expires_at < ");
        sql.bind(before).push(" OR revoked_at < ").bind(before);
        let sessions = sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected();
        let mut sql = Sql::new("DELETE FROM login_failures WHERE at < ");
        sql.bind(before);
        let failures = sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected();
        tx.commit().await.map_err(store_error)?;
        Ok(sessions + failures)
    }
}
