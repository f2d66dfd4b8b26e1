//! The accept loop: connection limits, one task per connection, the committer, graceful shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{Instrument, debug, error, info, info_span, warn};

use super::committer::Committer;
use super::config::Hj212Config;
use super::connection;
use super::metrics::{self, Refusal};
use super::sink::FrameSink;

/// The HJ 212 receiver, bound and ready to [`serve`](Server::serve).
#[derive(Debug)]
pub struct Server<S> {
    listener: TcpListener,
    config: Arc<Hj212Config>,
    sink: Arc<S>,
}

impl<S: FrameSink> Server<S> {
    /// Binds `config.addr` (port 0 picks a free port; see [`local_addr`](Server::local_addr)).
    pub async fn bind(config: Hj212Config, sink: Arc<S>) -> io::Result<Self> {
        // A backlog of 1,024 rather than the default 128: a thousand stations reconnecting after a restart
        // arrive at once, and dropped attempts would wait a retry for nothing.
        let socket =
            if config.addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
        socket.set_reuseaddr(true)?;
        socket.bind(config.addr)?;
        let listener = socket.listen(1024)?;
        Ok(Self::from_listener(listener, config, sink))
    }

    /// Serves on a listener bound elsewhere; `config.addr` is not used.
    pub fn from_listener(listener: TcpListener, config: Hj212Config, sink: Arc<S>) -> Self {
        Self { listener, config: Arc::new(config), sink }
    }

    /// The address bound, with the port chosen when `addr` asked for port 0.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts and serves connections until `shutdown` completes; then stops accepting, lets every
    /// connection finish the messages it has read (stored and acknowledged as usual; a frame still
    /// incomplete is dropped), waits for the last commit and returns.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        metrics::describe();
        let Server { listener, config, sink } = self;
        info!(addr = ?listener.local_addr().ok(), "HJ 212 receiver listening");
        // Room for a full group to gather while the previous one commits.
        let (committer, commit_task) = Committer::spawn(sink, config.max_group, config.max_wait, 2 * config.max_group);
        let (stop, stopping) = watch::channel(false);
        let slots = Slots::new(config.max_connections, config.max_per_address);
        let mut connections = JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(e) => {
                            accept_failed(&e).await;
                            continue;
                        }
                    };
                    let slot = match slots.take(peer.ip()) {
                        Ok(slot) => slot,
                        Err(refusal) => {
                            metrics::connection_refused(refusal);
                            debug!(%peer, reason = refusal.label(), "connection refused");
                            drop(stream);
                            continue;
                        }
                    };
                    // Acknowledgements are small writes; Nagle would hold the second behind the first.
                    let _ = stream.set_nodelay(true);
                    let (config, committer, stopping) = (config.clone(), committer.clone(), stopping.clone());
                    let task = async move {
                        let _slot = slot;
                        debug!("connected");
                        connection::serve(stream, peer, config, committer, stopping).await;
                    };
                    connections.spawn(task.instrument(info_span!("hj212_connection", %peer)));
                }
                Some(done) = connections.join_next() => report_panic(done),
            }
        }
        drop(listener);
        info!(open = connections.len(), "HJ 212 receiver stopping: finishing open connections");
        stop.send_replace(true);
        while let Some(done) = connections.join_next().await {
            report_panic(done);
        }
        drop(committer);
        if let Err(e) = commit_task.await {
            error!(error = %e, "the HJ 212 committer panicked");
        }
        info!("HJ 212 receiver stopped");
    }
}

fn report_panic(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        error!(error = %e, "an HJ 212 connection task panicked");
    }
}

/// An error of one connection (reset before it was accepted) costs nothing; others (out of file
/// descriptors) would recur at once, so wait a little before accepting again.
async fn accept_failed(e: &io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted) {
        debug!(error = %e, "accept failed");
    } else {
        warn!(error = %e, "accept failed; pausing 100 ms");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Counts open connections, overall and per IP address.
#[derive(Debug, Clone)]
struct Slots(Arc<Mutex<Open>>);

#[derive(Debug)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
    max_total: usize,
    max_per_address: usize,
}

/// One open connection's place; given back when dropped.
#[derive(Debug)]
struct Slot {
    slots: Slots,
    ip: IpAddr,
}

impl Slots {
    fn new(max_total: usize, max_per_address: usize) -> Self {
        Self(Arc::new(Mutex::new(Open { total: 0, by_address: HashMap::new(), max_total, max_per_address })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        // The counts stay consistent even if a holder panicked: every change is one statement.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take(&self, ip: IpAddr) -> Result<Slot, Refusal> {
        let mut open = self.lock();
        if open.total >= open.max_total {
            return Err(Refusal::OverallLimit);
        }
        let max_per_address = open.max_per_address;
        let from_ip = open.by_address.entry(ip).or_insert(0);
        if *from_ip >= max_per_address {
            if *from_ip == 0 {
                open.by_address.remove(&ip);
            }
            return Err(Refusal::AddressLimit);
        }
        *from_ip += 1;
        open.total += 1;
        metrics::connection_opened();
        Ok(Slot { slots: self.clone(), ip })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.lock();
        open.total -= 1;
        if let Some(from_ip) = open.by_address.get_mut(&self.ip) {
            *from_ip -= 1;
            if *from_ip == 0 {
                open.by_address.remove(&self.ip);
            }
        }
        metrics::connection_closed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_limited_overall_and_per_address_and_given_back_on_drop() {
        let slots = Slots::new(3, 2);
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let a1 = slots.take(a).expect("first from a");
        let _a2 = slots.take(a).expect("second from a");
        assert_eq!(slots.take(a).err(), Some(Refusal::AddressLimit));
        let _b1 = slots.take(b).expect("first from b");
        assert_eq!(slots.take(b).err(), Some(Refusal::OverallLimit));
        drop(a1);
        let _a3 = slots.take(a).expect("a's slot was given back");
        assert_eq!(slots.lock().by_address.len(), 2);
    }

    #[test]
    fn a_zero_per_address_limit_refuses_everyone_and_keeps_no_entry() {
        let slots = Slots::new(10, 0);
        assert_eq!(slots.take(IpAddr::from([10, 0, 0, 1])).err(), Some(Refusal::AddressLimit));
        assert!(slots.lock().by_address.is_empty());
    }
}
