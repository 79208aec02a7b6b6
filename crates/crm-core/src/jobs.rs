//! The job queue's storage contract: periodic jobs in a table, claimed with a lease so that
//! each run happens on exactly one of any number of `crm serve` processes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::store::StoreError;

#[derive(Debug, Clone, serde::Serialize)]
pub struct JobRecord {
    pub name: String,
    pub interval_seconds: i64,
    pub run_at: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub runs: i64,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_finished_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

#[async_trait]
pub trait JobStore {
    /// Adds a periodic job if it is not there yet (its schedule survives restarts).
    async fn register_job(
        &self,
        name: &str,
        interval_seconds: i64,
        first_run_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn list_jobs(&self) -> Result<Vec<JobRecord>, StoreError>;
    /// Takes the lease of one due job whose lease is free or expired; `None` if nothing is due.
    /// Only one of several concurrent callers wins a given job.
    async fn claim_due_job(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<JobRecord>, StoreError>;
    /// Takes the lease of the named job now, due or not (`crm jobs run NAME`);
    /// `Ok(false)` while another process holds it.
    async fn claim_job(
        &self,
        name: &str,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Releases the lease and schedules the next run; `error` is kept for `crm jobs list`.
    async fn finish_job(
        &self,
        name: &str,
        owner: &str,
        now: DateTime<Utc>,
        next_run_at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Gives the lease back unfinished (the process is stopping): the job stays due, for the
    /// next process to run instead of waiting out the lease.
    async fn release_job(&self, name: &str, owner: &str) -> Result<(), StoreError>;
    /// Deletes expired sessions and old login failures; returns how many rows went.
    async fn purge_expired(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}
