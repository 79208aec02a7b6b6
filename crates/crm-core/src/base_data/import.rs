//! Batches of new records from an import (CUS-9, BAS-2). Every row is checked with the
//! record's own parse function; repeats within the batch and clashes with stored records are
//! reported per row; only a batch without a bad row is written, in one transaction.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

use crate::error::{Error, FieldError};

/// A problem with one row of a batch. `row` is the caller's number for the row (a file's row
/// number as a spreadsheet shows it), so messages can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    #[serde(flatten)]
    pub error: FieldError,
}

/// What a batch use case did.
#[derive(Debug)]
pub enum Batch<T> {
    /// At least one row is bad: nothing was written, and every problem found is listed.
    Rejected(Vec<RowError>),
    /// A dry run found no problem in this many rows; nothing was written.
    Checked(usize),
    Created(Vec<T>),
}

/// Collects the problems of a batch, row by row.
#[derive(Debug, Default)]
pub struct RowChecks {
    errors: Vec<RowError>,
}

impl RowChecks {
    pub fn push(&mut self, row: usize, error: FieldError) {
        self.errors.push(RowError { row, error });
    }

    /// Keeps a row's parsed value, or records its field errors. Errors other than invalid
    /// input (a failing store) end the batch.
    pub fn parse<T>(&mut self, row: usize, parsed: Result<T, Error>) -> Result<Option<T>, Error> {
        match parsed {
            Ok(value) => Ok(Some(value)),
            Err(Error::Invalid(errors)) => {
                self.errors.extend(errors.into_iter().map(|error| RowError { row, error }));
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    /// Marks every row whose key an earlier row already has, naming that earlier row.
    pub fn repeated<K: Eq + Hash>(&mut self, field: &str, keys: impl IntoIterator<Item = (usize, K)>) {
        let mut first: HashMap<K, usize> = HashMap::new();
        for (row, key) in keys {
            match first.get(&key) {
                Some(earlier) => self.push(row, FieldError::with_param(field, "duplicate_in_file", earlier)),
                None => {
                    first.insert(key, row);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The problems in row order (a row's own problems in the order found).
    pub fn into_errors(mut self) -> Vec<RowError> {
        self.errors.sort_by_key(|e| e.row);
        self.errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_names_the_row_that_had_it_first() {
        let mut checks = RowChecks::default();
        checks.repeated("name", [(2, "a"), (3, "b"), (4, "a"), (5, "a")]);
        let errors = checks.into_errors();
        let found: Vec<_> = errors.iter().map(|e| (e.row, e.error.param.as_deref())).collect();
        assert_eq!(found, [(4, Some("2")), (5, Some("2"))]);
        assert_eq!(errors[0].error.code, "duplicate_in_file");
    }

    #[test]
    fn invalid_rows_are_collected_and_other_errors_end_the_batch() {
        let mut checks = RowChecks::default();
        let bad: Result<(), Error> = Err(Error::Invalid(vec![FieldError::new("price", "not_a_number")]));
        assert!(checks.parse(7, bad).unwrap().is_none());
        assert_eq!(checks.parse(8, Ok(1)).unwrap(), Some(1));
        assert!(checks.parse::<()>(9, Err(Error::NotFound)).is_err());
        assert_eq!(checks.into_errors(), [RowError { row: 7, error: FieldError::new("price", "not_a_number") }]);
    }
}
