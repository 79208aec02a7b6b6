//! The one typed configuration: built-in defaults < config file < `CRM_…` environment
//! variables < command-line flags. Loaded once in `main` and passed down.

use std::fmt;
use std::path::Path;

use serde::Deserialize;

/// The built-in defaults, with a comment on every setting (`crm config example`).
pub const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: String,
    pub database_url: String,
    pub database_max_connections: u32,
    pub public_url: String,
    pub log: String,
    pub access: AccessConfig,
    pub jobs: JobsConfig,
    pub sales: SalesConfig,
    pub churn: ChurnConfig,
    pub schedule: ScheduleConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    pub session_hours: i64,
    pub max_login_failures: i64,
    pub login_failure_window_minutes: i64,
    pub inactive_after_days: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    pub enabled: bool,
    pub poll_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalesConfig {
    /// Days without activity after which an open opportunity is flagged stale (SAL-5).
    pub stale_after_days: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChurnConfig {
    /// Months without an order after which an active customer is warned (CHN-1).
    pub inactive_after_months: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// Minutes before a task is due or an event starts that its people are reminded (TSK-3).
    pub remind_before_minutes: i64,
}

/// The database URL may hold a password: it is never printed whole.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &redact_url(&self.database_url))
            .field("database_max_connections", &self.database_max_connections)
            .field("public_url", &self.public_url)
            .field("access", &self.access)
            .field("jobs", &self.jobs)
            .field("sales", &self.sales)
            .field("churn", &self.churn)
            .field("schedule", &self.schedule)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("configuration {origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl Config {
    /// Loads the layers. `file`: an explicit config file (must exist), else `crm.toml` if present.
    /// `env`: the process environment (passed in so tests need not touch it).
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        flags: &[(&str, Option<String>)],
    ) -> Result<Self, ConfigError> {
        let invalid = |origin: &str, message: String| ConfigError::Invalid { origin: origin.to_string(), message };
        let mut table: toml::Table =
            DEFAULTS.parse().map_err(|e: toml::de::Error| invalid("defaults", e.to_string()))?;
        let path =
            file.map(Path::to_path_buf).or_else(|| Some("crm.toml".into()).filter(|p: &std::path::PathBuf| p.exists()));
        if let Some(path) = path {
            let text = std::fs::read_to_string(&path)
                .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
            let file_table: toml::Table =
                text.parse().map_err(|e: toml::de::Error| invalid(&path.display().to_string(), e.to_string()))?;
            merge(&mut table, file_table);
        }
        for (name, value) in env {
            let Some(key) = name.strip_prefix("CRM_") else { continue };
            let path: Vec<String> = key.split("__").map(str::to_ascii_lowercase).collect();
            if !has_key(&table, &path) {
                // Other programs (and our tests) use CRM_ variables too; only known keys apply.
                tracing::debug!(variable = %name, "environment variable is not a setting; ignored");
                continue;
            }
            set(&mut table, &path, &value);
        }
        for (key, value) in flags {
            if let Some(v) = value {
                set(&mut table, &[key.to_string()], v);
            }
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| invalid("settings", e.message().to_string()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid =
            |key: &str, message: &str| ConfigError::Invalid { origin: key.to_string(), message: message.into() };
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid("listen", "must be an address with a port, e.g. 127.0.0.1:8080"));
        }
        crm_store::Backend::from_url(&self.database_url).map_err(|e| invalid("database_url", &e.to_string()))?;
        if self.database_max_connections == 0 {
            return Err(invalid("database_max_connections", "must be at least 1"));
        }
        if self.access.session_hours <= 0 || self.access.max_login_failures <= 0 || self.access.inactive_after_days <= 0
        {
            return Err(invalid(
                "access",
                "session_hours, max_login_failures and inactive_after_days must be positive",
            ));
        }
        if self.sales.stale_after_days <= 0 {
            return Err(invalid("sales.stale_after_days", "must be at least 1"));
        }
        if self.churn.inactive_after_months == 0 {
            return Err(invalid("churn.inactive_after_months", "must be at least 1"));
        }
        if !(1..=10_080).contains(&self.schedule.remind_before_minutes) {
            return Err(invalid("schedule.remind_before_minutes", "must be from 1 to 10080 (a week)"));
        }
        if self.jobs.poll_seconds == 0 {
            return Err(invalid("jobs.poll_seconds", "must be at least 1"));
        }
        Ok(())
    }

    /// Where users reach this server: the configured address, else the one it listens on.
    pub fn public_url(&self, bound: std::net::SocketAddr) -> String {
        if self.public_url.is_empty() {
            format!("http://{bound}")
        } else {
            self.public_url.trim_end_matches('/').to_string()
        }
    }

    pub fn access_settings(&self) -> crm_core::access::actions::AccessSettings {
        crm_core::access::actions::AccessSettings {
            session_hours: self.access.session_hours,
            max_login_failures: self.access.max_login_failures,
            login_failure_window_minutes: self.access.login_failure_window_minutes,
            inactive_after_days: self.access.inactive_after_days,
        }
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn has_key(table: &toml::Table, path: &[String]) -> bool {
    match path {
        [] => false,
        [last] => table.contains_key(last),
        [first, rest @ ..] => matches!(table.get(first), Some(toml::Value::Table(t)) if has_key(t, rest)),
    }
}

/// Sets a value given as text, typed like the default it replaces.
fn set(table: &mut toml::Table, path: &[String], text: &str) {
    let [first, rest @ ..] = path else { return };
    if rest.is_empty() {
        let value = match table.get(first) {
            Some(toml::Value::Integer(_)) => text.parse().map(toml::Value::Integer).unwrap_or_else(|_| text.into()),
            Some(toml::Value::Boolean(_)) => text.parse().map(toml::Value::Boolean).unwrap_or_else(|_| text.into()),
            _ => toml::Value::String(text.to_string()),
        };
        table.insert(first.clone(), value);
    } else if let Some(toml::Value::Table(t)) = table.get_mut(first) {
        set(t, rest, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn environment_overrides_defaults_and_flags_override_environment() {
        let c = Config::load(
            None,
            env(&[("CRM_LISTEN", "0.0.0.0:9000"), ("CRM_ACCESS__SESSION_HOURS", "2"), ("CRM_TEST_X", "y")]),
            &[("database_url", Some("postgres://u:pw@h/db".into()))],
        )
        .unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.access.session_hours, 2);
        assert_eq!(c.database_url, "postgres://u:pw@h/db");
        assert!(!format!("{c:?}").contains("pw"));
    }

    #[test]
    fn unknown_keys_in_a_file_and_bad_values_are_errors() {
        let dir = std::env::temp_dir().join(format!("crm-config-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("crm.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let err = Config::load(Some(&file), Vec::new(), &[]).unwrap_err().to_string();
        assert!(err.contains("lisen"), "{err}");
        let err = Config::load(None, env(&[("CRM_DATABASE_URL", "mysql://x")]), &[]).unwrap_err().to_string();
        assert!(err.contains("database_url"), "{err}");
    }
}
