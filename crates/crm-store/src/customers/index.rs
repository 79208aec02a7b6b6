//! The search documents and phone digits of customers and contacts, rewritten in the
//! transaction that changes the record (CUS-6, INT-6), and the conditions that query them.

use sqlx::AnyConnection;
use uuid::Uuid;

use crm_core::customers::search::{document, phone_keys, query_tokens};
use crm_core::customers::{Contact, Customer};
use crm_core::store::StoreError;

use crate::database::Backend;
use crate::dialect::push_tokens_match;
use crate::sql::{Sql, store_error};

/// `customer` or `contact`: which record a document or phone row describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Customer,
    Contact,
}

impl Entity {
    fn code(self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::Contact => "contact",
        }
    }
}

/// Drops the document and phone rows of one record.
pub async fn forget(conn: &mut AnyConnection, entity_id: Uuid) -> Result<(), StoreError> {
    for table in ["customer_search", "customer_phones"] {
        let mut sql = Sql::new("DELETE FROM ");
        sql.push(table).push(" WHERE entity_id = ").bind(entity_id);
        sql.query().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

/// Drops the document and phone rows of a customer and all its contacts.
pub async fn forget_customer(conn: &mut AnyConnection, customer_id: Uuid) -> Result<(), StoreError> {
    for table in ["customer_search", "customer_phones"] {
        let mut sql = Sql::new("DELETE FROM ");
        sql.push(table).push(" WHERE customer_id = ").bind(customer_id);
        sql.query().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

async fn write(
    conn: &mut AnyConnection,
    entity: Entity,
    entity_id: Uuid,
    customer_id: Uuid,
    texts: &[Option<&str>],
    phones: &[Option<&str>],
) -> Result<(), StoreError> {
    forget(conn, entity_id).await?;
    let mut sql = Sql::new("INSERT INTO customer_search (entity, entity_id, customer_id, tokens) VALUES (");
    sql.bind(entity.code()).push(", ").bind(entity_id).push(", ").bind(customer_id).push(", ");
    sql.bind(document(texts, phones)).push(")");
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    let mut digits: Vec<String> = phones.iter().flatten().flat_map(|p| phone_keys(p)).collect();
    digits.sort();
    digits.dedup();
    for d in digits {
        let mut sql = Sql::new("INSERT INTO customer_phones (entity, entity_id, customer_id, digits) VALUES (");
        sql.bind(entity.code()).push(", ").bind(entity_id).push(", ").bind(customer_id).push(", ").bind(d);
        sql.push(")");
        sql.query().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

pub async fn index_customer(conn: &mut AnyConnection, c: &Customer) -> Result<(), StoreError> {
    let texts = [Some(c.name.as_str()), Some(c.number.as_str())];
    write(conn, Entity::Customer, c.id, c.id, &texts, &[c.phone.as_deref()]).await
}

pub async fn index_contact(conn: &mut AnyConnection, c: &Contact) -> Result<(), StoreError> {
    let texts = [Some(c.name.as_str()), c.email.as_deref()];
    write(conn, Entity::Contact, c.id, c.customer_id, &texts, &[c.phone.as_deref(), c.mobile.as_deref()]).await
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
    if let Some(entity) = entity {
        sql.push(" AND s.entity = ").bind(entity.code());
    }
    push_tokens_match(backend, sql, "s", &tokens);
    sql.push(")");
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
