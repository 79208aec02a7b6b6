//! Users, roles, divisions, sessions, tokens and the audit log (ACL-1..7), and the
//! access policy every other module goes through: `Actor::require` for rights and
//! `Actor::scope` for which records a read may return.

pub mod actions;
mod audit;
mod divisions;
pub mod password;
mod permissions;
mod roles;
mod store;
mod tokens;
mod users;

pub use audit::{AuditEntry, AuditStamp};
pub use divisions::{Division, DivisionPatch, NewDivision};
pub use permissions::{Action, Actor, DataScope, Module, Permission, Scope};
pub use roles::{Grant, NewRole, Role, RolePatch, default_roles};
pub use store::{AccessStore, LoginRecord, NewSession, SessionKind, SessionRecord};
pub use tokens::{hash_token, new_token};
pub use users::{NewUser, User, UserInput, UserPatch, UserPatchInput, Username};
