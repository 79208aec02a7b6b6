//! The storage boundary. Each business module declares its store trait beside its types;
//! `Store` combines them. `crm-store` implements it once for SQLite and PostgreSQL.

use crate::access::AccessStore;
use crate::base_data::BaseDataStore;
use crate::churn::ChurnStore;
use crate::customers::CustomerStore;
use crate::jobs::JobStore;
use crate::notifications::NotificationStore;
use crate::reports::ReportStore;
use crate::sales::SalesStore;
use crate::schedule::ScheduleStore;
use crate::service::ServiceStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("record not found")]
    NotFound,
    /// The row's version is not the one the caller expected.
    #[error("record was changed by someone else")]
    Stale,
    /// A named constraint refused the write; `field` is the input field it concerns, if any.
    #[error("constraint {constraint} refused the write")]
    Conflict { constraint: String, field: Option<String> },
    /// A list was asked for a sort or filter it does not have, or a malformed value.
    #[error("invalid query parameter {}", .0.field)]
    Invalid(crate::error::FieldError),
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

/// Everything the actions need from storage.
pub trait Store:
    AccessStore
    + BaseDataStore
    + CustomerStore
    + SalesStore
    + ServiceStore
    + ChurnStore
    + ScheduleStore
    + NotificationStore
    + JobStore
    + ReportStore
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<
    T: AccessStore
        + BaseDataStore
        + CustomerStore
        + SalesStore
        + ServiceStore
        + ChurnStore
        + ScheduleStore
        + NotificationStore
        + JobStore
        + ReportStore
        + Clone
        + Send
        + Sync
        + 'static,
> Store for T
{
}

/// A record with an optimistic-concurrency `version`, which the API shows as its ETag.
pub trait Versioned {
    fn version(&self) -> i64;
}

macro_rules! versioned {
    ($($record:ty),* $(,)?) => {
        $(impl Versioned for $record {
            fn version(&self) -> i64 {
                self.version
            }
        })*
    };
}

versioned!(
    crate::access::Division,
    crate::access::Role,
    crate::access::User,
    crate::base_data::DictionaryEntry,
    crate::base_data::NumberSequence,
    crate::base_data::Product,
    crate::base_data::InventoryItem,
    crate::customers::Customer,
    crate::customers::Contact,
    crate::customers::Interaction,
    crate::customers::Order,
    crate::sales::opportunities::Opportunity,
    crate::sales::opportunities::PlanItem,
    crate::sales::opportunities::PipelineStage,
    crate::sales::Quote,
    crate::sales::Contract,
    crate::sales::Payment,
    crate::service::ServiceRequest,
    crate::service::Article,
    crate::churn::ChurnWarning,
    crate::schedule::Task,
    crate::schedule::Event,
);
