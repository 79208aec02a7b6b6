//! `TestApp::spawn()` and typed helpers for driving the real server over HTTP.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crm::app::{App, serve};
use crm::config::Config;
use crm_core::access::{Actor, UserInput, actions as access};
use crm_store::{Db, DbOptions};

pub const PASSWORD: &str = "correct-horse-battery";

/// A fresh database URL: a temporary SQLite file, or a new schema in the PostgreSQL
/// database named by CRM_TEST_POSTGRES_URL.
pub async fn fresh_database_url() -> (String, Option<PathBuf>) {
    let name = format!("t{}", uuid::Uuid::now_v7().simple());
    match std::env::var("CRM_TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => {
            let pool = sqlx::PgPool::connect(&base).await.expect("CRM_TEST_POSTGRES_URL must be reachable");
            sqlx::query(&format!("CREATE SCHEMA {name}")).execute(&pool).await.expect("create schema");
            pool.close().await;
            let sep = if base.contains('?') { '&' } else { '?' };
            (format!("{base}{sep}options=-c%20search_path%3D{name}"), None)
        }
        _ => {
            let dir = std::env::temp_dir().join("crm-tests").join(&name);
            std::fs::create_dir_all(&dir).expect("temp dir");
            (format!("sqlite://{}", dir.join("crm.db").display()), Some(dir))
        }
    }
}

pub fn is_postgres() -> bool {
    std::env::var("CRM_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty())
}

pub fn test_config(database_url: &str) -> Config {
    Config::load(
        None,
        Vec::new(),
        &[("database_url", Some(database_url.to_string())), ("listen", Some("127.0.0.1:0".to_string()))],
    )
    .expect("test config")
}

/// API tokens of the people `TestApp::staff` makes.
pub struct Staff {
    pub director: String,
    pub north_director: String,
    pub executive: String,
    pub wang: String,
    /// liming, wangwei's colleague.
    pub colleague: String,
}

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub client: Client,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        let (database_url, _) = fresh_database_url().await;
        Self::spawn_on(&database_url).await
    }

    /// A server on an existing database, e.g. one `crm demo` filled.
    pub async fn spawn_on(database_url: &str) -> Self {
        let mut config = test_config(database_url);
        config.jobs.enabled = false;
        let app = App::build(config).await.expect("app starts");
        let db = app.state.db.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(serve(app, listener, async {
            let _ = stopped.await;
        }));
        let client = Client::builder().cookie_store(true).build().expect("client");
        TestApp { address, db, client, stop: Some(stop) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Creates a division directly through the use case, as the system.
    pub async fn division(&self, name: &str) -> uuid::Uuid {
        let new = crm_core::access::NewDivision::parse(name, "").expect("division");
        access::create_division(&self.db, &Actor::system(), new).await.expect("create division").id
    }

    /// 华东 with a director (dongfang) and two account managers (wangwei, liming), 华北 with a
    /// director (zhaolei), and an executive (boss), with their API tokens.
    pub async fn staff(&self) -> Staff {
        let east = self.division("华东").await;
        let north = self.division("华北").await;
        Staff {
            director: self.user("dongfang", "director", &[east]).await,
            north_director: self.user("zhaolei", "director", &[north]).await,
            executive: self.user("boss", "executive", &[]).await,
            wang: self.user("wangwei", "manager", &[east]).await,
            colleague: self.user("liming", "manager", &[east]).await,
        }
    }

    /// Creates a user with one role in the given divisions and returns an API token for them.
    pub async fn user(&self, username: &str, role: &str, divisions: &[uuid::Uuid]) -> String {
        let input = UserInput {
            username: username.into(),
            password: PASSWORD.into(),
            roles: vec![role.into()],
            division_ids: divisions.to_vec(),
            ..Default::default()
        };
        access::create_user(&self.db, &Actor::system(), input).await.expect("create user");
        self.login(username, PASSWORD).await
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let r = self.post_json("/api/v1/auth/login", None, &json!({"username": username, "password": password})).await;
        assert_eq!(r.status(), StatusCode::OK, "login of {username}");
        let body: Value = r.json().await.expect("json");
        body["token"].as_str().expect("token").to_string()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    pub async fn patch_json(&self, path: &str, token: &str, if_match: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.patch(self.url(path)).bearer_auth(token).json(body);
        if let Some(v) = if_match {
            req = req.header("If-Match", v);
        }
        req.send().await.expect("request")
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.client.delete(self.url(path)).bearer_auth(token).send().await.expect("request")
    }

    /// The id of a user, by name.
    pub async fn user_id(&self, username: &str) -> String {
        use crm_core::access::AccessStore;
        self.db.login_record(username).await.expect("lookup").expect("user exists").user_id.to_string()
    }

    /// Creates a customer through the API (confirming any duplicates) and returns it.
    pub async fn create_customer(&self, token: &str, body: &Value) -> Value {
        self.created("/api/v1/customers?confirm_duplicate=true", token, body).await
    }

    /// POST that must answer 201, returning the JSON body.
    pub async fn created(&self, path: &str, token: &str, body: &Value) -> Value {
        let r = self.post_json(path, Some(token), body).await;
        let status = r.status();
        let json: Value = r.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {json}");
        json
    }

    /// The id of the dictionary entry of `kind` labelled `label`.
    pub async fn dictionary_entry(&self, token: &str, kind: &str, label: &str) -> String {
        let page = self.get_ok(&format!("/api/v1/dictionary-entries?kind={kind}&label={label}"), token).await;
        page["items"][0]["id"].as_str().unwrap_or_else(|| panic!("no {kind} {label}")).to_string()
    }

    /// GET that must succeed, returning the JSON body.
    pub async fn get_ok(&self, path: &str, token: &str) -> Value {
        let r = self.get(path, Some(token)).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.expect("json")
    }
}

/// Opens another connection to a test database (for checks behind the server's back).
pub async fn open_db(url: &str) -> Db {
    Db::open(&DbOptions { url: url.to_string(), max_connections: 2 }).await.expect("open db")
}

/// Sets a time of a record as the store keeps it (UTC text), behind the server's back: for
/// times in the past the API does not take.
pub async fn set_time(url: &str, table: &str, column: &str, id: &str, at: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let at: chrono::DateTime<chrono::Utc> = at.parse().unwrap();
    let text = at.format("%Y-%m-%dT%H:%M:%S%.6fZ");
    let done = sqlx::query(&format!("UPDATE {table} SET {column} = '{text}' WHERE id = '{id}'")).execute(&pool).await;
    assert_eq!(done.unwrap().rows_affected(), 1, "{table} {id}");
    pool.close().await;
}

/// Runs the real `crm` binary with `args` on the database `db` to its end, `stdin` (if any)
/// written to its standard input.
pub fn run_crm(args: &[&str], db: &str, stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(args)
        .env("CRM_DATABASE_URL", db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("crm runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// A process's standard output and error, for assertion messages.
pub fn output_text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}
