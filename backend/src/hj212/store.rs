//! The receiver's sink: each group of messages stored in one transaction by `models::stations`.

use chrono::{TimeDelta, Utc};
use sea_orm::DatabaseConnection;

use models::stations::{Message, Taken, store_group_with};

use super::sink::{FrameSink, Outcome, Received, SinkError};

/// Stores what stations send in the application's database.
#[derive(Debug, Clone)]
pub struct DatabaseSink {
    pub db: DatabaseConnection,
    /// Readings sampled longer ago open no alerts.
    pub live_window: TimeDelta,
    /// Each series' newest values as the last committed group left them, so the next group screens spikes
    /// and flat lines without asking the database (groups never overlap: the committer runs one at a time).
    /// A value another path (the API, an import) wrote in between is not in it: a station's next value is
    /// then compared with its own previous one, which is what the rule is about.
    pub tails: std::sync::Arc<tokio::sync::Mutex<models::readings::Tails>>,
}

impl DatabaseSink {
    pub fn new(db: DatabaseConnection, live_window: TimeDelta) -> Self {
        Self { db, live_window, tails: Default::default() }
    }
}

impl FrameSink for DatabaseSink {
    async fn store(&self, group: Vec<Received>) -> Result<Vec<Outcome>, SinkError> {
        let messages: Vec<Message> = group
            .into_iter()
            .map(|r| Message { peer: r.peer.to_string(), packet: r.packet, received_at: r.received_at })
            .collect();
        let mut tails = self.tails.lock().await;
        let taken = store_group_with(&self.db, &messages, self.live_window, Utc::now(), &mut tails)
            .await
            .map_err(SinkError::new)?;
        Ok(taken
            .into_iter()
            .map(|t| match t {
                Taken::Stored => Outcome::Stored,
                Taken::Refused(reason) => Outcome::Refused { reason },
            })
            .collect())
    }
}
