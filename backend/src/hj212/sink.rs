//! Where received messages go: the [`FrameSink`] trait the database side implements, and what it says back.

use std::error::Error;
use std::future::Future;
use std::net::SocketAddr;

use chrono::{DateTime, Utc};
use models::domain::hj212::Packet;

/// One whole message from a station: a frame, or the packets of a split message put back together.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// The connection it came over.
    pub peer: SocketAddr,
    /// Already reassembled: `pnum`/`pno` are `None` and the flag's D bit is clear.
    pub packet: Packet,
    /// When its last byte was read.
    pub received_at: DateTime<Utc>,
}

/// What the sink did with one message of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Committed. The server acknowledges it if the frame asked to be.
    Stored,
    /// Deliberately not stored (unknown device, wrong password, …): no readings were written, the sink
    /// may have recorded an event about it, and the server does not acknowledge it. `reason` is short
    /// snake_case, as it becomes a metric label (`refused:<reason>`), so keep the set of reasons small.
    Refused { reason: &'static str },
}

/// The commit of a whole group failed: nothing of it is stored, and none of it is acknowledged.
#[derive(Debug, thiserror::Error)]
#[error("storing the HJ 212 group failed")]
pub struct SinkError(#[source] Box<dyn Error + Send + Sync>);

impl SinkError {
    /// Wraps the cause (a database error, an `anyhow::Error`, a message).
    pub fn new(cause: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self(cause.into())
    }
}

/// Stores groups of received messages; implemented by the database side.
///
/// The server is generic over the sink (`Server<S: FrameSink>`), so the trait can use `async fn`
/// directly and needs no boxed future; nothing here needs `dyn FrameSink`.
///
/// One call is one commit: store every message of `group` in one transaction and return one
/// [`Outcome`] per message, in the order given, or `Err` if the transaction failed (then no message of
/// the group counts as stored). A result with a different number of outcomes is treated as a failed
/// commit. Whether a message wants an acknowledgement is not the sink's concern: the server decides
/// that from the frame's flag.
///
/// Calls never overlap: the next group waits until this one returns, and meanwhile new messages
/// gather for it. The sink should bound its own time (a statement timeout), since the stations whose
/// messages are in the group wait for the answer, and shutdown waits for them.
pub trait FrameSink: Send + Sync + 'static {
    fn store(&self, group: Vec<Received>) -> impl Future<Output = Result<Vec<Outcome>, SinkError>> + Send;
}

/// `error: cause: cause of the cause`, for logs.
pub(crate) fn error_chain(error: &(dyn Error + 'static)) -> String {
    std::iter::successors(Some(error), |&e| e.source()).map(ToString::to_string).collect::<Vec<_>>().join(": ")
}
