//! `deliver_notices`: sends the queued notices. Claims due rows, sends each, stamps it sent or schedules a
//! retry. A notice once sent is never claimed again.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use models::domain::Code;
use models::entities::notices::Model as Notice;
use models::notices::{self, Channel};

use crate::mail::Email;
use crate::{Job, JobContext, JobFuture, Report};

/// Notices claimed per round; a run keeps claiming until nothing is due.
const BATCH: u64 = 50;

pub struct DeliverNotices;

impl Job for DeliverNotices {
    fn name(&self) -> &'static str {
        "deliver_notices"
    }

    fn description(&self) -> &'static str {
        "send queued notices to river chiefs (email), retrying with backoff"
    }

    fn default_schedule(&self) -> &'static str {
        "0 * * * * *"
    }

    fn run<'a>(&'a self, ctx: &'a JobContext, now: DateTime<Utc>) -> JobFuture<'a> {
        Box::pin(deliver(ctx, now))
    }
}

async fn deliver(ctx: &JobContext, now: DateTime<Utc>) -> anyhow::Result<Report> {
    let mut report = Report::default();
    loop {
        let claimed = notices::claim_due(&ctx.db, now, BATCH).await?;
        if claimed.is_empty() {
            break;
        }
        for notice in &claimed {
            // One failing notice never stops the others.
            deliver_one(ctx, notice, &mut report).await?;
        }
        if (claimed.len() as u64) < BATCH {
            break;
        }
    }
    Ok(report)
}

async fn deliver_one(ctx: &JobContext, notice: &Notice, report: &mut Report) -> anyhow::Result<()> {
    let outcome = match notice.channel {
        Channel::Email => {
            let email = Email {
                to: notice.recipient.clone(),
                subject: notice.subject.clone(),
                body: notice.body.clone(),
                html: notice.body_html.clone(),
                message_id: message_id(notice),
            };
            let stem = format!("{}-notice-{}", notice.created_at.format("%Y%m%dT%H%M%SZ"), notice.id);
            ctx.mailer.send(&email, &stem).await
        }
        // SMS delivery arrives with the notices-and-escalation work; until then it is an error to queue one.
        Channel::Sms => Err(crate::mail::MailError::Permanent(format!(
            "channel '{}' cannot be delivered yet",
            notice.channel.as_str()
        ))),
    };
    let now = Utc::now();
    match outcome {
        Ok(destination) => {
            notices::mark_sent(&ctx.db, notice.id, now).await?;
            info!(notice = notice.id, alert = ?notice.alert_id, %destination, "notice sent");
            report.count("sent");
            report.lines.push(format!("notice {} sent to {destination}: {}", notice.id, notice.subject));
        }
        Err(error) => {
            let retry =
                notices::mark_attempt_failed(&ctx.db, notice, &error.to_string(), error.is_permanent(), now).await?;
            warn!(notice = notice.id, attempts = notice.attempts, retry, %error, "notice not delivered");
            report.count(if retry { "retrying" } else { "failed" });
            report.failures += 1;
            report.lines.push(format!("notice {} to {} not delivered ({error})", notice.id, notice.recipient));
        }
    }
    Ok(())
}

/// A notice's `Message-ID`: its id and creation time, at the installation's reserved domain.
fn message_id(notice: &Notice) -> String {
    format!("notice-{}.{}@riverchief.invalid", notice.id, notice.created_at.timestamp())
}
