//! The command line (shared/API.md): every command opens the database first, which applies
//! pending migrations, so any of them works on a fresh database.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crm_core::access::actions as access;
use crm_core::access::{Actor, NewDivision, UserInput};
use crm_core::jobs::JobStore;
use crm_store::Db;

use crate::app::{App, serve};
use crate::config::{Config, DEFAULTS};
use crate::i18n::Lang;
use crate::tabular::{self, FileFormat, Sheet};

#[derive(Debug, Parser)]
#[command(name = "crm", version, about = "客户关系管理系统 — a CRM in one binary (web UI, REST API, jobs)")]
pub struct Cli {
    /// Configuration file (default: crm.toml in the current folder, if present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database: sqlite://PATH or postgres://USER@HOST/DB [env: CRM_DATABASE_URL].
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web UI and the API (and the scheduled jobs).
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080 [env: CRM_LISTEN].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// List or run scheduled jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Copy the whole SQLite database to FILE while the server runs (PostgreSQL: use pg_dump).
    Backup {
        /// The copy to write; must not exist yet.
        file: PathBuf,
    },
    /// Replace the SQLite database with a backup. Stop `crm serve` first.
    Restore {
        /// A file written by `crm backup`.
        file: PathBuf,
    },
    /// Print the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Import records from a CSV (UTF-8 or GB18030) or .xlsx file: every row, or none if any
    /// row is bad; bad rows are listed as `row N: field: reason`.
    Import(ImportArgs),
    /// Export a whole list to a CSV or .xlsx file, with the rights of the acting user.
    Export(ExportArgs),
    /// Fill the database with a demo company: divisions, users for every role, customers with
    /// contacts, interactions, orders, opportunities and service requests over ten years; the
    /// same for the same seed.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many customers.
    #[arg(long, default_value_t = 3000)]
    pub customers: usize,
    /// Seed of the generator: the same seed gives the same company.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Read the demo users' password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    /// Add a demo company even though the database has customers already.
    #[arg(long)]
    pub force: bool,
}

/// What `crm import` can import.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportKind {
    /// Columns: name/产品名称, model/型号, unit/单位, price/单价, cost/成本, currency/币种, batch/批次.
    Products,
    /// Customers in --division for --owner: name/客户名称, phone/电话, region/地区, level/客户等级,
    /// industry/行业, address/地址, tax_number/税号, tags/标签, status/状态, satisfaction/满意度, ….
    Customers,
    /// Stock in --division: product/产品, model/型号, warehouse/仓库, location/货位, quantity/数量, notes/备注.
    Inventory,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub kind: ImportKind,
    /// A .csv file (UTF-8 with or without BOM, or GB18030) or an .xlsx workbook (first sheet);
    /// headers are API field names or the Chinese labels of the UI.
    pub file: PathBuf,
    /// Division the records go to, by name (for records that belong to a division).
    #[arg(long, value_name = "NAME")]
    pub division: Option<String>,
    /// Owner of the records, by user name (for records that have an owner).
    #[arg(long, value_name = "USERNAME")]
    pub owner: Option<String>,
    /// Check every row and list the problems, but change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Take a column as a field, e.g. --map 品名=name; `--map 颜色=-` leaves a column out.
    #[arg(long, value_name = "HEADER=FIELD", value_parser = header_field)]
    pub map: Vec<(String, String)>,
    /// Act as this user, with their rights, instead of as the system.
    #[arg(long = "as", value_name = "USERNAME")]
    pub acting_as: Option<String>,
}

