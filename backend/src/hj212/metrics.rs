//! The receiver's metrics, through the `metrics` facade: whatever recorder the binary installs (a
//! Prometheus exporter) gets them; without one they cost next to nothing.
//!
//! Label values come from small fixed sets (the reasons below, the command codes of [`cn`]); nothing a
//! device sends, such as its MN, becomes a label.

use std::time::Duration;

use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use models::domain::hj212::{FrameError, cn};

/// Connections accepted, within the limits or not.
pub const CONNECTIONS_TOTAL: &str = "riverchief_hj212_connections_total";
/// Connections being served now.
pub const CONNECTIONS_OPEN: &str = "riverchief_hj212_connections_open";
/// Connections closed at once, `reason` = `overall_limit` or `address_limit`.
pub const CONNECTIONS_REFUSED_TOTAL: &str = "riverchief_hj212_connections_refused_total";
/// Frames decoded, by `cn` (the codes of [`cn`], else `other`).
pub const FRAMES_TOTAL: &str = "riverchief_hj212_frames_total";
/// Frames or messages not stored, by `reason`: `bad_crc`, `bad_length`, `too_long`, `malformed`,
/// `reassembly` (a split packet refused, or a split message expired or left incomplete at close),
/// `refused:<the sink's reason>`, `commit_failed`, `timeout` (a frame left unfinished).
pub const REJECTS_TOTAL: &str = "riverchief_hj212_rejects_total";
/// Seconds from a message's last byte read to its 9014 written.
pub const ACK_LATENCY_SECONDS: &str = "riverchief_hj212_ack_latency_seconds";
/// Messages per commit.
pub const GROUP_SIZE: &str = "riverchief_hj212_group_size";

/// Why a connection was closed at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    OverallLimit,
    AddressLimit,
}

impl Refusal {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Refusal::OverallLimit => "overall_limit",
            Refusal::AddressLimit => "address_limit",
        }
    }
}

/// Gives the recorder the metrics' units and help texts. Call once after installing the recorder;
/// [`Server::serve`](super::Server::serve) does.
pub fn describe() {
    describe_counter!(CONNECTIONS_TOTAL, "HJ 212 connections accepted");
    describe_gauge!(CONNECTIONS_OPEN, "HJ 212 connections open");
    describe_counter!(CONNECTIONS_REFUSED_TOTAL, "HJ 212 connections closed at once for a limit");
    describe_counter!(FRAMES_TOTAL, "HJ 212 frames decoded, by command code");
    describe_counter!(REJECTS_TOTAL, "HJ 212 frames or messages not stored, by reason");
    describe_histogram!(ACK_LATENCY_SECONDS, Unit::Seconds, "HJ 212 message read to 9014 written");
    describe_histogram!(GROUP_SIZE, Unit::Count, "HJ 212 messages per commit");
}

pub(crate) fn connection_opened() {
    counter!(CONNECTIONS_TOTAL).increment(1);
    gauge!(CONNECTIONS_OPEN).increment(1.0);
}

pub(crate) fn connection_closed() {
    gauge!(CONNECTIONS_OPEN).decrement(1.0);
}

pub(crate) fn connection_refused(refusal: Refusal) {
    counter!(CONNECTIONS_TOTAL).increment(1);
    counter!(CONNECTIONS_REFUSED_TOTAL, "reason" => refusal.label()).increment(1);
}

pub(crate) fn frame(command: &str) {
    counter!(FRAMES_TOTAL, "cn" => cn_label(command)).increment(1);
}

pub(crate) fn reject(reason: &'static str) {
    rejects(reason, 1);
}

pub(crate) fn rejects(reason: &'static str, count: usize) {
    if count > 0 {
        counter!(REJECTS_TOTAL, "reason" => reason).increment(count as u64);
    }
}

pub(crate) fn refused_by_sink(reason: &'static str) {
    counter!(REJECTS_TOTAL, "reason" => format!("refused:{reason}")).increment(1);
}

pub(crate) fn ack_latency(latency: Duration) {
    histogram!(ACK_LATENCY_SECONDS).record(latency.as_secs_f64());
}

pub(crate) fn group_size(size: usize) {
    // Precision lost only above 2^53 messages.
    histogram!(GROUP_SIZE).record(size as f64);
}

/// The `reason` label of a frame the codec refused.
pub(crate) fn frame_error_reason(error: &FrameError) -> &'static str {
    match error {
        FrameError::BadCrc { .. } | FrameError::BadCrcDigits { .. } => "bad_crc",
        FrameError::BadHeader
        | FrameError::Truncated
        | FrameError::BadLength { .. }
        | FrameError::LengthMismatch { .. }
        | FrameError::MissingCrLf
        | FrameError::TrailingBytes { .. } => "bad_length",
        FrameError::TooLong { .. } => "too_long",
        FrameError::NotText
        | FrameError::MissingField(_)
        | FrameError::DuplicateField(_)
        | FrameError::BadField { .. }
        | FrameError::BadCp => "malformed",
    }
}

/// A command code as a label: one riverchief knows, or `other`, so a device cannot grow the label set.
fn cn_label(command: &str) -> &'static str {
    [cn::REALTIME, cn::MINUTE, cn::HOURLY, cn::DAILY, cn::DATA_ACK]
        .into_iter()
        .find(|&c| c == command)
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_codes_outside_the_known_set_share_one_label() {
        assert_eq!(cn_label("2061"), "2061");
        assert_eq!(cn_label("1062"), "other");
        assert_eq!(cn_label("MN-0001-as-a-label"), "other");
    }

    #[test]
    fn each_frame_error_has_a_reason() {
        assert_eq!(frame_error_reason(&FrameError::BadCrc { expected: 1, found: 2 }), "bad_crc");
        assert_eq!(frame_error_reason(&FrameError::TooLong { declared: 2000, max: 1024 }), "too_long");
        assert_eq!(frame_error_reason(&FrameError::MissingCrLf), "bad_length");
        assert_eq!(frame_error_reason(&FrameError::MissingField("MN")), "malformed");
    }
}
