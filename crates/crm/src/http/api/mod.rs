//! JSON API handlers, one file per business module.

pub mod access;
pub mod base_data;
pub mod churn;
pub mod customers;
pub mod notifications;
pub mod reports;
pub mod sales;
pub mod schedule;
pub mod service;
