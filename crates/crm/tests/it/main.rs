//! Integration tests: one binary, each test with its own server on port 0 and its own fresh
//! database — an SQLite file, or a PostgreSQL schema when CRM_TEST_POSTGRES_URL is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod api_conventions;
mod base_data;
mod churn;
mod churn_analysis;
mod cli;
mod contracts;
mod customers;
mod dashboard;
mod demo;
mod helpers;
mod import_customers;
mod import_export;
mod instances;
mod jobs;
mod notifications;
mod opportunities;
mod order_totals;
mod reports;
mod schedule;
mod schema;
mod service;
mod web;
mod web_customers;
