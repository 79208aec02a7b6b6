//! Storage of the customers module: customers, contacts, interactions and attachments,
//! orders, ownership, merge, saved filters, and the search and phone indexes.

mod bulk;
pub(crate) mod contacts;
pub(crate) mod customer;
pub(crate) mod index;
mod interactions;
mod merge;
mod orders;
mod ownership;
mod saved_filters;

// Records of other modules that belong to a customer are read through the customer's scope.
pub(crate) use customer::{division_of, scoped};

use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::{
    Assignment, Attachment, AttachmentContent, Contact, ContactPatch, Customer, CustomerHistory, CustomerPatch,
    CustomerStore, Duplicate, DuplicateProbe, Interaction, InteractionPatch, NewAttachment, NewContact, NewCustomer,
    NewInteraction, NewOrder, NewSavedFilter, Order, OrderPatch, PhoneLookup, SavedFilter, SearchResults, Share,
};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;

#[async_trait]
impl CustomerStore for Db {
    async fn list_customers(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Customer>, StoreError> {
        customer::list(self, scope, req).await
    }
    async fn get_customer(&self, scope: &Scope, id: Uuid) -> Result<Customer, StoreError> {
        customer::get(self, scope, id).await
    }
    async fn find_duplicates(
        &self,
        scope: &Scope,
        probe: &DuplicateProbe,
        except: Option<Uuid>,
    ) -> Result<Vec<Duplicate>, StoreError> {
        customer::find_duplicates(self, scope, probe, except).await
    }
    async fn create_customer(
        &self,
        new: &NewCustomer,
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<Customer, StoreError> {
        customer::create(self, new, today, stamp).await
    }
    async fn create_customers(
        &self,
        new: &[NewCustomer],
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<Vec<Customer>, StoreError> {
        customer::create_many(self, new, today, stamp).await
    }
    async fn load_histories(
        &self,
        batch: &[CustomerHistory],
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<u64, StoreError> {
        bulk::load_histories(self, batch, today, stamp).await
    }
    async fn update_customer(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &CustomerPatch,
        stamp: &AuditStamp,
    ) -> Result<Customer, StoreError> {
        customer::update(self, scope, id, version, patch, stamp).await
    }
    async fn delete_customer(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        customer::delete(self, scope, id, stamp).await
    }
    async fn merge_customers(
        &self,
        scope: &Scope,
        into: Uuid,
        from: Uuid,
        stamp: &AuditStamp,
    ) -> Result<Customer, StoreError> {
        merge::merge(self, scope, into, from, stamp).await
    }

    async fn assign_customers(
        &self,
        scope: &Scope,
        ids: &[Uuid],
        owner_id: Uuid,
        note: Option<&str>,
        stamp: &AuditStamp,
    ) -> Result<u64, StoreError> {
        ownership::assign(self, scope, ids, owner_id, note, stamp).await
    }
    async fn tag_customers(
        &self,
        scope: &Scope,
        ids: &[Uuid],
        tag: &str,
        add: bool,
        stamp: &AuditStamp,
    ) -> Result<u64, StoreError> {
        ownership::tag(self, scope, ids, tag, add, stamp).await
    }
    async fn list_assignments(
        &self,
        scope: &Scope,
        customer_id: Uuid,
        req: &ListRequest,
    ) -> Result<Page<Assignment>, StoreError> {
        ownership::list_assignments(self, scope, customer_id, req).await
    }
    async fn list_shares(&self, scope: &Scope, customer_id: Uuid) -> Result<Vec<Share>, StoreError> {
        ownership::list_shares(self, scope, customer_id).await
    }
    async fn share_customer(
        &self,
        scope: &Scope,
        customer_id: Uuid,
        user_id: Uuid,
        stamp: &AuditStamp,
    ) -> Result<Share, StoreError> {
        ownership::share(self, scope, customer_id, user_id, stamp).await
    }
    async fn unshare_customer(
        &self,
        scope: &Scope,
        customer_id: Uuid,
        user_id: Uuid,
        stamp: &AuditStamp,
    ) -> Result<(), StoreError> {
        ownership::unshare(self, scope, customer_id, user_id, stamp).await
    }

    async fn search(&self, scope: &Scope, q: &str, limit: u32) -> Result<SearchResults, StoreError> {
        let mut customers = customer::search(self, scope, q, limit).await?;
        let contacts = contacts::search(self, scope, q, limit).await?;
        // The customers of the contacts found come after those found by their own record.
        let mut more: Vec<String> = Vec::new();
        for c in &contacts {
            let id = c.customer_id.to_string();
            if !customers.iter().any(|x| x.id == c.customer_id) && !more.contains(&id) {
                more.push(id);
            }
        }
        let room = usize::try_from(limit).unwrap_or(usize::MAX).saturating_sub(customers.len());
        more.truncate(room);
        if !more.is_empty() {
            let req =
                ListRequest { filters: vec![("ids".into(), more.join(","))], ..ListRequest::first("name", limit) };
            customers.extend(customer::list(self, scope, &req).await?.items);
        }
        Ok(SearchResults { customers, contacts })
    }
    async fn lookup_phone(&self, scope: &Scope, digits: &str) -> Result<PhoneLookup, StoreError> {
        let req = ListRequest {
            filters: vec![("phone_digits".into(), digits.to_string())],
            ..ListRequest::first("name", crm_core::listing::DEFAULT_LIMIT)
        };
        let customers = customer::list(self, scope, &req).await?.items;
        let contacts = contacts::list(self, scope, &req).await?.items;
        Ok(PhoneLookup { number: digits.to_string(), customers, contacts })
    }

    async fn list_saved_filters(&self, user_id: Uuid, req: &ListRequest) -> Result<Page<SavedFilter>, StoreError> {
        saved_filters::list(self, user_id, req).await
    }
    async fn create_saved_filter(&self, new: &NewSavedFilter, stamp: &AuditStamp) -> Result<SavedFilter, StoreError> {
        saved_filters::create(self, new, stamp).await
    }
    async fn delete_saved_filter(&self, user_id: Uuid, id: Uuid) -> Result<(), StoreError> {
        saved_filters::delete(self, user_id, id).await
    }

    async fn list_contacts(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Contact>, StoreError> {
        contacts::list(self, scope, req).await
    }
    async fn get_contact(&self, scope: &Scope, id: Uuid) -> Result<Contact, StoreError> {
        contacts::get(self, scope, id).await
    }
    async fn contacts_of(&self, scope: &Scope, customer_id: Uuid) -> Result<Vec<Contact>, StoreError> {
        contacts::of_customer(self, scope, customer_id).await
    }
    async fn create_contact(&self, new: &NewContact, stamp: &AuditStamp) -> Result<Contact, StoreError> {
        contacts::create(self, new, stamp).await
    }
    async fn update_contact(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &ContactPatch,
        stamp: &AuditStamp,
    ) -> Result<Contact, StoreError> {
        contacts::update(self, scope, id, version, patch, stamp).await
    }
    async fn delete_contact(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        contacts::delete(self, scope, id, stamp).await
    }

    async fn list_interactions(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Interaction>, StoreError> {
        interactions::list(self, scope, req).await
    }
    async fn get_interaction(&self, scope: &Scope, id: Uuid) -> Result<Interaction, StoreError> {
        interactions::get(self, scope, id).await
    }
    async fn create_interaction(&self, new: &NewInteraction, stamp: &AuditStamp) -> Result<Interaction, StoreError> {
        interactions::create(self, new, stamp).await
    }
    async fn update_interaction(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &InteractionPatch,
        stamp: &AuditStamp,
    ) -> Result<Interaction, StoreError> {
        interactions::update(self, scope, id, version, patch, stamp).await
    }
    async fn delete_interaction(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        interactions::delete(self, scope, id, stamp).await
    }

    async fn list_attachments(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Attachment>, StoreError> {
        interactions::list_attachments(self, scope, req).await
    }
    async fn get_attachment(&self, scope: &Scope, id: Uuid) -> Result<AttachmentContent, StoreError> {
        interactions::get_attachment(self, scope, id).await
    }
    async fn create_attachment(&self, new: &NewAttachment, stamp: &AuditStamp) -> Result<Attachment, StoreError> {
        interactions::create_attachment(self, new, stamp).await
    }
    async fn delete_attachment(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        interactions::delete_attachment(self, scope, id, stamp).await
    }

    async fn list_orders(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Order>, StoreError> {
        orders::list(self, scope, req).await
    }
    async fn get_order(&self, scope: &Scope, id: Uuid) -> Result<Order, StoreError> {
        orders::get(self, scope, id).await
    }
    async fn create_order(&self, new: &NewOrder, today: NaiveDate, stamp: &AuditStamp) -> Result<Order, StoreError> {
        orders::create(self, new, today, stamp).await
    }
    async fn update_order(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &OrderPatch,
        stamp: &AuditStamp,
    ) -> Result<Order, StoreError> {
        orders::update(self, scope, id, version, patch, stamp).await
    }
    async fn delete_order(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        orders::delete(self, scope, id, stamp).await
    }
}
