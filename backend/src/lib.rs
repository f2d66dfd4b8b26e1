//! Everything riverchief shows the outside world: the HTTP API, the command line, and start-up.

pub mod analyze;
pub mod analyze_series;
pub mod auth;
pub mod bench;
pub mod bench_hj212;
pub mod bench_trend;
pub mod bench_trends;
pub mod cli;
pub mod config;
pub mod error;
pub mod extract;
pub mod hj212;
pub mod import;
pub mod routes;
pub mod rules;
pub mod startup;
pub mod state;
pub mod tabular;
pub mod telemetry;
pub mod views;

pub use config::Settings;
pub use startup::Application;
