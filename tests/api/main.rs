//! riverchief end-to-end tests: one binary, the real application on a random port, against SQLite, or
//! PostgreSQL when `DATABASE_URL` is set.

mod analyze;
mod assessment;
mod auth;
mod demo;
mod early_warning;
mod health;
mod import;
mod ingest;
mod notices;
mod readings;
mod registry;
mod replicas;
mod reports;
mod sections;
mod security;
mod trends;
mod warnings;
