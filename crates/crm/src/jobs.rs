//! Scheduled jobs. Each periodic job is a row of the `jobs` table; any number of processes
//! run `run_forever`, and the lease taken by a conditional UPDATE makes each run happen once.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use crm_core::churn::actions as churn;
use crm_core::jobs::JobStore;
use crm_core::notifications::actions as notifications;
use crm_core::sales::contracts::actions as contracts;
use crm_core::sales::opportunities::actions as opportunities;
use crm_core::service::actions as service;
use crm_store::Db;

use crate::config::Config;

/// How long a claimed job may run before another process may take it over.
const LEASE: chrono::Duration = chrono::Duration::minutes(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Deletes expired sessions and old failed sign-ins.
    Housekeeping,
    /// Flags open opportunities without activity for `config.sales.stale_after_days` (SAL-5).
    StaleOpportunities,
    /// Flags contracts that end soon and expires those past their end (SAL-8).
    ContractReminders,
    /// Flags service requests that missed their response or resolution target (SVC-3).
    SlaCheck,
    /// Reminds owners of their customers' contacts' birthdays (CUS-10).
    Birthdays,
    /// Tells account managers of users who stopped signing in (ACL-6).
    InactiveUsers,
    /// Warns active customers without an order for `churn.inactive_after_months` (CHN-1).
    ChurnDetection,
    /// Reminds of tasks due and appointments starting soon, and of tasks gone overdue (TSK-3).
    Reminders,
}

impl Job {
    pub const ALL: [Job; 8] = [
        Job::Housekeeping,
        Job::StaleOpportunities,
        Job::ContractReminders,
        Job::SlaCheck,
        Job::Birthdays,
        Job::InactiveUsers,
        Job::ChurnDetection,
        Job::Reminders,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Job::Housekeeping => "housekeeping",
            Job::StaleOpportunities => "stale-opportunities",
            Job::ContractReminders => "contract-reminders",
            Job::SlaCheck => "sla-check",
            Job::Birthdays => "birthdays",
            Job::InactiveUsers => "inactive-users",
            Job::ChurnDetection => "churn-detection",
            Job::Reminders => "reminders",
        }
    }

    pub fn interval(self) -> chrono::Duration {
        match self {
            Job::Housekeeping => chrono::Duration::hours(1),
            Job::StaleOpportunities => chrono::Duration::days(1),
            Job::ContractReminders => chrono::Duration::hours(1),
            Job::SlaCheck => chrono::Duration::minutes(5),
            // Hourly, so that a birthday is noticed early in the morning of the company's day.
            Job::Birthdays => chrono::Duration::hours(1),
            Job::InactiveUsers => chrono::Duration::days(1),
            Job::ChurnDetection => chrono::Duration::days(1),
            Job::Reminders => chrono::Duration::minutes(1),
        }
    }

    pub fn by_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.name() == name)
    }

    /// Runs the job once; the text says what it did.
    async fn execute(self, db: &Db, config: &Config) -> Result<String, crm_core::Error> {
        match self {
            Job::Housekeeping => {
                let removed = db.purge_expired(Utc::now() - chrono::Duration::days(1)).await?;
                Ok(format!("removed {removed} expired sessions and failed sign-ins"))
            }
            Job::StaleOpportunities => {
                let run = opportunities::flag_stale(db, Utc::now(), config.sales.stale_after_days).await?;
                Ok(format!("flagged {} stale opportunities, {} active again", run.flagged, run.cleared))
            }
            Job::ContractReminders => {
                let run = contracts::run_contract_reminders(db).await?;
                Ok(format!("flagged {} contracts as expiring, marked {} as expired", run.flagged, run.expired))
            }
            Job::SlaCheck => {
                let run = service::check_sla(db, Utc::now()).await?;
                Ok(format!("flagged {} overdue service requests", run.flagged))
            }
            Job::Birthdays => {
                let run = notifications::notify_birthdays(db, crm_core::customers::actions::today()).await?;
                Ok(format!("wrote {} birthday reminders", run.written))
            }
            Job::InactiveUsers => {
                let run =
                    notifications::notify_inactive_users(db, Utc::now(), config.access.inactive_after_days).await?;
                Ok(format!("wrote {} notices of inactive users", run.written))
            }
            Job::ChurnDetection => {
                let run = churn::detect(db, config.churn.inactive_after_months).await?;
                Ok(format!("warned {} customers without recent orders", run.warned))
            }
            Job::Reminders => {
                let run = notifications::remind(db, Utc::now(), config.schedule.remind_before_minutes).await?;
                Ok(format!("wrote {} reminders", run.written))
            }
        }
    }
}

