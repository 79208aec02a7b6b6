//! Lists: filters, sort, keyset pagination with opaque cursors, optional totals.
//! One request type and one page type serve every list in the product.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// A sortable column value as it appears in a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    Int(i64),
    Text(String),
}

/// Position after the last row of a page: its sort value and id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    pub value: SortValue,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(text: &str) -> Result<Self, FieldError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| FieldError::new("cursor", "invalid"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    pub field: String,
    pub descending: bool,
}

/// A validated list request. Built from query parameters by `ListRequest::parse`.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub limit: u32,
    pub cursor: Option<Cursor>,
    /// `None`: the list's default order.
    pub sort: Option<Sort>,
    pub q: Option<String>,
    /// Field filters, each `field = value`; the store checks names against the list's filterable fields.
    pub filters: Vec<(String, String)>,
    pub count: bool,
}

/// Parameters every list accepts besides filters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListParams {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    pub sort: Option<String>,
    pub q: Option<String>,
    pub count: Option<String>,
}

impl ListRequest {
    /// Validates paging parameters. Whether the sort and filter fields exist is for the
    /// store to say, since it maps them to columns (`StoreError::Invalid`); without a
    /// `sort`, the store's default order applies.
    pub fn parse(params: ListParams, filters: Vec<(String, String)>) -> Result<Self, Error> {
        let mut errors = Vec::new();
        let limit = match params.limit.as_deref() {
            None | Some("") => DEFAULT_LIMIT,
            Some(s) => match s.parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    errors.push(FieldError::with_param("limit", "out_of_range", format!("1-{MAX_LIMIT}")));
                    DEFAULT_LIMIT
                }
            },
        };
        let sort = params.sort.filter(|s| !s.is_empty()).map(|text| match text.strip_prefix('-') {
            Some(f) => Sort { field: f.to_string(), descending: true },
            None => Sort { field: text, descending: false },
        });
        let cursor = match params.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => match Cursor::decode(c) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
        };
        let count = matches!(params.count.as_deref(), Some("true" | "1"));
        let q = params.q.map(|q| q.trim().to_string()).filter(|q| !q.is_empty());
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(Self { limit, cursor, sort, q, filters, count })
    }

    /// The value of a filter, if given.
    pub fn filter(&self, name: &str) -> Option<&str> {
        self.filters.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Moves on to the page after the one that answered `next_cursor`; false when that was
    /// the last page. For callers that read every page.
    pub fn advance(&mut self, next_cursor: Option<&str>) -> Result<bool, Error> {
        match next_cursor {
            Some(next) => {
                self.cursor = Some(Cursor::decode(next).map_err(|e| Error::Invalid(vec![e]))?);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// A first-page request sorted by `sort`, for internal callers.
    pub fn first(sort: &str, limit: u32) -> Self {
        Self {
            limit,
            cursor: None,
            sort: Some(Sort { field: sort.to_string(), descending: false }),
            q: None,
            filters: Vec::new(),
            count: false,
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

impl<T> Page<T> {
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        let items = self.items.into_iter().map(f).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor: self.next_cursor, total: self.total })
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor, total: self.total }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(limit: &str, sort: &str) -> ListParams {
        ListParams { limit: Some(limit.into()), sort: Some(sort.into()), ..Default::default() }
    }

    #[test]
    fn cursor_survives_a_round_trip_and_garbage_is_a_field_error() {
        let c = Cursor { value: SortValue::Text("华东".into()), id: "x".into() };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert_eq!(Cursor::decode("%%%").unwrap_err().field, "cursor");
    }

    #[test]
    fn limit_above_the_maximum_and_a_bad_cursor_are_rejected_together() {
        let p = ListParams { cursor: Some("%%".into()), ..params("501", "name") };
        let Err(Error::Invalid(errs)) = ListRequest::parse(p, vec![]) else {
            panic!("expected invalid input");
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["limit", "cursor"]);
    }

    #[test]
    fn descending_sort_is_a_leading_minus() {
        let r = ListRequest::parse(params("10", "-created_at"), vec![]).unwrap();
        assert_eq!(r.sort, Some(Sort { field: "created_at".into(), descending: true }));
        assert_eq!(r.limit, 10);
    }
}
