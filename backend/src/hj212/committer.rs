//! Group commit: one task takes the messages of every connection from a bounded queue and gives them to
//! the sink a group at a time, answering each message's own channel with its outcome.
//!
//! While one group commits, the next gathers in the queue, so under load a commit carries as many
//! messages as arrived during the previous one (up to `max_group`); alone, a message waits at most
//! `max_wait` for company. The queue keeps arrival order and groups are committed one after another,
//! so the messages of one connection reach the sink in the order they were read.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout_at};
use tracing::{debug, error, warn};

use super::metrics;
use super::sink::{FrameSink, Outcome, Received, error_chain};

/// The group holding this message was not committed (the sink failed, panicked, or miscounted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CommitFailed;

/// What a connection waits on: the outcome of one message.
pub(crate) type Answer = oneshot::Receiver<Result<Outcome, CommitFailed>>;

type Job = (Received, oneshot::Sender<Result<Outcome, CommitFailed>>);

/// The connections' handle on the committer task. The task ends once every handle is dropped and the
/// queue is empty.
#[derive(Debug, Clone)]
pub(crate) struct Committer {
    queue: mpsc::Sender<Job>,
}

impl Committer {
    /// Starts the task. `queue` bounds the messages waiting (a connection submitting to a full queue
    /// waits, and stops reading meanwhile).
    pub(crate) fn spawn<S: FrameSink>(
        sink: Arc<S>,
        max_group: usize,
        max_wait: Duration,
        queue: usize,
    ) -> (Committer, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let task = tokio::spawn(commit_loop(sink, rx, max_group.max(1), max_wait));
        (Committer { queue: tx }, task)
    }

    /// Queues `message`; the answer comes once its group is committed. `None` if the committer is gone.
    pub(crate) async fn submit(&self, message: Received) -> Option<Answer> {
        let (tx, rx) = oneshot::channel();
        self.queue.send((message, tx)).await.ok()?;
        Some(rx)
    }
}

async fn commit_loop<S: FrameSink>(sink: Arc<S>, mut queue: mpsc::Receiver<Job>, max_group: usize, max_wait: Duration) {
    let mut jobs = Vec::with_capacity(max_group);
    while let Some(first) = queue.recv().await {
        jobs.push(first);
        let deadline = Instant::now() + max_wait;
        // `timeout_at` polls the queue before the clock, so what is already queued is taken even
        // once the deadline has passed; only an empty queue ends the wait.
        while jobs.len() < max_group {
            let room = max_group - jobs.len();
            match timeout_at(deadline, queue.recv_many(&mut jobs, room)).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let (group, answers): (Vec<Received>, Vec<_>) = jobs.drain(..).unzip();
        let size = group.len();
        metrics::group_size(size);
        let sink = sink.clone();
        // On a task of its own, so a panicking sink fails this group instead of the whole receiver.
        let result = tokio::spawn(async move { sink.store(group).await }).await;
        let outcomes = match result {
            Ok(Ok(outcomes)) if outcomes.len() == size => {
                debug!(size, "group committed");
                Ok(outcomes)
            }
            Ok(Ok(outcomes)) => {
                error!(size, outcomes = outcomes.len(), "the sink answered a group with the wrong number of outcomes");
                Err(CommitFailed)
            }
            Ok(Err(e)) => {
                warn!(size, error = error_chain(&e), "commit failed; the group is not acknowledged");
                Err(CommitFailed)
            }
            Err(e) => {
                error!(size, error = %e, "the sink panicked; the group is not acknowledged");
                Err(CommitFailed)
            }
        };
        // A connection that went away meanwhile has dropped its receiver; nothing to tell it.
        match outcomes {
            Ok(outcomes) => {
                for (answer, outcome) in answers.into_iter().zip(outcomes) {
                    let _ = answer.send(Ok(outcome));
                }
            }
            Err(failed) => {
                for answer in answers {
                    let _ = answer.send(Err(failed));
                }
            }
        }
    }
}