/// An id for this process's leases.
fn owner_id() -> String {
    format!("{}-{}", std::process::id(), uuid::Uuid::now_v7())
}

/// Makes sure every job has its row, so it is listed and scheduled.
pub async fn register_all(db: &Db) -> Result<(), crm_core::Error> {
    let now = Utc::now();
    for job in Job::ALL {
        db.register_job(job.name(), job.interval().num_seconds(), now).await?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("unknown job `{0}`; `crm jobs list` shows the jobs")]
    Unknown(String),
    #[error("job `{0}` is running in another process right now")]
    Busy(String),
    #[error("job `{name}` failed: {source}")]
    Failed { name: String, source: crm_core::Error },
}

/// Runs one job now (`crm jobs run NAME`), unless another process is running it.
pub async fn run_now(db: &Db, config: &Config, name: &str) -> Result<String, RunError> {
    let job = Job::by_name(name).ok_or_else(|| RunError::Unknown(name.to_string()))?;
    let failed = |source| RunError::Failed { name: name.to_string(), source };
    register_all(db).await.map_err(failed)?;
    let owner = owner_id();
    let now = Utc::now();
    if !db.claim_job(name, &owner, now, now + LEASE).await.map_err(|e| failed(e.into()))? {
        return Err(RunError::Busy(name.to_string()));
    }
    let outcome = job.execute(db, config).await;
    let error = outcome.as_ref().err().map(|e| format!("{e}"));
    let next = Utc::now() + job.interval();
    db.finish_job(name, &owner, Utc::now(), next, error.as_deref()).await.map_err(|e| failed(e.into()))?;
    outcome.map_err(failed)
}

/// Claims and runs due jobs until `stop` turns true, stopping a job that is running then.
pub async fn run_forever(db: Db, config: Arc<Config>, poll: Duration, mut stop: watch::Receiver<bool>) {
    if let Err(e) = register_all(&db).await {
        tracing::error!(error = %e, "cannot register jobs; the job runner is not started");
        return;
    }
    let owner = owner_id();
    loop {
        let now = Utc::now();
        match db.claim_due_job(&owner, now, now + LEASE).await {
            Ok(Some(record)) => {
                let Some(job) = Job::by_name(&record.name) else {
                    // A job of a newer version of crm: leave it to the processes that know it.
                    let _ =
                        db.finish_job(&record.name, &owner, now, now + LEASE, Some("unknown to this version")).await;
                    continue;
                };
                let outcome = tokio::select! {
                    outcome = job.execute(&db, &config) => outcome,
                    _ = stop.changed() => {
                        // What the job committed stays and its open transaction is rolled
                        // back; the job stays due for the next process instead of waiting out
                        // the lease.
                        if let Err(e) = db.release_job(job.name(), &owner).await {
                            tracing::error!(job = job.name(), error = %e, "cannot give back the lease of a stopped job");
                        }
                        tracing::info!(job = job.name(), "job stopped with the server");
                        return;
                    }
                };
                let error = match &outcome {
                    Ok(summary) => {
                        tracing::info!(job = job.name(), %summary, "job done");
                        None
                    }
                    Err(e) => {
                        tracing::error!(job = job.name(), error = %e, "job failed");
                        Some(e.to_string())
                    }
                };
                // A failed run is retried after a minute rather than a whole interval.
                let next = if error.is_some() {
                    Utc::now() + chrono::Duration::minutes(1)
                } else {
                    Utc::now() + job.interval()
                };
                if let Err(e) = db.finish_job(job.name(), &owner, Utc::now(), next, error.as_deref()).await {
                    tracing::error!(job = job.name(), error = %e, "cannot record the end of a job");
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot look for due jobs"),
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}
