//! The one list helper: scope, filters, text search, keyset pagination and totals,
//! for every list of every module.

use sqlx::any::AnyRow;

use crm_core::FieldError;
use crm_core::access::Scope;
use crm_core::listing::{Cursor, ListRequest, Page, Sort, SortValue};
use crm_core::store::StoreError;

use crate::sql::{Arg, RowExt, Sql, store_error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Bool,
}

/// How a list's API names map to SQL: which fields sort, which filter, which `q` searches.
pub struct ListSpec {
    /// `FROM …` clause including joins, e.g. `products p`.
    pub from: &'static str,
    /// Selected columns.
    pub columns: &'static str,
    /// The unique id column that breaks sort ties, e.g. `p.id`.
    pub id: &'static str,
    /// The sort when none is asked for: an API field of `sorts`, `-` first for descending.
    pub default_sort: &'static str,
    /// (API field, SQL expression, kind). Expressions must not be NULL.
    pub sorts: &'static [(&'static str, &'static str, Kind)],
    pub filters: &'static [(&'static str, &'static str, Kind)],
    /// Columns that `q` matches with a case-insensitive substring search.
    pub search: &'static [&'static str],
    /// The division and owner columns the caller's scope restricts, if the records have them.
    pub division: Option<&'static str>,
    pub owner: Option<&'static str>,
}

impl ListSpec {
    /// Appends ` AND …` conditions for the scope.
    pub fn push_scope(&self, sql: &mut Sql, scope: &Scope) {
        push_scope(sql, scope, self.division, self.owner);
    }
}

/// Appends the scope's conditions on the given columns: the one place reads are restricted.
pub fn push_scope(sql: &mut Sql, scope: &Scope, division: Option<&str>, owner: Option<&str>) {
    if let (Some(col), Some(divisions)) = (division, &scope.divisions) {
        let ids: Vec<String> = divisions.iter().map(ToString::to_string).collect();
        sql.push(" AND ").bind_in(col, &ids);
    }
    if let (Some(col), Some(owner_id)) = (owner, scope.owner_id) {
        sql.push(" AND ").push(col).push(" = ").bind(owner_id);
    }
}

fn filter_arg(field: &str, value: &str, kind: Kind) -> Result<Arg, StoreError> {
    let bad = || StoreError::Invalid(FieldError::new(field, "invalid_filter"));
    Ok(match kind {
        Kind::Text => Arg::Text(value.to_string()),
        Kind::Int => Arg::Int(value.parse().map_err(|_| bad())?),
        Kind::Bool => Arg::Bool(match value {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(bad()),
        }),
    })
}

/// One record of a list by id, within the scope: the one way to read a record, so that a
/// record outside the caller's divisions is simply not found.
pub async fn find<'c, E>(conn: E, spec: &ListSpec, scope: &Scope, id: uuid::Uuid) -> Result<AnyRow, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    find_where(conn, spec, scope, &Sql::default(), id).await
}

/// `find` with further conditions (starting with ` AND `), as `list` takes them: for records
/// whose scope is not a column of their own, such as a contact's through its customer.
pub async fn find_where<'c, E>(
    conn: E,
    spec: &ListSpec,
    scope: &Scope,
    extra: &Sql,
    id: uuid::Uuid,
) -> Result<AnyRow, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    find_sql(spec, scope, extra, id)
        .query()
        .fetch_optional(conn)
        .await
        .map_err(store_error)?
        .ok_or(StoreError::NotFound)
}

/// The statement of `find_where`, for a `Batch` that reads a record back after writing it.
pub fn find_sql(spec: &ListSpec, scope: &Scope, extra: &Sql, id: uuid::Uuid) -> Sql {
    let mut sql = Sql::new("SELECT ");
    sql.push(spec.columns).push(" FROM ").push(spec.from).push(" WHERE ").push(spec.id).push(" = ").bind(id);
    spec.push_scope(&mut sql, scope);
    sql.append(extra);
    sql
}

/// `%text%` with LIKE's wildcards escaped.
pub fn like_pattern(q: &str) -> String {
    let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{}%", escaped.to_lowercase())
}

