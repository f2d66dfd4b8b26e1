//! One station's connection: read, cut frames, reassemble, hand whole messages to the committer, and
//! write each 9014 once its message is stored.
//!
//! A connection alternates: it reads one chunk, submits every message the chunk completed, waits for
//! their outcomes in order and writes their acknowledgements, then reads again. So its messages are
//! stored and acknowledged in the order they came, what it holds is bounded by one chunk's messages,
//! and a station that sends faster than the database commits is slowed by TCP, not buffered here.
//!
//! Split messages: a packet is only data once its whole message is put together, so every packet of a
//! split message is acknowledged (one 9014 each, as the codec's [`data_ack`] describes) when the
//! message is stored, not on arrival. A device that waits for packet 1's acknowledgement before
//! sending packet 2 would never get it; none is known to riverchief, and acknowledging a packet the
//! database does not yet hold would break the promise that a 9014 means stored.
//!
//! [`data_ack`]: models::domain::hj212::data_ack

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use chrono::Utc;
use models::domain::hj212::{FrameScanner, Reassembler, data_ack_frame, wants_ack};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{Instant, timeout, timeout_at};
use tracing::{debug, warn};

use super::committer::{Answer, CommitFailed, Committer};
use super::config::Hj212Config;
use super::metrics;
use super::sink::{Outcome, Received};

/// Bytes read at a time; a connection holds this, its scanner's one frame and its reassembler's sets.
const READ_CHUNK: usize = 4096;

/// Serves one connection until the peer closes it, a timeout, a write failure or shutdown.
pub(crate) async fn serve(
    mut stream: TcpStream,
    peer: SocketAddr,
    config: Arc<Hj212Config>,
    committer: Committer,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connection = Connection {
        peer,
        scanner: FrameScanner::with_max_data_len(config.max_data_len),
        reassembler: Reassembler::new(config.reassembly),
        partial_since: None,
        committer,
        config,
    };
    let mut buf = vec![0; READ_CHUNK].into_boxed_slice();
    loop {
        // Shutdown is looked at only here, between chunks: messages already read are finished first.
        let read = tokio::select! {
            biased;
            _ = shutdown.wait_for(|stop| *stop) => {
                debug!("closing for shutdown");
                break;
            }
            read = connection.read(&mut stream, &mut buf) => read,
        };
        let n = match read {
            Read::Bytes(n) => n,
            Read::Closed => {
                debug!(unfinished = connection.scanner.buffered(), "closed by the peer");
                break;
            }
            Read::Idle => {
                debug!("nothing received within the read timeout; closing");
                break;
            }
            Read::Unfinished => {
                metrics::reject("timeout");
                debug!(
                    unfinished = connection.scanner.buffered(),
                    "frame not completed within the frame timeout; closing"
                );
                break;
            }
            Read::Failed(e) => {
                debug!(error = %e, "read failed");
                break;
            }
        };
        let in_flight = match connection.take(&buf[..n]).await {
            Some(in_flight) => in_flight,
            None => {
                warn!("the committer has stopped; closing");
                break;
            }
        };
        if let Err(e) = connection.answer(&mut stream, in_flight).await {
            debug!(error = %e, "writing an acknowledgement failed; closing");
            break;
        }
    }
    // Split messages never completed are lost with the connection, as when they expire.
    metrics::rejects("reassembly", connection.reassembler.pending_sets());
}

struct Connection {
    peer: SocketAddr,
    config: Arc<Hj212Config>,
    committer: Committer,
    scanner: FrameScanner,
    reassembler: Reassembler,
    /// When the scanner's partial frame began (roughly: the chunk after which it first held bytes
    /// without completing a frame).
    partial_since: Option<Instant>,
}

enum Read {
    Bytes(usize),
    Closed,
    /// Nothing arrived within the read timeout.
    Idle,
    /// A frame begun was not finished within the frame timeout.
    Unfinished,
    Failed(io::Error),
}

