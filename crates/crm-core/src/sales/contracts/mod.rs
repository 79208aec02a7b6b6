//! Quotes, contracts and payments (SAL-7..10): priced lines (`pricing`), quotes with their
//! versions, contracts with renewal and expiry, orders placed under a contract, payment plans,
//! receipts and receivables. Every record belongs to its customer's division and is read
//! through the customer's scope.

pub mod actions;
mod contract;
mod payments;
mod pricing;
mod quotes;

use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

pub use contract::{
    Contract, ContractInput, ContractPatch, ContractPatchInput, ContractStatus, ContractStep, DEFAULT_REMINDER_DAYS,
    FromQuoteInput, NewContract, RenewInput, check_open,
};
pub use payments::{
    CurrencyTotal, NewPayment, NewPlanItem, Payment, PaymentInput, PaymentPatch, PaymentPatchInput, PlanInput,
    PlanItem, PlanItemInput, Receivable, Receivables, ReceivablesBy,
};
pub use pricing::{PriceLine, PriceLineInput, Totals, minor_digits};
pub use quotes::{
    NewQuote, Quote, QuoteInput, QuotePatch, QuotePatchInput, QuoteRevision, QuoteStatus, QuoteStep, check_editable,
};

use crate::access::{AuditStamp, Scope};
use crate::listing::{ListRequest, Page};
use crate::store::StoreError;

/// Storage of quotes, contracts and payments. Reads take the caller's `Scope`, applied to the
/// record's customer as for the customer itself; writes log an audit row in their transaction.
/// Updates write a record the action computed from the one it read at `version`, and fail with
/// `Stale` if it changed since.
#[async_trait]
pub trait ContractStore {
    /// Filters: `customer_id`, `status`, `currency`, `number`, `division_id`; sorts:
    /// `created_at` (default, newest first), `number`, `total`.
    async fn list_quotes(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Quote>, StoreError>;
    async fn get_quote(&self, scope: &Scope, id: Uuid) -> Result<Quote, StoreError>;
    /// Every version of the quote's prices, oldest first.
    async fn quote_revisions(&self, scope: &Scope, id: Uuid) -> Result<Vec<QuoteRevision>, StoreError>;
    /// Numbers the quote from the `quote` sequence for the day `today`.
    async fn create_quote(&self, new: &NewQuote, today: NaiveDate, stamp: &AuditStamp) -> Result<Quote, StoreError>;
    /// Writes `next`; a higher `revision` keeps the previous version's prices beside it.
    async fn save_quote(
        &self,
        scope: &Scope,
        next: &Quote,
        version: i64,
        stamp: &AuditStamp,
    ) -> Result<Quote, StoreError>;

    /// Filters: `customer_id`, `status`, `currency`, `number`, `quote_id`, `renewal_of_id`,
    /// `expiring`, `ends_on`, `division_id`; sorts: `created_at` (default, newest first),
    /// `number`, `ends_on`, `amount`.
    async fn list_contracts(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Contract>, StoreError>;
    async fn get_contract(&self, scope: &Scope, id: Uuid) -> Result<Contract, StoreError>;
    /// Numbers the contract from the `contract` sequence; a second contract of one quote, or a
    /// second renewal of one contract, is a `Conflict`.
    async fn create_contract(
        &self,
        new: &NewContract,
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<Contract, StoreError>;
    async fn save_contract(
        &self,
        scope: &Scope,
        next: &Contract,
        version: i64,
        stamp: &AuditStamp,
    ) -> Result<Contract, StoreError>;

    /// The contract's plan, by due date; `overdue` as of `today`.
    async fn plan_items(&self, scope: &Scope, contract_id: Uuid, today: NaiveDate)
    -> Result<Vec<PlanItem>, StoreError>;
    async fn add_plan_items(
        &self,
        scope: &Scope,
        contract_id: Uuid,
        items: &[NewPlanItem],
        stamp: &AuditStamp,
    ) -> Result<(), StoreError>;
    /// Filters: `contract_id`, `customer_id`, `plan_item_id`, `currency`, `received_on`,
    /// `division_id`; sorts: `received_on` (default, newest first), `amount`, `created_at`.
    async fn list_payments(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Payment>, StoreError>;
    async fn get_payment(&self, scope: &Scope, id: Uuid) -> Result<Payment, StoreError>;
    /// `new.currency` is the contract's, checked by the action.
    async fn create_payment(&self, new: &NewPayment, stamp: &AuditStamp) -> Result<Payment, StoreError>;
    async fn save_payment(
        &self,
        scope: &Scope,
        next: &Payment,
        version: i64,
        stamp: &AuditStamp,
    ) -> Result<Payment, StoreError>;
    async fn delete_payment(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;
    /// Planned, received, outstanding and overdue amounts of active and expired contracts,
    /// per customer or owner and currency, as of `today`.
    async fn receivables(
        &self,
        scope: &Scope,
        by: ReceivablesBy,
        today: NaiveDate,
    ) -> Result<Vec<Receivable>, StoreError>;
}