/// Runs a list query. `extra` holds further conditions (starting with ` AND `) that a
/// module adds; the rows come back raw for the module to map.
pub async fn list(
    pool: &sqlx::AnyPool,
    spec: &ListSpec,
    scope: &Scope,
    extra: &Sql,
    req: &ListRequest,
) -> Result<Page<AnyRow>, StoreError> {
    let sort = req.sort.clone().unwrap_or_else(|| match spec.default_sort.strip_prefix('-') {
        Some(f) => Sort { field: f.to_string(), descending: true },
        None => Sort { field: spec.default_sort.to_string(), descending: false },
    });
    let (sort_expr, sort_kind) =
        spec.sorts.iter().find(|s| s.0 == sort.field).map(|s| (s.1, s.2)).ok_or_else(|| {
            let names: Vec<_> = spec.sorts.iter().map(|s| s.0).collect();
            StoreError::Invalid(FieldError::with_param("sort", "not_sortable", names.join(",")))
        })?;

    let mut filter = Sql::new(" WHERE 1 = 1");
    spec.push_scope(&mut filter, scope);
    for (name, value) in &req.filters {
        let Some((_, expr, kind)) = spec.filters.iter().find(|f| f.0 == name) else {
            return Err(StoreError::Invalid(FieldError::new(name.clone(), "unknown_filter")));
        };
        filter.push(" AND ").push(expr).push(" = ").bind(filter_arg(name, value, *kind)?);
    }
    if let Some(q) = req.q.as_ref().filter(|_| !spec.search.is_empty()) {
        let pattern = like_pattern(q);
        filter.push(" AND (");
        for (i, col) in spec.search.iter().enumerate() {
            if i > 0 {
                filter.push(" OR ");
            }
            filter.push("LOWER(").push(col).push(") LIKE ").bind(pattern.clone()).push(" ESCAPE '\\'");
        }
        filter.push(")");
    }
    // Conditions are rendered with their own numbering, then renumbered into one statement.
    let mut sql = Sql::new("SELECT ");
    sql.push(spec.columns).push(", ").push(sort_expr).push(" AS sort_key, ").push(spec.id).push(" AS row_id FROM ");
    sql.push(spec.from);
    let mut count_sql = Sql::new("SELECT COUNT(*) AS n FROM ");
    count_sql.push(spec.from);
    for target in [&mut sql, &mut count_sql] {
        target.append(&filter);
        target.append(extra);
    }

    if let Some(cursor) = &req.cursor {
        let op = if sort.descending { "<" } else { ">" };
        let value = match (&cursor.value, sort_kind) {
            (SortValue::Int(i), Kind::Int | Kind::Bool) => Arg::Int(*i),
            (SortValue::Text(t), Kind::Text) => Arg::Text(t.clone()),
            _ => return Err(StoreError::Invalid(FieldError::new("cursor", "invalid"))),
        };
        // A row value, not `a < x OR (a = x AND id < y)`: both databases turn it into an index
        // range, so a later page starts where the previous one ended instead of scanning to it.
        sql.push(" AND (").push(sort_expr).push(", ").push(spec.id).push(") ").push(op).push(" (").bind(value);
        sql.push(", ").bind(cursor.id.clone()).push(")");
    }
    let dir = if sort.descending { " DESC" } else { " ASC" };
    sql.push(" ORDER BY ").push(sort_expr).push(dir).push(", ").push(spec.id).push(dir);
    sql.push_limit(i64::from(req.limit) + 1);

    let mut rows = sql.query().fetch_all(pool).await.map_err(store_error)?;
    let next_cursor = if rows.len() > req.limit as usize {
        rows.truncate(req.limit as usize);
        match rows.last() {
            Some(last) => {
                let value = match sort_kind {
                    Kind::Text => SortValue::Text(last.text("sort_key")?),
                    Kind::Int | Kind::Bool => SortValue::Int(last.int("sort_key")?),
                };
                Some(Cursor { value, id: last.text("row_id")? }.encode())
            }
            None => None,
        }
    } else {
        None
    };
    let total = if req.count {
        use sqlx::Row;
        let row = count_sql.query().fetch_one(pool).await.map_err(store_error)?;
        Some(row.try_get::<i64, _>("n").map_err(store_error)?)
    } else {
        None
    };
    Ok(Page { items: rows, next_cursor, total })
}