/// What `crm export` can export: lists of the API, under their resource names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportKind {
    Products,
    Inventory,
    Users,
    Divisions,
    #[value(alias = "dictionary")]
    DictionaryEntries,
    #[value(alias = "audit")]
    AuditLog,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub kind: ExportKind,
    /// File format; by default the one the output file's extension names.
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,
    /// The file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Only records matching FIELD=VALUE, as the list's API filters (repeatable).
    #[arg(long, value_name = "FIELD=VALUE", value_parser = header_field)]
    pub filter: Vec<(String, String)>,
    /// Text search, as the list's `q`.
    #[arg(long, value_name = "TEXT")]
    pub q: Option<String>,
    /// Sort field, `-` first for descending, as the list's `sort`.
    #[arg(long, value_name = "FIELD")]
    pub sort: Option<String>,
    /// Act as this user, with their rights and divisions, instead of as the system.
    #[arg(long = "as", value_name = "USERNAME")]
    pub acting_as: Option<String>,
}

fn header_field(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("expected NAME=VALUE, got {text:?}"))
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add(UserAdd),
}

#[derive(Debug, Args)]
pub struct UserAdd {
    /// Sign-in name: 3–40 letters, digits, . _ -
    pub username: String,
    /// Role code: admin, executive, director, manager, division_admin (or one you created).
    #[arg(long, required = true)]
    pub role: Vec<String>,
    /// Division name; created if it does not exist yet.
    #[arg(long)]
    pub division: Vec<String>,
    /// Read the password from standard input (required: passwords never go on the command line).
    #[arg(long, required = true)]
    pub password_stdin: bool,
    /// Name shown in the UI.
    #[arg(long)]
    pub display_name: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Show every scheduled job, when it runs next and how its last run went.
    List,
    /// Run a job now, e.g. `crm jobs run housekeeping`.
    Run {
        /// Job name, as `crm jobs list` shows it.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting with its default and a comment.
    Example,
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

fn load_config(cli: &Cli, listen: Option<String>) -> Result<Config, crate::config::ConfigError> {
    Config::load(
        cli.config.as_deref(),
        std::env::vars(),
        &[("database_url", cli.database_url.clone()), ("listen", listen)],
    )
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

async fn open(config: &Config) -> Result<Db, crm_store::ConnectError> {
    Db::open(&crm_store::DbOptions {
        url: config.database_url.clone(),
        max_connections: config.database_max_connections,
    })
    .await
}

/// Explains a domain error on the terminal, with field messages in Chinese and English.
fn explain(e: crm_core::Error) -> Box<dyn std::error::Error> {
    match &e {
        crm_core::Error::Invalid(errors) => errors
            .iter()
            .map(|f| format!("{}: {} / {}", f.field, Lang::ZhCn.field_message(f), Lang::En.field_message(f)))
            .collect::<Vec<_>>()
            .join("\n")
            .into(),
        crm_core::Error::Conflict { code, field } => {
            format!("{}: {code}", field.as_deref().unwrap_or("conflict")).into()
        }
        _ => Box::new(e),
    }
}

pub async fn run(cli: Cli) -> CliResult {
    if let Command::Config(ConfigCommand::Example) = cli.command {
        print!("{DEFAULTS}");
        return Ok(());
    }
    let listen = match &cli.command {
        Command::Serve { listen } => listen.clone(),
        _ => None,
    };
    let config = load_config(&cli, listen)?;
    init_tracing(&config.log);
    match cli.command {
        Command::Serve { .. } => serve_command(config).await,
        Command::Migrate => {
            let db = open(&config).await?;
            db.close().await;
            println!("database is up to date");
            Ok(())
        }
        Command::User(UserCommand::Add(add)) => user_add(&config, add).await,
        Command::Jobs(JobsCommand::List) => {
            let db = open(&config).await?;
            crate::jobs::register_all(&db).await.map_err(explain)?;
            println!("{:<16} {:<26} {:>6}  LAST ERROR", "NAME", "NEXT RUN (UTC)", "RUNS");
            for job in db.list_jobs().await? {
                println!(
                    "{:<16} {:<26} {:>6}  {}",
                    job.name,
                    job.run_at.format("%Y-%m-%d %H:%M:%S"),
                    job.runs,
                    job.last_error.unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Jobs(JobsCommand::Run { name }) => {
            let db = open(&config).await?;
            let summary = crate::jobs::run_now(&db, &config, &name).await?;
            println!("{name}: {summary}");
            Ok(())
        }
        Command::Backup { file } => {
            let db = open(&config).await?;
            db.backup_to(&file).await.map_err(|e| match e {
                crm_core::store::StoreError::Conflict { .. } => format!("{} exists already", file.display()).into(),
                other => Box::<dyn std::error::Error>::from(other),
            })?;
            println!("backup written to {}", file.display());
            Ok(())
        }
        Command::Restore { file } => restore(&config, &file).await,
        Command::Import(args) => import(&config, args).await,
        Command::Export(args) => export(&config, args).await,
        Command::Demo(args) => demo(&config, args).await,
        Command::Config(ConfigCommand::Example) => Ok(()),
    }
}

/// Ctrl-C, or the SIGTERM that service managers and `kill` send: either lets open requests
/// finish and a running job give back its lease before the process ends.
async fn stop_signal() {
    #[cfg(unix)]
    if let Ok(mut terminate) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        return;
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn serve_command(config: Config) -> CliResult {
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let public_url = config.public_url(listener.local_addr()?);
    let app = App::build(config).await?;
    if let Some(token) = access::issue_setup_token(&app.state.db).await.map_err(explain)? {
        println!("No users yet. Create the first administrator here (the link works once, for 24 hours):");
        println!("尚无用户。请打开以下链接创建第一个管理员（一次有效，24 小时内）：");
        println!("  {public_url}/setup?token={token}");
    }
    println!("crm is listening on http://{}", listener.local_addr()?);
    serve(app, listener, stop_signal()).await?;
    Ok(())
}

async fn user_add(config: &Config, add: UserAdd) -> CliResult {
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    let db = open(config).await?;
    let system = Actor::system();
    let mut input = UserInput {
        username: add.username,
        password,
        display_name: add.display_name,
        roles: add.role,
        ..Default::default()
    };
    access::check_new_user(&db, &system, input.clone()).await.map_err(explain)?;
    for name in &add.division {
        let division = match crm_core::access::AccessStore::division_by_name(&db, name.trim()).await? {
            Some(d) => d,
            None => {
                let new = NewDivision::parse(name, "").map_err(explain)?;
                let d = access::create_division(&db, &system, new).await.map_err(explain)?;
                println!("created division {} / 已创建版块 {}", d.name, d.name);
                d
            }
        };
        input.division_ids.push(division.id);
    }
    let user = access::create_user(&db, &system, input).await.map_err(explain)?;
    println!("created user {} ({})", user.username, user.roles.join(", "));
    Ok(())
}

/// Checks the backup opens as a crm database, then puts it in place of the current file.
async fn restore(config: &Config, file: &Path) -> CliResult {
    if crm_store::Backend::from_url(&config.database_url)? == crm_store::Backend::Postgres {
        return Err(
            "crm restore replaces SQLite databases; for PostgreSQL use pg_restore (or psql) with a pg_dump file".into(),
        );
    }
    if !file.is_file() {
        return Err(format!("{} is not a file", file.display()).into());
    }
    let target = config.database_url.trim_start_matches("sqlite:").trim_start_matches("//");
    let target = Path::new(target.split('?').next().unwrap_or(target));
    let staging = target.with_extension("restoring");
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(file, &staging)?;
    let check =
        Db::open(&crm_store::DbOptions { url: format!("sqlite://{}", staging.display()), max_connections: 1 }).await;
    match check {
        Ok(db) => db.close().await,
        Err(e) => {
            let _ = std::fs::remove_file(&staging);
            return Err(format!("{} is not a usable crm database: {e}", file.display()).into());
        }
    }
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(side)?;
        }
        let _ = std::fs::remove_file(format!("{}{suffix}", staging.display()));
    }
    std::fs::rename(&staging, target)?;
    if std::io::stdout().is_terminal() {
        println!("restored {} from {}", target.display(), file.display());
    } else {
        println!("restored {}", target.display());
    }
    Ok(())
}

async fn demo(config: &Config, args: DemoArgs) -> CliResult {
    use rand::Rng;
    let generated = !args.password_stdin;
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let mut rng = rand::rng();
        (0..16).map(|_| char::from(rng.sample(rand::distr::Alphanumeric))).collect()
    };
    let db = open(config).await?;
    if !args.force && crate::demo::has_customers(&db).await.map_err(explain)? {
        return Err("the database has customers already; use --force to add a demo company anyway / 数据库中已有客户；如仍要添加演示数据，请加 --force".into());
    }
    let options = crate::demo::Options { customers: args.customers, seed: args.seed, password, force: args.force };
    let bar = progress_bar("demo [{bar:40}] {pos}/{len} {eta}");
    let started = std::time::Instant::now();
    let summary = crate::demo::run(&db, &options, &bar).await.map_err(explain)?;
    bar.finish_and_clear();
    println!(
        "demo company: {} customers, {} contacts, {} interactions, {} orders, {} opportunities, {} service requests \
         in {:.1} s",
        summary.customers,
        summary.contacts,
        summary.interactions,
        summary.orders,
        summary.opportunities,
        summary.service_requests,
        started.elapsed().as_secs_f64()
    );
    let seconds = summary.loading.as_secs_f64();
    println!(
        "rows: {} in {:.1} s ({:.0} rows/s)",
        summary.rows,
        seconds,
        summary.rows as f64 / seconds.max(f64::EPSILON)
    );
    if !summary.users.is_empty() {
        println!("users: {}", summary.users.join(", "));
        if generated {
            println!(
                "password of every demo user (shown only now) / 演示用户的密码（仅显示这一次）: {}",
                options.password
            );
        }
    }
    Ok(())
}

/// A message in Chinese and English, like the field errors of `explain`.
fn both(key: &str, args: &[(&str, String)]) -> String {
    format!("{} / {}", Lang::ZhCn.t_args(key, args), Lang::En.t_args(key, args))
}

/// A progress bar on standard error while standard output is a terminal; hidden otherwise,
/// so scripts and logs get only the results.
fn progress_bar(template: &str) -> indicatif::ProgressBar {
    if !std::io::stdout().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// The system, or with `--as` the named user with their roles and divisions.
async fn actor(db: &Db, username: Option<&str>) -> Result<Actor, Box<dyn std::error::Error>> {
    use crm_core::access::AccessStore;
    let Some(name) = username else { return Ok(Actor::system()) };
    let name = name.trim().to_ascii_lowercase();
    let record = db.login_record(&name).await?.ok_or_else(|| both("cli-no-such-user", &[("name", name.clone())]))?;
    if record.frozen {
        return Err(both("cli-user-frozen", &[("name", name)]).into());
    }
    let user = db.get_user(&crm_core::access::Scope::everything(), record.user_id).await?;
    access::actor_for(db, user).await.map_err(explain)
}

async fn import(config: &Config, args: ImportArgs) -> CliResult {
    use tabular::import::{Options, run};
    let bytes = std::fs::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let table = tabular::read(&bytes).map_err(|e| explain(crm_core::Error::Invalid(vec![e])))?;
    let db = open(config).await?;
    let actor = actor(&db, args.acting_as.as_deref()).await?;
    let options = Options { division: args.division, owner: args.owner, mapping: args.map, dry_run: args.dry_run };
    let bar = progress_bar("{msg} [{bar:40}] {pos}/{len}");
    bar.set_message(args.file.display().to_string());
    let report = match args.kind {
        ImportKind::Products => run::<tabular::products::Products>(&db, &actor, &table, &options, &bar).await,
        ImportKind::Inventory => run::<tabular::inventory::Inventory>(&db, &actor, &table, &options, &bar).await,
        ImportKind::Customers => run::<tabular::customers::Customers>(&db, &actor, &table, &options, &bar).await,
    }
    .map_err(explain)?;
    bar.finish_and_clear();
    for (column, header) in &report.ignored {
        let column = tabular::mapping::column_letter(*column);
        println!("{}", both("import-column-ignored", &[("column", column), ("header", header.clone())]));
    }
    for e in &report.errors {
        let (zh, en) = (Lang::ZhCn.field_message(&e.error), Lang::En.field_message(&e.error));
        println!("row {}: {}: {zh} / {en}", e.row, e.error.field);
    }
    let rows = report.rows.to_string();
    if !report.errors.is_empty() {
        let bad: std::collections::BTreeSet<usize> = report.errors.iter().map(|e| e.row).collect();
        return Err(both("import-rejected", &[("bad", bad.len().to_string()), ("rows", rows)]).into());
    }
    if args.dry_run {
        println!("{}", both("import-checked", &[("rows", rows)]));
    } else {
        println!("{}", both("import-done", &[("rows", report.written.to_string())]));
    }
    Ok(())
}

async fn export(config: &Config, args: ExportArgs) -> CliResult {
    use crm_core::listing::{ListParams, ListRequest};
    let format = args
        .format
        .or_else(|| FileFormat::of_path(&args.output))
        .ok_or_else(|| both("export-format-needed", &[("file", args.output.display().to_string())]))?;
    let params = ListParams { sort: args.sort, q: args.q, ..Default::default() };
    let req = ListRequest::parse(params, args.filter).map_err(explain)?;
    let db = open(config).await?;
    let actor = actor(&db, args.acting_as.as_deref()).await?;
    let bar = progress_bar("{spinner} {pos} {msg}");
    let sheet = export_sheet(&db, &actor, args.kind, req, &bar).await?;
    bar.finish_and_clear();
    let name = clap::ValueEnum::to_possible_value(&args.kind).map(|v| v.get_name().to_string()).unwrap_or_default();
    let bytes = sheet.to_file(format, &name)?;
    std::fs::write(&args.output, bytes).map_err(|e| format!("{}: {e}", args.output.display()))?;
    let rows = sheet.rows.len().to_string();
    println!("{}", both("export-done", &[("rows", rows), ("file", args.output.display().to_string())]));
    Ok(())
}

/// Every record of a list the actor may export, through the list's use case.
async fn export_sheet(
    db: &Db,
    actor: &Actor,
    kind: ExportKind,
    req: crm_core::listing::ListRequest,
    bar: &indicatif::ProgressBar,
) -> Result<Sheet, Box<dyn std::error::Error>> {
    use crm_core::access::Module;
    use crm_core::base_data::actions as base_data;
    use tabular::export::all_pages;
    let sheet = match kind {
        ExportKind::Products => {
            let fetch = |r| async move { base_data::list_products(db, actor, &r).await };
            Sheet::of(&all_pages(actor, Module::Products, req, fetch, bar).await.map_err(explain)?)
        }
        ExportKind::Inventory => {
            let fetch = |r| async move { base_data::list_inventory(db, actor, &r).await };
            Sheet::of(&all_pages(actor, Module::Inventory, req, fetch, bar).await.map_err(explain)?)
        }
        ExportKind::Users => {
            let fetch = |r| async move { access::list_users(db, actor, &r).await };
            Sheet::of(&all_pages(actor, Module::Users, req, fetch, bar).await.map_err(explain)?)
        }
        ExportKind::Divisions => {
            let fetch = |r| async move { access::list_divisions(db, actor, &r).await };
            Sheet::of(&all_pages(actor, Module::Divisions, req, fetch, bar).await.map_err(explain)?)
        }
        ExportKind::DictionaryEntries => {
            let fetch = |r| async move { base_data::list_dictionary_entries(db, actor, &r).await };
            Sheet::of(&all_pages(actor, Module::Dictionary, req, fetch, bar).await.map_err(explain)?)
        }
        ExportKind::AuditLog => {
            let fetch = |r| async move { access::list_audit(db, actor, &r).await };
            Sheet::of(&all_pages(actor, Module::Audit, req, fetch, bar).await.map_err(explain)?)
        }
    };
    Ok(sheet?)
}
