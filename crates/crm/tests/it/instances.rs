//! Three `crm serve` processes of the real binary on one database (issue 4): a sign-in made on
//! one instance works on the others, each due job runs in exactly one of them, and writes
//! through all three land once each with unique numbers.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use serde_json::{Value, json};

use crm_core::jobs::JobStore;

use crate::helpers::{PASSWORD, fresh_database_url, open_db, output_text as text, run_crm as crm};
use crate::web::csrf_of;

/// How long anything the tests wait for may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(20);

/// A fresh database with one user, made by `crm user add`.
async fn database_with_user(username: &str, role: &str, division: Option<&str>) -> String {
    let (db, _) = fresh_database_url().await;
    let mut args = vec!["user", "add", username, "--role", role, "--password-stdin"];
    if let Some(d) = division {
        args.extend(["--division", d]);
    }
    let o = crm(&args, &db, Some(&format!("{PASSWORD}\n")));
    assert!(o.status.success(), "{}", text(&o));
    db
}

/// One `crm serve` child process; its stderr (the log) is collected for the assertions.
struct Instance {
    child: Child,
    address: String,
    log: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Instance {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sends SIGTERM, as a service manager stops a server, and waits for the process to end;
    /// `None` (and the process killed) if it does not by the deadline.
    fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let started = Instant::now();
        let status = loop {
            match self.child.try_wait().unwrap() {
                Some(status) => break Some(status),
                None if started.elapsed() > DEADLINE => break None,
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        self.stop();
        status
    }

    /// Kills the process and waits until its output is read to the end.
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }

    fn log_lines_containing(&self, needles: &[&str]) -> usize {
        self.log.lock().unwrap().iter().filter(|l| needles.iter().all(|n| l.contains(n))).count()
    }
}

/// Three instances on one database; dropping it kills them, also when a test fails.
struct Cluster {
    instances: Vec<Instance>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Cluster {
    /// Starts three `crm serve` processes at once on `db`, each on a free port, and waits until
    /// each answers `/healthz`.
    async fn start(db: &str, jobs: bool) -> Self {
        let mut cluster = Cluster { instances: Vec::new() };
        let mut addresses = Vec::new();
        for _ in 0..3 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_crm"))
                .args(["serve", "--listen", "127.0.0.1:0"])
                .env("CRM_DATABASE_URL", db)
                .env("CRM_DATABASE_MAX_CONNECTIONS", "4")
                .env("CRM_JOBS__ENABLED", jobs.to_string())
                .env("CRM_JOBS__POLL_SECONDS", "1")
                .env("CRM_LOG", "crm=info,warn")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("crm serve runs");
            let (tx, rx) = mpsc::channel();
            let stdout = BufReader::new(child.stdout.take().unwrap());
            let stdout_reader = std::thread::spawn(move || {
                // Reads to the end so that the child never blocks on a full pipe.
                for line in stdout.lines().map_while(Result::ok) {
                    if let Some(a) = line.strip_prefix("crm is listening on ") {
                        let _ = tx.send(a.trim().to_string());
                    }
                }
            });
            let log = Arc::new(Mutex::new(Vec::new()));
            let stderr = BufReader::new(child.stderr.take().unwrap());
            let sink = log.clone();
            let stderr_reader = std::thread::spawn(move || {
                for line in stderr.lines().map_while(Result::ok) {
                    sink.lock().unwrap().push(line);
                }
            });
            addresses.push(rx);
            cluster.instances.push(Instance {
                child,
                address: String::new(),
                log,
                readers: vec![stdout_reader, stderr_reader],
            });
        }
        let client = Client::new();
        for (instance, address) in cluster.instances.iter_mut().zip(addresses) {
            instance.address = match address.recv_timeout(DEADLINE) {
                Ok(a) => a,
                Err(_) => {
                    instance.stop();
                    panic!("crm serve printed no address:\n{}", instance.log.lock().unwrap().join("\n"));
                }
            };
            let started = Instant::now();
            loop {
                let health = client.get(instance.url("/healthz")).send().await;
                if health.is_ok_and(|r| r.status() == StatusCode::OK) {
                    break;
                }
                assert!(started.elapsed() < DEADLINE, "{} never became healthy", instance.address);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        cluster
    }

    fn stop(&mut self) {
        for instance in &mut self.instances {
            instance.stop();
        }
    }
}

/// A client that shows redirects instead of following them and keeps no cookies, so each
/// request carries exactly the credentials the test gives it.
fn bare_client() -> Client {
    Client::builder().redirect(redirect::Policy::none()).build().unwrap()
}

/// The value of cookie `name` set by a response.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Signs in through the web form of `instance` and returns the session cookie.
async fn web_sign_in(client: &Client, instance: &Instance, username: &str) -> String {
    let page = client.get(instance.url("/login")).send().await.unwrap();
    let form_cookie = set_cookie(&page, "crm_form").expect("the login page sets its form cookie");
    let csrf = csrf_of(&page.text().await.unwrap());
    let r = client
        .post(instance.url("/login"))
        .header(COOKIE, format!("crm_form={form_cookie}"))
        .form(&[("csrf", csrf.as_str()), ("username", username), ("password", PASSWORD), ("next", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
    set_cookie(&r, "crm_session").expect("a session cookie")
}

/// Whether the web session `cookie` is signed in on `instance` (not sent to the sign-in page).
async fn web_signed_in(client: &Client, instance: &Instance, cookie: &str) -> bool {
    let r = client.get(instance.url("/users")).header(COOKIE, format!("crm_session={cookie}")).send().await.unwrap();
    match r.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert!(r.headers()[LOCATION].to_str().unwrap().starts_with("/login"), "{:?}", r.headers());
            false
        }
        other => panic!("GET /users on {}: {other}", instance.address),
    }
}

async fn api_status(client: &Client, instance: &Instance, token: &str) -> StatusCode {
    client.get(instance.url("/api/v1/users")).bearer_auth(token).send().await.unwrap().status()
}

async fn api_login(client: &Client, instance: &Instance, username: &str) -> String {
    let r = client
        .post(instance.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "login of {username} on {}", instance.address);
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_session_from_one_instance_works_on_the_others() {
    let db = database_with_user("admin", "admin", None).await;
    let cluster = Cluster::start(&db, false).await;
    let [one, two, three] = &cluster.instances[..] else { unreachable!() };
    let client = bare_client();

    let token = api_login(&client, one, "admin").await;
    let cookie = web_sign_in(&client, one, "admin").await;
    for instance in [one, two, three] {
        assert_eq!(api_status(&client, instance, &token).await, StatusCode::OK, "token on {}", instance.address);
        assert!(web_signed_in(&client, instance, &cookie).await, "web session on {}", instance.address);
    }

    // Signing out on the third instance ends both sessions on the first two.
    let r = client.post(three.url("/api/v1/auth/logout")).bearer_auth(&token).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let page = client.get(three.url("/users")).header(COOKIE, format!("crm_session={cookie}")).send().await.unwrap();
    let csrf = csrf_of(&page.text().await.unwrap());
    let r = client
        .post(three.url("/logout"))
        .header(COOKIE, format!("crm_session={cookie}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for instance in [one, two, three] {
        assert_eq!(api_status(&client, instance, &token).await, StatusCode::UNAUTHORIZED, "on {}", instance.address);
        assert!(!web_signed_in(&client, instance, &cookie).await, "web session on {}", instance.address);
    }
}

/// The housekeeping job's row, read behind the servers' backs.
async fn housekeeping(store: &crm_store::Db) -> crm_core::jobs::JobRecord {
    let jobs = store.list_jobs().await.unwrap();
    jobs.into_iter().find(|j| j.name == "housekeeping").expect("housekeeping is registered")
}

/// Polls until housekeeping has `runs` runs, failing at the deadline.
async fn wait_for_runs(store: &crm_store::Db, runs: i64) {
    let started = Instant::now();
    loop {
        let job = housekeeping(store).await;
        assert!(job.runs <= runs, "more runs than expected: {job:?}");
        if job.runs == runs && job.lease_owner.is_none() {
            return;
        }
        assert!(started.elapsed() < DEADLINE, "still waiting for run {runs}: {job:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn three_instances_started_at_once_on_an_empty_database_all_come_up_with_one_set_of_defaults() {
    let (db, _) = fresh_database_url().await;
    // Each start migrates the new database and writes the shipped defaults; they race.
    let cluster = Cluster::start(&db, false).await;
    assert_eq!(cluster.instances.len(), 3);
    let store = open_db(&db).await;
    let roles = crm_core::access::AccessStore::list_roles(&store, &crm_core::listing::ListRequest::first("code", 50))
        .await
        .unwrap();
    let codes: Vec<&str> = roles.items.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["admin", "director", "division_admin", "executive", "manager"]);
}

/// Three instances with their job runners on a new database, once housekeeping has run: the
/// runners start together and find it due at once.
async fn running_jobs() -> (String, Cluster, crm_store::Db) {
    let (db, _) = fresh_database_url().await;
    let o = crm(&["migrate"], &db, None);
    assert!(o.status.success(), "{}", text(&o));
    let cluster = Cluster::start(&db, true).await;
    let store = open_db(&db).await;
    wait_for_runs(&store, 1).await;
    (db, cluster, store)
}

#[tokio::test]
async fn a_job_started_on_three_instances_at_once_runs_exactly_once() {
    let (db, mut cluster, store) = running_jobs().await;
    let mut expected_runs = 1;

    // `crm jobs run` from three processes at once: each run is recorded, and whoever finds the
    // job leased says so instead of running it.
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_crm"))
                .args(["jobs", "run", "housekeeping"])
                .env("CRM_DATABASE_URL", &db)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for output in children.into_iter().map(|c| c.wait_with_output().unwrap()) {
        if output.status.success() {
            assert!(text(&output).contains("housekeeping: removed"), "{}", text(&output));
            expected_runs += 1;
        } else {
            assert!(text(&output).contains("running in another process"), "{}", text(&output));
        }
    }
    assert!(expected_runs > 1, "at least one `crm jobs run` ran the job");
    wait_for_runs(&store, expected_runs).await;

    // Three more due periods: the test plays one run that makes the job due again at once,
    // then exactly one of the instances runs it.
    const PERIODS: i64 = 3;
    for _ in 0..PERIODS {
        let now = Utc::now();
        assert!(store.claim_job("housekeeping", "test", now, now + chrono::Duration::minutes(1)).await.unwrap());
        store.finish_job("housekeeping", "test", now, now, None).await.unwrap();
        expected_runs += 1;
        wait_for_runs(&store, expected_runs + 1).await;
        expected_runs += 1;
    }

    // With every process gone, nothing can still be running: the count is final.
    cluster.stop();
    let job = housekeeping(&store).await;
    assert_eq!(job.runs, expected_runs, "{job:?}");
    assert_eq!((job.lease_owner.as_deref(), job.attempts, job.last_error.as_deref()), (None, 0, None), "{job:?}");
    assert!(job.run_at > Utc::now() + chrono::Duration::minutes(50), "{job:?}");
    // Other periodic jobs run too; count the runs of this one.
    let per_instance: Vec<usize> =
        cluster.instances.iter().map(|i| i.log_lines_containing(&["job done", "housekeeping"])).collect();
    assert_eq!(per_instance.iter().sum::<usize>(), 1 + PERIODS as usize, "runs by instance: {per_instance:?}");
}

#[tokio::test]
async fn instances_stopped_by_sigterm_end_cleanly_and_hold_no_job_leases() {
    let (_, mut cluster, store) = running_jobs().await;
    for instance in &mut cluster.instances {
        let status = instance.terminate();
        assert!(status.is_some_and(|s| s.success()), "{status:?}: {}", instance.log.lock().unwrap().join("\n"));
    }
    // A job running at the signal gives its lease back, one finished gave it back already:
    // the next process finds every job free at once instead of after the lease's ten minutes.
    let leased: Vec<_> = store.list_jobs().await.unwrap().into_iter().filter(|j| j.lease_owner.is_some()).collect();
    assert!(leased.is_empty(), "{leased:?}");
}

#[tokio::test]
async fn writes_through_all_instances_land_once_each() {
    let db = database_with_user("wang", "manager", Some("华东")).await;
    let cluster = Cluster::start(&db, false).await;
    let client = bare_client();
    let token = api_login(&client, &cluster.instances[0], "wang").await;

    let mut writes = tokio::task::JoinSet::new();
    for (i, instance) in cluster.instances.iter().enumerate() {
        for n in 0..30 {
            let (client, token) = (client.clone(), token.clone());
            let url = instance.url("/api/v1/customers?confirm_duplicate=true");
            let name = format!("实例{i}客户{n:02}");
            writes.spawn(async move {
                let r = client.post(url).bearer_auth(token).json(&json!({"name": name})).send().await.unwrap();
                let status = r.status();
                let body: Value = r.json().await.unwrap();
                assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
                body["number"].as_str().unwrap().to_string()
            });
        }
    }
    let mut numbers: Vec<String> = writes.join_all().await;
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 90, "numbers handed out twice");

    let r = client
        .get(cluster.instances[1].url("/api/v1/customers?count=true&limit=500"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["total"], 90);
    let mut listed: Vec<String> =
        page["items"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_string()).collect();
    listed.sort();
    assert_eq!(listed, numbers);
    let mut names: Vec<&str> = page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 90);
}
