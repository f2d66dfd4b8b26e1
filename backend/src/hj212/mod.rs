//! The HJ 212-2017 TCP receiver: automatic stations and enterprise monitors connect, upload frames, and
//! get a 9014 acknowledgement once what they sent is stored.
//!
//! The bytes are the pure codec's business ([`models::domain::hj212`]); this module is the I/O around it:
//!
//! - [`Server`] accepts connections within [`Hj212Config`]'s limits. Each connection cuts frames with its
//!   own [`FrameScanner`](models::domain::hj212::FrameScanner), puts split messages back together with its
//!   own [`Reassembler`](models::domain::hj212::Reassembler), and hands every whole message on.
//! - One committer task gathers the messages of all connections into groups and gives each group to the
//!   [`FrameSink`] in one call, so a thousand stations reporting on the hour cost a few commits, not a
//!   thousand.
//! - A frame that asked for it (Flag bit A, [`wants_ack`](models::domain::hj212::wants_ack)) is answered
//!   with its 9014 only after the sink said [`Outcome::Stored`]: a device whose data did not reach the
//!   database keeps it and sends it again.
//!
//! Storage is not here: it sits behind [`FrameSink`]. Metrics go to the `metrics` facade (names in
//! [`metrics`](self::metrics)); logs and spans to `tracing`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use backend::hj212::{FrameSink, Hj212Config, Outcome, Received, Server, SinkError};
//!
//! struct Discard;
//!
//! impl FrameSink for Discard {
//!     async fn store(&self, group: Vec<Received>) -> Result<Vec<Outcome>, SinkError> {
//!         Ok(group.iter().map(|_| Outcome::Stored).collect())
//!     }
//! }
//!
//! # async fn example() -> std::io::Result<()> {
//! let server = Server::bind(Hj212Config::default(), Arc::new(Discard)).await?;
//! tracing::info!(addr = %server.local_addr()?, "HJ 212 receiver listening");
//! server.serve(async { let _ = tokio::signal::ctrl_c().await; }).await;
//! # Ok(())
//! # }
//! ```

mod committer;
mod config;
mod connection;
pub mod metrics;
mod server;
mod sink;
mod store;

#[cfg(test)]
mod tests;

pub use config::Hj212Config;
pub use server::Server;
pub use sink::{FrameSink, Outcome, Received, SinkError};
pub use store::DatabaseSink;
