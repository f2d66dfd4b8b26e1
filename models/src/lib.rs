//! riverchief's domain and its storage: pure rules in [`domain`], sea-orm entities in [`entities`],
//! and one module of operations per table. Handlers and jobs call these; they never build queries.

pub mod alerts;
pub mod api_keys;
pub mod app_meta;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod chiefs;
pub mod db;
pub mod demo;
pub mod devices;
pub mod domain;
pub mod enterprises;
pub mod entities;
pub mod forecasts;
pub mod ingest;
pub mod job_runs;
pub mod notices;
pub mod partitions;
pub mod readings;
pub mod registry;
pub mod rollups;
pub mod secret;
pub mod sections;
pub mod sessions;
pub mod stations;
mod stored;
#[cfg(test)]
mod test_db;
pub mod trends;
pub mod users;
pub mod warnings;

pub use migration::Migrator;
pub use sea_orm::{DatabaseConnection, DbErr};
