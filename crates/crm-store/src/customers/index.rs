//! The search documents and phone digits of customers and contacts, rewritten in the
//! transaction that changes the record (CUS-6, INT-6), and the conditions that query them.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::customers::search::{document, phone_keys, query_tokens};
use crm_core::customers::{Contact, Customer};
use crm_core::store::StoreError;

use crate::database::Backend;
use crate::dialect::{
    Slice, bucket_of, count_documents, push_documents_first, push_documents_match, push_tokens_match, search_outline,
};
use crate::sql::{Arg, Batch, Rows, Sql, store_error};

/// `customer` or `contact`: which record a document or phone row describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Customer,
    Contact,
}

impl Entity {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::Contact => "contact",
        }
    }
}

/// Drops the document and phone rows of one record.
pub async fn forget(conn: &mut AnyConnection, entity_id: Uuid) -> Result<(), StoreError> {
    let mut batch = Batch::default();
    push_forget(&mut batch, "entity_id", entity_id);
    batch.execute(conn).await
}

/// Drops the document and phone rows of a customer and all its contacts.
pub async fn forget_customer(conn: &mut AnyConnection, customer_id: Uuid) -> Result<(), StoreError> {
    let mut batch = Batch::default();
    push_forget(&mut batch, "customer_id", customer_id);
    batch.execute(conn).await
}

fn push_forget(batch: &mut Batch, column: &str, id: Uuid) {
    for table in ["customer_search", "customer_phones"] {
        let mut sql = Sql::new("DELETE FROM ");
        sql.push(table).push(" WHERE ").push(column).push(" = ").bind(id);
        batch.push(sql);
    }
}

/// The search document and phone digits of one record.
pub struct Document {
    pub entity: Entity,
    pub entity_id: Uuid,
    pub customer_id: Uuid,
    pub tokens: String,
    pub digits: Vec<String>,
}

impl Document {
    fn new(
        entity: Entity,
        entity_id: Uuid,
        customer_id: Uuid,
        texts: &[Option<&str>],
        phones: &[Option<&str>],
    ) -> Self {
        let mut digits: Vec<String> = phones.iter().flatten().flat_map(|p| phone_keys(p)).collect();
        digits.sort();
        digits.dedup();
        Self { entity, entity_id, customer_id, tokens: document(texts, phones), digits }
    }

    /// A customer's name, number and phone.
    pub fn customer(id: Uuid, name: &str, number: &str, phone: Option<&str>) -> Self {
        Self::new(Entity::Customer, id, id, &[Some(name), Some(number)], &[phone])
    }

    /// A contact's name, e-mail, phone and mobile.
    pub fn contact(id: Uuid, customer_id: Uuid, name: &str, email: Option<&str>, phones: [Option<&str>; 2]) -> Self {
        Self::new(Entity::Contact, id, customer_id, &[Some(name), email], &phones)
    }

    /// The columns of its `customer_search` row.
    pub const SEARCH_COLUMNS: [&str; 4] = ["entity", "entity_id", "customer_id", "tokens"];
    /// The columns of its `customer_phones` rows.
    pub const PHONE_COLUMNS: [&str; 4] = ["entity", "entity_id", "customer_id", "digits"];

    pub fn search_row(&self) -> [Arg; 4] {
        [self.entity.code().into(), self.entity_id.into(), self.customer_id.into(), self.tokens.clone().into()]
    }

    pub fn phone_rows(&self) -> impl Iterator<Item = [Arg; 4]> + '_ {
        self.digits
            .iter()
            .map(|d| [self.entity.code().into(), self.entity_id.into(), self.customer_id.into(), d.clone().into()])
    }

    /// Adds the statements writing the rows of a record that has none yet.
    pub fn push_insert(&self, batch: &mut Batch) {
        let mut search = Rows::new("customer_search", &Self::SEARCH_COLUMNS);
        search.add(self.search_row());
        batch.push(search.into_sql());
        if !self.digits.is_empty() {
            let mut phones = Rows::new("customer_phones", &Self::PHONE_COLUMNS);
            for row in self.phone_rows() {
                phones.add(row);
            }
            batch.push(phones.into_sql());
        }
    }

    /// Writes the rows of a record that has none yet.
    pub async fn insert(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        self.push_insert(&mut batch);
        batch.execute(conn).await
    }

    /// Replaces the rows of a record.
    pub async fn replace(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        push_forget(&mut batch, "entity_id", self.entity_id);
        self.push_insert(&mut batch);
        batch.execute(conn).await
    }
}

