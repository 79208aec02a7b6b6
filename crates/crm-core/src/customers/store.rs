use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    Assignment, Attachment, AttachmentContent, Contact, ContactPatch, Customer, CustomerPatch, Duplicate,
    DuplicateProbe, Interaction, InteractionPatch, NewAttachment, NewContact, NewCustomer, NewInteraction, NewOrder,
    NewSavedFilter, Order, OrderPatch, PhoneLookup, SavedFilter, SearchResults, Share,
};
use crate::access::{AuditStamp, Scope};
use crate::listing::{ListRequest, Page};
use crate::service::PastServiceRequest;
use crate::store::StoreError;

/// A customer with its whole history, written at once by `load_histories` (the data
/// generator of `crm demo`, issue 4): contacts with the ids their interactions refer to,
/// interactions, orders with their lines, and service requests with their workflow.
#[derive(Debug, Clone)]
pub struct CustomerHistory {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub customer: NewCustomer,
    pub contacts: Vec<(Uuid, NewContact)>,
    pub interactions: Vec<NewInteraction>,
    pub orders: Vec<NewOrder>,
    pub service_requests: Vec<PastServiceRequest>,
}

/// Storage of customers and the records that hang off them. Every read takes the caller's
/// `Scope`: a customer is visible in its division, and to an own-scope caller only when they
/// own it or it is shared with them; contacts, interactions, attachments and orders are
/// visible through their customer. Writes take an `AuditStamp` and log in the same transaction.
#[async_trait]
pub trait CustomerStore {
    /// Filters: every field of the record (`status`, `level_id`, `owner_id`, `tag`, …);
    /// `q` searches name, number, phone and the contacts' names, phones and e-mails.
    async fn list_customers(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Customer>, StoreError>;
    async fn get_customer(&self, scope: &Scope, id: Uuid) -> Result<Customer, StoreError>;
    /// Visible customers (other than `except`) whose name, phone, tax number or licence number
    /// equals the probe's.
    async fn find_duplicates(
        &self,
        scope: &Scope,
        probe: &DuplicateProbe,
        except: Option<Uuid>,
    ) -> Result<Vec<Duplicate>, StoreError>;
    /// Numbers the customer from the `customer` sequence for the day `today`.
    async fn create_customer(
        &self,
        new: &NewCustomer,
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<Customer, StoreError>;
    /// Creates all customers of an import in one transaction, numbered in order, like
    /// `create_customer` each; with any failure none is created.
    async fn create_customers(
        &self,
        new: &[NewCustomer],
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<Vec<Customer>, StoreError>;
    /// Writes customers with their history in one transaction with multi-row statements:
    /// numbered from the sequences, indexed for search and phone lookup, each customer's last
    /// order date and, with archived service requests, satisfaction set (SVC-5), and one audit
    /// row for the batch rather than one per record. Returns
    /// the number of rows written.
    async fn load_histories(
        &self,
        batch: &[CustomerHistory],
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<u64, StoreError>;
    async fn update_customer(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &CustomerPatch,
        stamp: &AuditStamp,
    ) -> Result<Customer, StoreError>;
    /// Removes the customer with its contacts, interactions and attachments; refused with
    /// `Conflict { constraint: "customer_in_use" }` while orders or other modules' records refer to it.
    async fn delete_customer(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;
    /// Moves every record of `from` onto `into` and removes `from`, in one transaction.
    async fn merge_customers(
        &self,
        scope: &Scope,
        into: Uuid,
        from: Uuid,
        stamp: &AuditStamp,
    ) -> Result<Customer, StoreError>;

    /// Gives the customers a new owner and records each change in the assignment history;
    /// all or nothing: `NotFound` if any id is out of scope.
    async fn assign_customers(
        &self,
        scope: &Scope,
        ids: &[Uuid],
        owner_id: Uuid,
        note: Option<&str>,
        stamp: &AuditStamp,
    ) -> Result<u64, StoreError>;
    /// Adds (or removes) a tag on the customers; all or nothing like `assign_customers`.
    async fn tag_customers(
        &self,
        scope: &Scope,
        ids: &[Uuid],
        tag: &str,
        add: bool,
        stamp: &AuditStamp,
    ) -> Result<u64, StoreError>;
    async fn list_assignments(
        &self,
        scope: &Scope,
        customer_id: Uuid,
        req: &ListRequest,
    ) -> Result<Page<Assignment>, StoreError>;
    async fn list_shares(&self, scope: &Scope, customer_id: Uuid) -> Result<Vec<Share>, StoreError>;
    async fn share_customer(
        &self,
        scope: &Scope,
        customer_id: Uuid,
        user_id: Uuid,
        stamp: &AuditStamp,
    ) -> Result<Share, StoreError>;
    async fn unshare_customer(
        &self,
        scope: &Scope,
        customer_id: Uuid,
        user_id: Uuid,
        stamp: &AuditStamp,
    ) -> Result<(), StoreError>;

    /// Customers and contacts matching every token of `q`, through the search index.
    async fn search(&self, scope: &Scope, q: &str, limit: u32) -> Result<SearchResults, StoreError>;
    /// Customers and contacts with a phone whose national digits are `digits` (INT-6).
    async fn lookup_phone(&self, scope: &Scope, digits: &str) -> Result<PhoneLookup, StoreError>;

    async fn list_saved_filters(&self, user_id: Uuid, req: &ListRequest) -> Result<Page<SavedFilter>, StoreError>;
    async fn create_saved_filter(&self, new: &NewSavedFilter, stamp: &AuditStamp) -> Result<SavedFilter, StoreError>;
    async fn delete_saved_filter(&self, user_id: Uuid, id: Uuid) -> Result<(), StoreError>;

    /// Filters: `customer_id`, `name`, `gender`, `email`, `primary`, `reports_to_id`.
    async fn list_contacts(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Contact>, StoreError>;
    async fn get_contact(&self, scope: &Scope, id: Uuid) -> Result<Contact, StoreError>;
    /// Every contact of one customer, for the organisation chart and the .vcf file.
    async fn contacts_of(&self, scope: &Scope, customer_id: Uuid) -> Result<Vec<Contact>, StoreError>;
    /// A primary contact takes the flag from the customer's previous one.
    async fn create_contact(&self, new: &NewContact, stamp: &AuditStamp) -> Result<Contact, StoreError>;
    async fn update_contact(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &ContactPatch,
        stamp: &AuditStamp,
    ) -> Result<Contact, StoreError>;
    async fn delete_contact(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;

    /// Filters: `customer_id`, `contact_id`, `kind_id`, `author_id`; sorts: `occurred_at`, `created_at`.
    async fn list_interactions(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Interaction>, StoreError>;
    async fn get_interaction(&self, scope: &Scope, id: Uuid) -> Result<Interaction, StoreError>;
    /// The stamp's actor is the author.
    async fn create_interaction(&self, new: &NewInteraction, stamp: &AuditStamp) -> Result<Interaction, StoreError>;
    async fn update_interaction(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &InteractionPatch,
        stamp: &AuditStamp,
    ) -> Result<Interaction, StoreError>;
    async fn delete_interaction(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;

    /// Filters: `customer_id`, `interaction_id`.
    async fn list_attachments(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Attachment>, StoreError>;
    async fn get_attachment(&self, scope: &Scope, id: Uuid) -> Result<AttachmentContent, StoreError>;
    async fn create_attachment(&self, new: &NewAttachment, stamp: &AuditStamp) -> Result<Attachment, StoreError>;
    async fn delete_attachment(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;

    /// Filters: `customer_id`, `status`, `currency`; sorts: `order_date`, `number`, `total`, `created_at`.
    async fn list_orders(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Order>, StoreError>;
    async fn get_order(&self, scope: &Scope, id: Uuid) -> Result<Order, StoreError>;
    /// Numbers the order from the `order` sequence and updates the customer's last order date.
    async fn create_order(&self, new: &NewOrder, today: NaiveDate, stamp: &AuditStamp) -> Result<Order, StoreError>;
    async fn update_order(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &OrderPatch,
        stamp: &AuditStamp,
    ) -> Result<Order, StoreError>;
    async fn delete_order(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;
}