/// A message handed to the committer, waiting for its outcome.
struct InFlight {
    answer: Answer,
    /// The 9014 to write once stored, and how many packets it answers; `None` if none was asked for.
    ack: Option<(String, u32)>,
    mn: String,
    read_at: Instant,
}

impl Connection {
    async fn read(&self, stream: &mut TcpStream, buf: &mut [u8]) -> Read {
        let idle = Instant::now() + self.config.read_timeout;
        let unfinished = self.partial_since.map(|since| since + self.config.frame_timeout);
        let deadline = unfinished.map_or(idle, |unfinished| unfinished.min(idle));
        match timeout_at(deadline, stream.read(buf)).await {
            Ok(Ok(0)) => Read::Closed,
            Ok(Ok(n)) => Read::Bytes(n),
            Ok(Err(e)) => Read::Failed(e),
            Err(_) if unfinished.is_some_and(|unfinished| unfinished <= idle) => Read::Unfinished,
            Err(_) => Read::Idle,
        }
    }

    /// Scans `bytes`, counts what the codec refuses, and submits every message they complete.
    /// `None` if the committer is gone.
    async fn take(&mut self, bytes: &[u8]) -> Option<VecDeque<InFlight>> {
        let read_at = Instant::now();
        let received_at = Utc::now();
        self.scanner.push(bytes);
        metrics::rejects("reassembly", self.reassembler.expire(read_at.into_std()));
        let mut in_flight = VecDeque::new();
        let mut completed_a_frame = false;
        for result in self.scanner.by_ref() {
            completed_a_frame = true;
            let packet = match result {
                Ok(packet) => packet,
                Err(e) => {
                    metrics::reject(metrics::frame_error_reason(&e));
                    debug!(error = %e, "frame refused");
                    continue;
                }
            };
            metrics::frame(&packet.cn);
            let packets = packet.pnum.unwrap_or(1);
            let message = match self.reassembler.push(packet, read_at.into_std()) {
                Ok(Some(message)) => message,
                Ok(None) => continue,
                Err(e) => {
                    metrics::reject("reassembly");
                    debug!(error = %e, "split packet refused");
                    continue;
                }
            };
            let ack = if wants_ack(&message) {
                match data_ack_frame(&message) {
                    Ok(frame) => Some((frame, packets)),
                    // Unreachable for a decoded packet; stored all the same, the device will resend.
                    Err(e) => {
                        warn!(mn = %message.mn, error = %e, "cannot write the acknowledgement");
                        None
                    }
                }
            } else {
                None
            };
            let mn = message.mn.clone();
            let answer = self.committer.submit(Received { peer: self.peer, packet: message, received_at }).await?;
            in_flight.push_back(InFlight { answer, ack, mn, read_at });
        }
        self.partial_since = if self.scanner.buffered() == 0 {
            None
        } else if completed_a_frame {
            // What is left after a completed frame came in this chunk.
            Some(read_at)
        } else {
            self.partial_since.or(Some(read_at))
        };
        Some(in_flight)
    }

    /// Waits for each message's outcome in order and writes the acknowledgements of those stored.
    async fn answer(&self, stream: &mut TcpStream, in_flight: VecDeque<InFlight>) -> io::Result<()> {
        for message in in_flight {
            match message.answer.await.unwrap_or(Err(CommitFailed)) {
                Ok(Outcome::Stored) => {
                    let Some((ack, packets)) = message.ack else { continue };
                    let bytes = ack.repeat(packets as usize);
                    timeout(self.config.write_timeout, stream.write_all(bytes.as_bytes()))
                        .await
                        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "write timeout"))??;
                    metrics::ack_latency(message.read_at.elapsed());
                }
                Ok(Outcome::Refused { reason }) => {
                    metrics::refused_by_sink(reason);
                    debug!(mn = %message.mn, reason, "message refused by the sink; not acknowledged");
                }
                Err(CommitFailed) => {
                    metrics::reject("commit_failed");
                    debug!(mn = %message.mn, "commit failed; not acknowledged");
                }
            }
        }
        Ok(())
    }
}
