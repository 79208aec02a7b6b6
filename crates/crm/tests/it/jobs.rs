//! The job runner's leases: each run happens once across processes.

use chrono::{Duration, Utc};

use crm_core::jobs::JobStore;

use crate::helpers::{TestApp, test_config};

/// The settings the jobs read; they run on the app's database, not on this one's URL.
fn settings() -> crm::config::Config {
    test_config("sqlite://unused.db")
}

#[tokio::test]
async fn of_two_concurrent_claims_exactly_one_wins() {
    let app = TestApp::spawn().await;
    crm::jobs::register_all(&app.db).await.unwrap();
    let now = Utc::now() + Duration::seconds(1);
    // The other jobs are leased elsewhere: housekeeping is the one due job to claim.
    for job in ["stale-opportunities"] {
        assert!(app.db.claim_job(job, "elsewhere", now, now + Duration::minutes(5)).await.unwrap());
    }
    let (a, b) = tokio::join!(
        app.db.claim_due_job("a", now, now + Duration::minutes(5)),
        app.db.claim_due_job("b", now, now + Duration::minutes(5)),
    );
    // Several jobs may be due; none is claimed by both.
    let mut claimed: Vec<String> = [a.unwrap(), b.unwrap()].into_iter().flatten().map(|j| j.name).collect();
    assert!(!claimed.is_empty());
    let count = claimed.len();
    claimed.sort();
    claimed.dedup();
    assert_eq!(claimed.len(), count, "a job was claimed twice");
    // While leased, `crm jobs run` refuses to run it a second time.
    app.db.claim_job("housekeeping", "c", now, now + Duration::minutes(5)).await.unwrap();
    let err = crm::jobs::run_now(&app.db, &settings(), "housekeeping").await.unwrap_err();
    assert!(err.to_string().contains("another process"), "{err}");
}

#[tokio::test]
async fn running_a_job_records_the_run_and_schedules_the_next() {
    let app = TestApp::spawn().await;
    let summary = crm::jobs::run_now(&app.db, &settings(), "housekeeping").await.unwrap();
    assert!(summary.contains("removed"));
    let jobs = app.db.list_jobs().await.unwrap();
    let job = jobs.iter().find(|j| j.name == "housekeeping").unwrap();
    assert_eq!(job.runs, 1);
    assert!(job.lease_owner.is_none());
    assert!(job.run_at > Utc::now() + Duration::minutes(50));
    assert!(crm::jobs::run_now(&app.db, &settings(), "no-such-job").await.is_err());
}