pub fn customer_document(c: &Customer) -> Document {
    Document::customer(c.id, &c.name, &c.number, c.phone.as_deref())
}

pub fn contact_document(c: &Contact) -> Document {
    Document::contact(c.id, c.customer_id, &c.name, c.email.as_deref(), [c.phone.as_deref(), c.mobile.as_deref()])
}

/// ` AND {id} IN (…)`: records (`entity`, or customers through any of their documents when
/// `entity` is `None`) whose document holds every token of `q`. A query with no searchable
/// token matches nothing.
pub fn push_search(backend: Backend, sql: &mut Sql, id: &str, entity: Option<Entity>, q: &str) {
    let tokens: Vec<String> = query_tokens(q).into_iter().collect();
    if tokens.is_empty() {
        sql.push(" AND 1 = 0");
        return;
    }
    let column = if entity.is_some() { "s.entity_id" } else { "s.customer_id" };
    sql.push(" AND ").push(id).push(" IN (SELECT ").push(column).push(" FROM customer_search s WHERE 1 = 1");
    push_tokens_match(backend, sql, "s", entity.map(Entity::code), &tokens);
    sql.push(")");
}

/// The global search of one kind of record: `SELECT {columns} FROM` the documents of `entity`
/// (`customer`, `contact`, `article`, …) holding every token, then `from` (the record's
/// tables, whose `{id}` the document names), with further conditions, newest document first,
/// at most `limit`.
pub struct DocumentQuery<'a> {
    pub columns: &'a str,
    pub from: &'a str,
    pub id: &'a str,
    pub entity: &'static str,
}

/// Matches per row of the page below which PostgreSQL reads a word's documents whole: 2,000
/// matches fetched and sorted cost about what walking the buckets for them does.
const RARE_MATCHES_PER_ROW: u32 = 40;
/// Documents per row of the page in PostgreSQL's first window (`Slice::Newest`): a word in one
/// document of 25 fills the page from it (16 ms at 100,000 articles).
const WINDOW_DOCUMENTS_PER_ROW: u32 = 25;
/// The share of the documents a common word must be in for PostgreSQL to look at the newest
/// documents first (two pages' worth of matches expected there); a rarer word's page comes
/// sooner from its buckets.
const WINDOW_SHARE: f64 = 2.0 / WINDOW_DOCUMENTS_PER_ROW as f64;
/// The matches a statement of a common word's search reads at most, in expectation: its
/// buckets are fetched and sorted whole (1,000 customers: 4 ms).
const MATCHES_PER_STATEMENT: f64 = 1000.0;
/// The buckets a statement reads at most, for the rarest of the common words.
const MOST_BUCKETS_AT_ONCE: f64 = 16.0;

