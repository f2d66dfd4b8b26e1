//! Notices in the outbox: how they travel and where their delivery stands.

use serde::Serialize;

/// How a notice travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

/// Where a notice's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NoticeStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Claimed by a worker that is sending it.
    Sending,
    /// Delivered; never claimed again.
    Sent,
    /// Given up on: a permanent error, or too many attempts.
    Failed,
}
