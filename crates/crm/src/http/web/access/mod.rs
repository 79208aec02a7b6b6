//! Pages of the access module: users, roles, divisions, audit log.

pub mod audit;
pub mod divisions;
pub mod roles;
pub mod users;
