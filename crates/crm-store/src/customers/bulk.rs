//! Bulk loading of customers with their history (the data generator of `crm demo`, issue 4):
//! the same rows the one-by-one writes make — numbers from the sequences, search documents,
//! phone digits, last order dates, satisfaction from the archived service requests — written
//! with multi-row statements in one transaction.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::AnyConnection;
use uuid::Uuid;

use crm_core::access::AuditStamp;
use crm_core::customers::CustomerHistory;
use crm_core::customers::Gender;
use crm_core::service::PastServiceRequest;
use crm_core::store::StoreError;

use super::customer::{self, GROUP_TOTALS, ORDER_TOTALS, WRITABLE};
use super::index::Document;
use crate::Db;
use crate::audit::{self, Change};
use crate::base_data::next_numbers;
use crate::sql::{Arg, RowExt, Rows, Sql, store_error};

const CONTACT_COLUMNS: [&str; 15] = [
    "id",
    "customer_id",
    "name",
    "gender",
    "title",
    "phone",
    "mobile",
    "email",
    "birthday",
    "reports_to_id",
    "is_primary",
    "notes",
    "created_at",
    "updated_at",
    "version",
];
const INTERACTION_COLUMNS: [&str; 13] = [
    "id",
    "customer_id",
    "occurred_at",
    "kind_id",
    "place",
    "summary",
    "detail",
    "contact_id",
    "author_id",
    "author_name",
    "created_at",
    "updated_at",
    "version",
];
const ORDER_COLUMNS: [&str; 11] = [
    "id",
    "number",
    "customer_id",
    "order_date",
    "currency",
    "status",
    "total",
    "notes",
    "created_at",
    "updated_at",
    "version",
];
const LINE_COLUMNS: [&str; 7] =
    ["order_id", "position", "product_id", "description", "quantity", "unit_price", "amount"];

/// What one load wrote, for its audit row. One row for the batch, where the one-by-one creates
/// write one per record: the generated records did not go through steps that anyone took, so
/// a row per record (or, for a service request, per workflow step) would only invent history
/// and slow the load; the batch row says what was written, by whom and when.
#[derive(Debug, Default, Serialize)]
struct Loaded {
    customers: u64,
    contacts: u64,
    interactions: u64,
    orders: u64,
    order_lines: u64,
    service_requests: u64,
    search_documents: u64,
    phone_keys: u64,
}

impl Loaded {
    fn rows(&self) -> u64 {
        self.customers
            + self.contacts
            + self.interactions
            + self.orders
            + self.order_lines
            + self.service_requests
            + self.search_documents
            + self.phone_keys
    }
}

/// Each region's province, as a customer keeps it (see `customer::push_province_of`): looked
/// up once for a batch instead of once per row.
async fn region_provinces(conn: &mut AnyConnection) -> Result<HashMap<Uuid, Uuid>, StoreError> {
    let sql =
        Sql::new("SELECT id, COALESCE(parent_id, id) AS province_id FROM dictionary_entries WHERE kind = 'region'");
    let rows = sql.query().fetch_all(&mut *conn).await.map_err(store_error)?;
    rows.iter().map(|r| Ok((r.id("id")?, r.id("province_id")?))).collect()
}

