use std::collections::HashMap;

use chrono::{TimeDelta, Utc};
use models::domain::Role;
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use jobs::Job;
use models::entities::{job_runs, notices};
use models::job_runs::JobRunStatus;
use models::notices::NoticeStatus;
use tests::{TestApp, spawn_app, spawn_app_with};

async fn exceed(app: &TestApp, code: &str) {
    let token = app.user_token(Role::Bureau).await;
    let (status, body) = app
        .post_readings(
            Some(&token),
            json!([{"section": code, "parameter": "cod", "sampled_at": "2026-11-20T08:00:00+08:00", "value": 45}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["alert"]["notice_queued"], true);
}

async fn all_notices(app: &TestApp) -> Vec<notices::Model> {
    notices::Entity::find().all(&app.db).await.expect("notices")
}

#[tokio::test]
async fn a_delivered_notice_is_never_sent_again() {
    let app = spawn_app().await;
    let s = app.given_section("N-01", WaterBodyKind::River, WaterClass::III).await;
    exceed(&app, &s.code).await;
    assert_eq!(app.run_job("deliver_notices").await.get("sent"), 1);
    assert_eq!(app.run_job("deliver_notices").await.get("sent"), 0);
    assert_eq!(app.emails().len(), 1);
    let notice = &all_notices(&app).await[0];
    assert_eq!(notice.status, NoticeStatus::Sent);
    assert!(notice.sent_at.is_some());
}

#[tokio::test]
async fn when_the_mail_server_is_down_the_notice_waits_and_is_sent_on_a_later_run() {
    // A port with nothing listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let app = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://{closed}").into())).await;
    let s = app.given_section("N-02", WaterBodyKind::River, WaterClass::III).await;
    exceed(&app, &s.code).await;

    let report = app.run_job("deliver_notices").await;
    assert_eq!(report.get("retrying"), 1, "{report}");
    let notice = &all_notices(&app).await[0];
    assert_eq!(notice.status, NoticeStatus::Pending);
    assert_eq!(notice.attempts, 1);
    assert!(notice.last_error.is_some());
    assert!(notice.next_attempt_at > Utc::now(), "retried after a pause, not at once");

    // The server is back; the next run after the pause delivers it.
    let working = jobs::JobContext {
        db: app.db.clone(),
        mailer: jobs::Mailer::from_settings(&jobs::MailSettings {
            smtp_url: Some(app.smtp.url().into()),
            ..jobs::MailSettings::default()
        })
        .expect("mailer"),
        decimals: Default::default(),
        warnings: Default::default(),
    };
    let later = Utc::now() + TimeDelta::minutes(2);
    let report = jobs::deliver_notices::DeliverNotices.run(&working, later).await.expect("run");
    assert_eq!(report.get("sent"), 1, "{report}");
    assert_eq!(app.emails().len(), 1);
    assert_eq!(app.emails()[0].envelope_to, vec![s.village_email]);
}

#[tokio::test]
async fn a_notice_to_an_impossible_address_fails_for_good_and_does_not_block_others() {
    let app = spawn_app().await;
    let bad = app.given_section("N-03", WaterBodyKind::River, WaterClass::III).await;
    let good = app.given_section("N-04", WaterBodyKind::River, WaterClass::III).await;
    exceed(&app, &bad.code).await;
    exceed(&app, &good.code).await;
    let first = all_notices(&app).await.into_iter().min_by_key(|n| n.id).expect("notice");
    notices::Entity::update_many()
        .col_expr(notices::Column::Recipient, "not an address".into())
        .filter(notices::Column::Id.eq(first.id))
        .exec(&app.db)
        .await
        .expect("update");

    let report = app.run_job("deliver_notices").await;
    assert_eq!((report.get("failed"), report.get("sent")), (1, 1), "{report}");
    let statuses: HashMap<i64, NoticeStatus> = all_notices(&app).await.into_iter().map(|n| (n.id, n.status)).collect();
    assert_eq!(statuses[&first.id], NoticeStatus::Failed);
    assert_eq!(app.emails()[0].envelope_to, vec![good.village_email]);
}

#[tokio::test]
async fn the_scheduler_delivers_queued_notices_without_being_asked() {
    let app = spawn_app().await;
    let s = app.given_section("N-05", WaterBodyKind::River, WaterClass::III).await;
    exceed(&app, &s.code).await;
    // What the scheduler does when deliver_notices' minute comes round, run now rather than waited for.
    let job = jobs::find("deliver_notices").expect("job");
    jobs::scheduler::fire(job.as_ref(), &app.jobs, "test-instance", Utc::now()).await.expect("the firing ran");
    assert_eq!(app.emails().len(), 1, "delivered by the scheduled run");
    let runs = job_runs::Entity::find()
        .filter(job_runs::Column::Instance.eq("test-instance"))
        .all(&app.db)
        .await
        .expect("runs");
    assert!(!runs.is_empty());
    assert!(runs.iter().all(|r| r.job == "deliver_notices"));
}

#[tokio::test]
async fn two_replicas_firing_for_the_same_tick_run_the_job_once() {
    let app = spawn_app().await;
    let job = jobs::deliver_notices::DeliverNotices;
    let tick = jobs::scheduler::tick_of(Utc::now());
    let first = jobs::scheduler::run_leased(&job, &app.jobs, tick, Utc::now(), "replica-a").await.expect("run");
    let second = jobs::scheduler::run_leased(&job, &app.jobs, tick, Utc::now(), "replica-b").await.expect("run");
    assert!(first.is_some());
    assert!(second.is_none(), "the second replica finds the lease taken");
    let runs = job_runs::Entity::find().all(&app.db).await.expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].instance.as_str(), runs[0].status), ("replica-a", JobRunStatus::Ok));
}

#[tokio::test]
async fn every_email_carries_a_message_id_and_a_run_that_fails_says_so() {
    let app = spawn_app().await;
    let s = app.given_section("N-07", WaterBodyKind::River, WaterClass::III).await;
    exceed(&app, &s.code).await;
    let report = app.run_job("deliver_notices").await;
    assert_eq!((report.get("sent"), report.failures), (1, 0), "{report}");
    let id = app.emails()[0].message_id().expect("a Message-ID");
    let notice = &all_notices(&app).await[0];
    assert!(id.starts_with(&format!("notice-{}.", notice.id)) && id.ends_with("@riverchief.invalid"), "{id}");

    // With the mail server gone, the run reports its failure (and `jobs run` exits non-zero on it).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let down = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://{closed}").into())).await;
    let t = down.given_section("N-08", WaterBodyKind::River, WaterClass::III).await;
    exceed(&down, &t.code).await;
    let report = down.run_job("deliver_notices").await;
    assert_eq!((report.get("sent"), report.failures), (0, 1), "{report}");
}
