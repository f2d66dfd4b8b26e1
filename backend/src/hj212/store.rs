//! The receiver's sink: each group of messages stored in one transaction by `models::stations`.

use chrono::{TimeDelta, Utc};
use sea_orm::DatabaseConnection;

use models::stations::{Message, Taken, store_group};

use super::sink::{FrameSink, Outcome, Received, SinkError};

/// Stores what stations send in the application's database.
#[derive(Debug, Clone)]
pub struct DatabaseSink {
    pub db: DatabaseConnection,
    /// Readings sampled longer ago open no alerts.
    pub live_window: TimeDelta,
}

impl FrameSink for DatabaseSink {
    async fn store(&self, group: Vec<Received>) -> Result<Vec<Outcome>, SinkError> {
        let messages: Vec<Message> = group
            .into_iter()
            .map(|r| Message { peer: r.peer.to_string(), packet: r.packet, received_at: r.received_at })
            .collect();
        let taken = store_group(&self.db, &messages, self.live_window, Utc::now()).await.map_err(SinkError::new)?;
        Ok(taken
            .into_iter()
            .map(|t| match t {
                Taken::Stored => Outcome::Stored,
                Taken::Refused(reason) => Outcome::Refused { reason },
            })
            .collect())
    }
}
