//! Customers (客户管理, CUS-1..10): customers, contacts, interactions with attachments,
//! orders as far as the customer view needs them, duplicates and merge, assignment and
//! sharing, saved filters, search and phone lookup, vCard.

/// An enumeration whose API form is a snake_case code, parsed with a field error that lists the choices.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            pub fn parse(field: &str, value: &str) -> Result<Self, crate::FieldError> {
                let v = value.trim();
                Self::ALL.iter().copied().find(|x| x.code() == v).ok_or_else(|| {
                    let codes: Vec<&str> = Self::ALL.iter().map(|x| x.code()).collect();
                    crate::FieldError::with_param(field, "invalid_choice", codes.join(","))
                })
            }

            /// Like `parse`, with a blank value meaning none.
            pub fn parse_optional(field: &str, value: &str) -> Result<Option<Self>, crate::FieldError> {
                if value.trim().is_empty() { Ok(None) } else { Self::parse(field, value).map(Some) }
            }
        }
    };
}

pub mod actions;
mod contacts;
mod customer;
mod interactions;
mod orders;
pub mod search;
mod store;
pub mod vcard;

pub use contacts::{
    Contact, ContactInput, ContactPatch, ContactPatchInput, Gender, NewContact, OrgNode, check_reports_to, org_chart,
};
pub use customer::{
    Assignment, AssignmentInput, BulkAction, BulkInput, BulkResult, CompanySize, Customer, CustomerExportRow,
    CustomerInput, CustomerPatch, CustomerPatchInput, CustomerStatus, Duplicate, DuplicateProbe, LifecycleStage,
    MergeInput, NewCustomer, NewSavedFilter, Overview, PhoneLookup, Ref, SavedFilter, SavedFilterInput, SearchResults,
    Section, Share, ShareInput, parse_tag,
};
pub use interactions::{
    Attachment, AttachmentContent, Interaction, InteractionInput, InteractionPatch, InteractionPatchInput,
    MAX_ATTACHMENT_BYTES, NewAttachment, NewInteraction,
};
pub(crate) use orders::{LineBasics, check_line_count, parse_line_basics};
pub use orders::{
    NewOrder, NewOrderLine, Order, OrderInput, OrderLine, OrderLineInput, OrderPatch, OrderPatchInput, OrderStatus,
    decimal_text,
};
pub use store::{CustomerHistory, CustomerStore};