pub async fn load_histories(
    db: &Db,
    batch: &[CustomerHistory],
    today: NaiveDate,
    stamp: &AuditStamp,
) -> Result<u64, StoreError> {
    let mut tx = db.begin_write().await?;
    let conn = &mut *tx;
    let mut loaded = Loaded::default();
    let order_count = batch.iter().map(|h| h.orders.len()).sum();
    let customer_numbers = next_numbers(conn, "customer", today, batch.len()).await?;
    let mut order_numbers = next_numbers(conn, "order", today, order_count).await?.into_iter();

    // Parents before children: a statement's foreign keys are checked when it runs.
    let provinces = region_provinces(conn).await?;
    let mut columns = vec!["id", "number", "created_at", "version", "last_order_date", "province_id"];
    columns.extend(WRITABLE.split(',').map(str::trim));
    let mut customers = Rows::bulk(db.backend, "customers", &columns);
    let mut tags = Rows::bulk(db.backend, "customer_tags", &["customer_id", "tag"]);
    let mut documents = Vec::new();
    for (history, number) in batch.iter().zip(customer_numbers) {
        let mut c = customer::draft(&history.customer, history.id, number, history.created_at);
        // As archiving a request sets it (SVC-5).
        if let Some(satisfaction) = PastServiceRequest::satisfaction_of(&history.service_requests) {
            c.satisfaction = Some(satisfaction);
        }
        let last_order = history.orders.iter().map(|o| o.order_date).max().map(|d| d.to_string());
        let province = c.region_id.and_then(|r| provinces.get(&r).copied());
        let head: [Arg; 6] =
            [c.id.into(), c.number.clone().into(), c.created_at.into(), 1.into(), last_order.into(), province.into()];
        customers.push(conn, head.into_iter().chain(customer::values(&c).into_iter().map(|(_, v)| v))).await?;
        for tag in &c.tags {
            tags.push(conn, [c.id.into(), tag.clone().into()]).await?;
        }
        documents.push(Document::customer(c.id, &c.name, &c.number, c.phone.as_deref()));
        loaded.customers += 1;
    }
    customers.finish(conn).await?;
    tags.finish(conn).await?;

    let mut contacts = Rows::bulk(db.backend, "contacts", &CONTACT_COLUMNS);
    for history in batch {
        for (id, c) in &history.contacts {
            let row: [Arg; 15] = [
                (*id).into(),
                c.customer_id.into(),
                c.name.clone().into(),
                c.gender.map(Gender::code).into(),
                c.title.clone().into(),
                c.phone.clone().into(),
                c.mobile.clone().into(),
                c.email.clone().into(),
                c.birthday.map(|b| b.to_string()).into(),
                c.reports_to_id.into(),
                c.primary.into(),
                c.notes.clone().into(),
                history.created_at.into(),
                history.created_at.into(),
                1.into(),
            ];
            contacts.push(conn, row).await?;
            let phones = [c.phone.as_deref(), c.mobile.as_deref()];
            documents.push(Document::contact(*id, c.customer_id, &c.name, c.email.as_deref(), phones));
            loaded.contacts += 1;
        }
    }
    contacts.finish(conn).await?;

    let mut search = Rows::bulk(db.backend, "customer_search", &Document::SEARCH_COLUMNS);
    let mut phones = Rows::bulk(db.backend, "customer_phones", &Document::PHONE_COLUMNS);
    for document in &documents {
        search.push(conn, document.search_row()).await?;
        for row in document.phone_rows() {
            phones.push(conn, row).await?;
            loaded.phone_keys += 1;
        }
        loaded.search_documents += 1;
    }
    search.finish(conn).await?;
    phones.finish(conn).await?;

    let mut interactions = Rows::bulk(db.backend, "interactions", &INTERACTION_COLUMNS);
    for history in batch {
        for i in &history.interactions {
            let row: [Arg; 13] = [
                Uuid::now_v7().into(),
                i.customer_id.into(),
                i.occurred_at.into(),
                i.kind_id.into(),
                i.place.clone().into(),
                i.summary.clone().into(),
                i.detail.clone().into(),
                i.contact_id.into(),
                stamp.actor_id.into(),
                stamp.actor_name.clone().into(),
                i.occurred_at.into(),
                i.occurred_at.into(),
                1.into(),
            ];
            interactions.push(conn, row).await?;
            loaded.interactions += 1;
        }
    }
    interactions.finish(conn).await?;

    let mut orders = Rows::bulk(db.backend, "orders", &ORDER_COLUMNS);
    let mut order_ids = Vec::with_capacity(order_count);
    for history in batch {
        for o in &history.orders {
            let id = Uuid::now_v7();
            let number = order_numbers.next().ok_or(StoreError::NotFound)?;
            let row: [Arg; 11] = [
                id.into(),
                number.into(),
                o.customer_id.into(),
                o.order_date.to_string().into(),
                o.currency.clone().into(),
                o.status.code().into(),
                o.total.into(),
                o.notes.clone().into(),
                history.created_at.into(),
                history.created_at.into(),
                1.into(),
            ];
            orders.push(conn, row).await?;
            order_ids.push((id, o));
            loaded.orders += 1;
        }
    }
    orders.finish(conn).await?;
    // The batch's customers are new: their totals are added in one statement, not refreshed.
    let ids: Vec<Uuid> = batch.iter().map(|h| h.id).collect();
    let mut totals = Sql::new(ORDER_TOTALS);
    totals.push(" AND ").bind_in("customer_id", &ids).push(GROUP_TOTALS);
    totals.query().execute(&mut *conn).await.map_err(store_error)?;
    let mut lines = Rows::bulk(db.backend, "order_lines", &LINE_COLUMNS);
    for (id, o) in order_ids {
        for (position, l) in (1_i64..).zip(&o.lines) {
            let row: [Arg; 7] = [
                id.into(),
                position.into(),
                l.product_id.into(),
                l.description.clone().into(),
                l.quantity.into(),
                l.unit_price.into(),
                l.amount.into(),
            ];
            lines.push(conn, row).await?;
            loaded.order_lines += 1;
        }
    }
    lines.finish(conn).await?;

    let requests: Vec<_> =
        batch.iter().flat_map(|h| h.service_requests.iter().map(|r| (h.customer.division_id, r))).collect();
    loaded.service_requests = crate::service::load_requests(conn, db.backend, &requests, today).await?;

    let change = Change {
        entity: customer::ENTITY,
        entity_id: Uuid::nil(),
        action: "bulk_load",
        division_id: None,
        old: None,
        new: Some(&loaded),
    };
    audit::record(conn, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(loaded.rows())
}
