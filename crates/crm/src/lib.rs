//! The `crm` binary's library: configuration, command line, HTTP server, jobs.
//! Integration tests drive it through `app::App` on a real socket.

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod tabular;
