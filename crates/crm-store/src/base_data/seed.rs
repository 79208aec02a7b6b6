//! The shipped base data, written once into a new database: the dictionary's default values,
//! the provinces and prefecture-level cities of China as regions, and the numbering rules.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use uuid::Uuid;

use crm_core::access::AuditStamp;
use crm_core::base_data::{DictionaryEntry, DictionaryKind, default_entries};
use crm_core::store::StoreError;

use super::{dictionary, numbering};
use crate::sql::{RowExt, Sql, store_error};

/// National Bureau of Statistics division codes (see seed/README.md): `code,"name"` and
/// `code,"name",provinceCode`.
const PROVINCES: &str = include_str!("../../seed/provinces.csv");
const CITIES: &str = include_str!("../../seed/cities.csv");

/// Municipalities (北京市, 重庆市, …) list their districts under these placeholder rows
/// instead of cities; the municipality itself is the city.
const MUNICIPALITY_PLACEHOLDERS: [&str; 2] = ["市辖区", "县"];
/// Groups of county-level cities that belong to no prefecture; not cities of their own.
const DIRECTLY_ADMINISTERED: [&str; 2] = ["省直辖县级行政区划", "自治区直辖县级行政区划"];

/// Shipped defaults are not anyone's change, so they are not audited one by one; the log
/// starts with the first edit.
pub async fn seed(conn: &mut AnyConnection, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut entries = Vec::new();
    for defaults in default_entries() {
        for (position, (code, label)) in (1..).zip(defaults.entries) {
            entries.push(entry(stamp.at, defaults.kind, None, code, label, position, defaults.editable));
        }
    }
    let (provinces, cities) = regions(stamp.at)?;
    // Provinces before cities, so that every parent exists when its children arrive.
    for batch in [entries, provinces, cities] {
        dictionary::insert_rows(conn, &batch).await?;
    }
    numbering::insert_defaults(conn, stamp.at).await
}

/// Writes the shipped entries of `kind` into a database seeded before the kind existed; a
/// kind that has entries already is left as it is.
pub async fn seed_kind(conn: &mut AnyConnection, kind: DictionaryKind, at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM dictionary_entries WHERE kind = ");
    sql.bind(kind.code());
    if sql.query().fetch_one(&mut *conn).await.map_err(store_error)?.int("n")? > 0 {
        return Ok(());
    }
    let mut entries = Vec::new();
    for defaults in default_entries().into_iter().filter(|d| d.kind == kind) {
        for (position, (code, label)) in (1..).zip(defaults.entries) {
            entries.push(entry(at, defaults.kind, None, code, label, position, defaults.editable));
        }
    }
    dictionary::insert_rows(conn, &entries).await
}

fn entry(
    at: DateTime<Utc>,
    kind: DictionaryKind,
    parent_id: Option<Uuid>,
    code: &str,
    label: &str,
    position: i64,
    editable: bool,
) -> DictionaryEntry {
    DictionaryEntry {
        id: Uuid::now_v7(),
        kind,
        parent_id,
        code: Some(code.to_string()),
        label: label.to_string(),
        position,
        editable,
        enabled: true,
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

/// Rows of the embedded CSV files, whose names are quoted and contain no commas.
fn csv_rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().split(',').map(|f| f.trim_matches('"')).collect())
}

fn bad_seed(what: &str) -> StoreError {
    StoreError::Other(format!("malformed region seed data: {what}").into())
}

/// Provinces and their cities as region entries, in the order of their official codes.
fn regions(at: DateTime<Utc>) -> Result<(Vec<DictionaryEntry>, Vec<DictionaryEntry>), StoreError> {
    let mut provinces = Vec::new();
    for (position, row) in (1..).zip(csv_rows(PROVINCES)) {
        let [code, name] = row.as_slice() else { return Err(bad_seed("province row")) };
        provinces.push(entry(at, DictionaryKind::Region, None, code, name, position, false));
    }
    let by_code: HashMap<&str, &DictionaryEntry> =
        provinces.iter().filter_map(|p| p.code.as_deref().map(|c| (c, p))).collect();
    let mut cities: Vec<DictionaryEntry> = Vec::new();
    let mut last_position: HashMap<Uuid, i64> = HashMap::new();
    for row in csv_rows(CITIES) {
        let [code, name, province_code] = row.as_slice() else { return Err(bad_seed("city row")) };
        let province = by_code.get(province_code).ok_or_else(|| bad_seed("city of an unknown province"))?;
        let label = match *name {
            n if DIRECTLY_ADMINISTERED.contains(&n) => continue,
            n if MUNICIPALITY_PLACEHOLDERS.contains(&n) => province.label.as_str(),
            n => n,
        };
        if cities.iter().any(|c| c.parent_id == Some(province.id) && c.label == label) {
            continue;
        }
        let position = last_position.entry(province.id).or_default();
        *position += 1;
        cities.push(entry(at, DictionaryKind::Region, Some(province.id), code, label, *position, false));
    }
    Ok((provinces, cities))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_the_31_provinces_with_their_cities_and_municipalities_are_their_own_city() {
        let (provinces, cities) = regions(Utc::now()).unwrap();
        assert_eq!(provinces.len(), 31);
        let under = |name: &str| -> Vec<&str> {
            let p = provinces.iter().find(|p| p.label == name).unwrap();
            cities.iter().filter(|c| c.parent_id == Some(p.id)).map(|c| c.label.as_str()).collect()
        };
        assert!(under("广东省").contains(&"深圳市"));
        assert_eq!(under("重庆市"), ["重庆市"]);
        assert_eq!(under("北京市"), ["北京市"]);
        assert!(!cities.iter().any(|c| c.label.contains("行政区划") || c.label == "市辖区" || c.label == "县"));
        assert_eq!(cities.len(), 337);
        assert_eq!(under("广东省").first(), Some(&"广州市"));
    }
}