impl DocumentQuery<'_> {
    /// The rows; none when `q` has no searchable token. `conditions` start with ` AND `.
    ///
    /// SQLite reads its index newest first and stops at the page. PostgreSQL first finds out
    /// whether the words are common. A rare word's documents are read whole and sorted. A
    /// common word's page comes from the newest documents when they hold it, and otherwise
    /// bucket by bucket from the newest until the page is full: when the newest documents
    /// lacked a common word (90,000 customers created without 科技 in front of 60,000 with
    /// it), reading all of them took 0.25–0.6 s, bucket by bucket 12 ms. A caller who sees few
    /// of a common word's documents walks many buckets (each 0.2–1.5 ms).
    pub async fn fetch(
        &self,
        conn: &mut AnyConnection,
        backend: Backend,
        q: &str,
        conditions: &Sql,
        limit: u32,
    ) -> Result<Vec<AnyRow>, StoreError> {
        let tokens: Vec<String> = query_tokens(q).into_iter().collect();
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        if backend == Backend::Sqlite {
            return self.read(conn, backend, &tokens, conditions, Slice::All, limit).await;
        }
        let rare = limit.saturating_mul(RARE_MATCHES_PER_ROW);
        let outline = search_outline(self.entity, &tokens);
        let outline = outline.query().fetch_one(&mut *conn).await.map_err(store_error)?;
        let listed: i64 = outline.try_get("listed").map_err(store_error)?;
        let documents: f64 = outline.try_get("documents").map_err(store_error)?;
        let newest: i64 = outline.try_get("newest").map_err(store_error)?;
        let mut share: f64 = outline.try_get("share").map_err(store_error)?;
        // Counting reads every match of a common word in the GIN index (13 ms for 60,000
        // customers at a million); the statistics name the most common words without it.
        if listed < tokens.len() as i64 || share * documents < f64::from(rare) {
            let count = count_documents(self.entity, &tokens, rare);
            let count = count.query().persistent(false).fetch_one(&mut *conn).await.map_err(store_error)?;
            let matches: i64 = count.try_get("matches").map_err(store_error)?;
            if matches < i64::from(rare) {
                return self.read(conn, backend, &tokens, conditions, Slice::Rare(rare), limit).await;
            }
            share = f64::from(rare) / documents.max(1.0);
        }
        if share >= WINDOW_SHARE {
            let newest = Slice::Newest(limit.saturating_mul(WINDOW_DOCUMENTS_PER_ROW));
            let rows = self.read(conn, backend, &tokens, conditions, newest, limit).await?;
            if rows.len() >= limit as usize {
                return Ok(rows);
            }
        }
        // As many buckets at a time as hold about `MATCHES_PER_STATEMENT` of the word's
        // documents, as each statement costs its planning.
        let mut from = bucket_of(newest);
        let per_bucket = documents / (from + 1) as f64;
        let width = (MATCHES_PER_STATEMENT / (share * per_bucket).max(1.0)).clamp(1.0, MOST_BUCKETS_AT_ONCE) as i64;
        let mut rows = Vec::new();
        while rows.len() < limit as usize && from >= 0 {
            let to = (from - width + 1).max(0);
            let left = limit - rows.len() as u32;
            rows.extend(self.read(conn, backend, &tokens, conditions, Slice::Buckets { from, to }, left).await?);
            from = to - 1;
        }
        Ok(rows)
    }

    /// At most `limit` rows from one slice of the documents, newest first.
    async fn read(
        &self,
        conn: &mut AnyConnection,
        backend: Backend,
        tokens: &[String],
        conditions: &Sql,
        slice: Slice,
        limit: u32,
    ) -> Result<Vec<AnyRow>, StoreError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(self.columns).push(" FROM ");
        let order = push_documents_first(backend, &mut sql, self.entity, tokens, slice);
        sql.push(self.from).push(" WHERE ").push(self.id).push(" = s.entity_id");
        push_documents_match(backend, &mut sql, self.entity, tokens);
        sql.append(conditions).push(" ORDER BY ").push(order).push_limit(i64::from(limit));
        // Not kept as a prepared statement on PostgreSQL, so that each search is planned for
        // its own words: a kept one switched to a plan for any words once common words had
        // made the word-specific plans look costly, and every search after it gathered
        // from parallel workers (searches for rare words 4× slower).
        let kept = backend == Backend::Sqlite;
        sql.query().persistent(kept).fetch_all(&mut *conn).await.map_err(store_error)
    }
}

/// ` AND {id} IN (…)`: records of `entity` with a phone of these national digits.
pub fn push_phone(sql: &mut Sql, id: &str, entity: Entity, digits: &str) {
    let column = match entity {
        Entity::Customer => "p.customer_id",
        Entity::Contact => "p.entity_id",
    };
    sql.push(" AND ").push(id).push(" IN (SELECT ").push(column).push(" FROM customer_phones p WHERE p.digits = ");
    sql.bind(digits).push(" AND p.entity = ").bind(entity.code()).push(")");
}
