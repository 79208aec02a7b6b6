//! The `crm` command line, run as a real process.

use std::process::{Command, Stdio};

use crate::helpers::{fresh_database_url, output_text as text, run_crm as crm};

#[test]
fn config_example_prints_every_setting_with_comments() {
    let o = crm(&["config", "example"], "sqlite://unused.db", None);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    for key in ["listen =", "database_url =", "session_hours =", "inactive_after_days =", "[jobs]"] {
        assert!(out.contains(key), "missing {key}");
    }
}

#[test]
fn unknown_database_schemes_are_refused_with_a_hint() {
    let o = crm(&["migrate"], "mysql://localhost/crm", None);
    assert!(!o.status.success());
    assert!(text(&o).contains("sqlite://"), "{}", text(&o));
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["user", "add", "--help"],
        &["jobs", "run", "--help"],
        &["backup", "--help"],
    ] {
        let o = crm(args, "sqlite://unused.db", None);
        assert!(o.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&o.stdout).contains("Usage"), "{args:?}");
    }
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin_and_creates_missing_divisions() {
    let (db, _) = fresh_database_url().await;
    let o = crm(
        &["user", "add", "wang", "--role", "manager", "--division", "华东", "--password-stdin"],
        &db,
        Some("s3cret-pass\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("华东"));
    let o = crm(&["user", "add", "lisi", "--role", "nosuchrole", "--password-stdin"], &db, Some("s3cret-pass\n"));
    assert!(!o.status.success());
    assert!(text(&o).contains("roles"), "{}", text(&o));
    let o = crm(
        &["user", "add", "zhao", "--role", "manager", "--division", "西南", "--password-stdin"],
        &db,
        Some("short\n"),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("password"), "{}", text(&o));
    let o = crm(
        &["user", "add", "wang", "--role", "manager", "--division", "西北", "--password-stdin"],
        &db,
        Some("s3cret-pass\n"),
    );
    assert!(!o.status.success(), "a taken user name is refused");

    let store = crate::helpers::open_db(&db).await;
    // Refused users leave no division behind.
    for name in ["西南", "西北"] {
        assert!(crm_core::access::AccessStore::division_by_name(&store, name).await.unwrap().is_none(), "{name}");
    }
    let record = crm_core::access::AccessStore::login_record(&store, "wang").await.unwrap().unwrap();
    assert!(crm_core::access::password::verify("s3cret-pass", &record.password_hash));
}

#[tokio::test]
async fn jobs_list_and_run_from_the_command_line() {
    let (db, _) = fresh_database_url().await;
    let o = crm(&["jobs", "run", "housekeeping"], &db, None);
    assert!(o.status.success(), "{}", text(&o));
    let o = crm(&["jobs", "list"], &db, None);
    let out = text(&o);
    assert!(out.contains("housekeeping"), "{out}");
    let o = crm(&["jobs", "run", "nope"], &db, None);
    assert!(!o.status.success());
}

#[tokio::test]
async fn backup_and_restore_round_trip_an_sqlite_database() {
    if crate::helpers::is_postgres() {
        let (db, _) = fresh_database_url().await;
        let o = crm(&["backup", "/tmp/never.db"], &db, None);
        assert!(!o.status.success());
        assert!(text(&o).contains("pg_dump"), "{}", text(&o));
        return;
    }
    let (db, dir) = fresh_database_url().await;
    let dir = dir.unwrap();
    let o = crm(&["user", "add", "wang", "--role", "manager", "--password-stdin"], &db, Some("s3cret-pass\n"));
    assert!(o.status.success(), "{}", text(&o));
    let backup = dir.join("backup.db");
    let o = crm(&["backup", backup.to_str().unwrap()], &db, None);
    assert!(o.status.success(), "{}", text(&o));
    let o = crm(&["backup", backup.to_str().unwrap()], &db, None);
    assert!(!o.status.success(), "an existing backup is not overwritten");

    // Restore into a new, empty database file: the user comes back.
    let target = format!("sqlite://{}", dir.join("restored.db").display());
    let o = crm(&["restore", backup.to_str().unwrap()], &target, None);
    assert!(o.status.success(), "{}", text(&o));
    let store = crate::helpers::open_db(&target).await;
    assert!(crm_core::access::AccessStore::login_record(&store, "wang").await.unwrap().is_some());

    let junk = dir.join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let o = crm(&["restore", junk.to_str().unwrap()], &target, None);
    assert!(!o.status.success());
}

#[tokio::test]
async fn serve_prints_a_one_time_setup_link_when_there_are_no_users() {
    use std::io::BufRead;
    let (db, _) = fresh_database_url().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CRM_DATABASE_URL", &db)
        .env("CRM_JOBS__ENABLED", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let (mut link, mut address, mut line_with_link) = (None, None, None);
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(i) = line.find("/setup?token=") {
            link = Some(line[i..].trim().to_string());
            line_with_link = Some(line.clone());
        }
        if let Some(a) = line.strip_prefix("crm is listening on ") {
            address = Some(a.trim().to_string());
            break;
        }
    }
    let (link, address) = (link.expect("setup link printed"), address.expect("address printed"));
    assert!(link.len() > "/setup?token=".len() + 32, "{link}");
    let full_link = line_with_link.expect("link line");
    assert!(full_link.contains(&format!("{address}/setup?token=")), "the link points at the bound port: {full_link}");
    let health = reqwest::get(format!("{address}/healthz")).await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    child.kill().unwrap();
    let _ = child.wait();
}
