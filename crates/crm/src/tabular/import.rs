//! The import pipeline, the same for every record kind (CUS-9, BAS-2): map the file's
//! columns, turn each row into the domain's raw input, and hand the whole batch to the kind's
//! use case, which checks every row with the domain's rules and writes all rows or none.

use std::collections::HashSet;
use std::future::Future;

use indicatif::ProgressBar;

use crm_core::access::Actor;
use crm_core::base_data::import::{Batch, RowError};
use crm_core::{Error, FieldError};
use crm_store::Db;

use super::mapping::{Field, Mapping, Record};
use super::read::Table;

/// What the person importing chose besides the file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The division the records go to, by name (for kinds whose records have one).
    pub division: Option<String>,
    /// The owner of the records, by user name (for kinds whose records have one).
    pub owner: Option<String>,
    /// Explicit column mapping, header → field name (`-` leaves a column out).
    pub mapping: Vec<(String, String)>,
    pub dry_run: bool,
}

/// A record kind that can be imported: its fields, how a row becomes the domain's raw input,
/// and the batch use case that checks and writes it. Adding a kind is one such impl.
pub trait Importable {
    const FIELDS: &'static [Field];
    /// Domain fields that a file gives under another name (`product_id` as `product`).
    const RENAMED: &'static [(&'static str, &'static str)] = &[];
    /// What rows refer to by name (a division, an owner, dictionary labels), looked up once.
    type Context: Send + Sync;
    type Input: Send;

    fn context(db: &Db, actor: &Actor, options: &Options) -> impl Future<Output = Result<Self::Context, Error>> + Send;

    /// The row as the domain's raw input. Problems only a file can have (a label that is not
    /// in the dictionary) go to `errors`; the domain checks everything else.
    fn input(context: &Self::Context, record: &Record<'_>, errors: &mut Vec<FieldError>) -> Self::Input;

    /// The kind's batch use case: with any bad row, or with `dry_run`, it writes nothing.
    fn submit(
        db: &Db,
        actor: &Actor,
        context: &Self::Context,
        rows: Vec<(usize, Self::Input)>,
        dry_run: bool,
    ) -> impl Future<Output = Result<Batch<()>, Error>> + Send;
}

/// Forgets the created records of a batch, keeping their number.
pub fn counted<T>(batch: Batch<T>) -> Batch<()> {
    match batch {
        Batch::Rejected(errors) => Batch::Rejected(errors),
        Batch::Checked(n) => Batch::Checked(n),
        Batch::Created(records) => Batch::Created(vec![(); records.len()]),
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Data rows in the file.
    pub rows: usize,
    /// Records written: all rows, or none.
    pub written: usize,
    /// Every bad row's problems, in row order; nothing is written when there is one.
    pub errors: Vec<RowError>,
    /// Columns no field took, as (column index, header).
    pub ignored: Vec<(usize, String)>,
}

/// Imports a table as records of kind `K`. Problems of the file as a whole (a missing
/// column, no data rows) are `Error::Invalid` with their field; bad rows are in the report.
pub async fn run<K: Importable>(
    db: &Db,
    actor: &Actor,
    table: &Table,
    options: &Options,
    progress: &ProgressBar,
) -> Result<Report, Error> {
    let mapping = Mapping::new(K::FIELDS, &table.headers, &options.mapping).map_err(Error::Invalid)?;
    if table.rows.is_empty() {
        return Err(Error::invalid("file", "no_rows"));
    }
    let context = K::context(db, actor, options).await?;
    progress.set_length(table.rows.len() as u64);
    let mut errors = Vec::new();
    let mut inputs = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let mut row_errors = Vec::new();
        let input = K::input(&context, &mapping.record(row), &mut row_errors);
        errors.extend(row_errors.into_iter().map(|error| RowError { row: row.number, error }));
        inputs.push((row.number, input));
        progress.inc(1);
    }
    // Rows with problems of their own still go through the domain's checks, so that one
    // run lists everything; they just must not be written.
    let dry_run = options.dry_run || !errors.is_empty();
    let converted: HashSet<(usize, String)> = errors.iter().map(|e| (e.row, e.error.field.clone())).collect();
    let written = match K::submit(db, actor, &context, inputs, dry_run).await? {
        Batch::Rejected(found) => {
            for mut e in found {
                if let Some((_, file_field)) = K::RENAMED.iter().find(|(domain, _)| *domain == e.error.field) {
                    e.error.field = (*file_field).to_string();
                }
                // A cell the kind could not convert is reported once, not again by the domain.
                if !converted.contains(&(e.row, e.error.field.clone())) {
                    errors.push(e);
                }
            }
            0
        }
        Batch::Checked(_) => 0,
        Batch::Created(records) => records.len(),
    };
    errors.sort_by_key(|e| e.row);
    Ok(Report { rows: table.rows.len(), written, errors, ignored: mapping.ignored })
}
