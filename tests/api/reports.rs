//! The monthly report: queued for bureau staff, delivered by email with an HTML table and plain text.

use chrono::{DateTime, Utc};
use models::audit::Actor;
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use models::domain::{ChiefLevel, Code, Role};
use reqwest::StatusCode;
use serde_json::json;

use jobs::Job;
use jobs::monthly_report::MonthlyReport;
use tests::spawn_app;

#[tokio::test]
async fn the_monthly_report_reaches_bureau_staff_once_with_last_months_figures() {
    let app = spawn_app().await;
    let town = ("T-9", "报告镇");
    for (code, target) in [("M-1", WaterClass::III), ("M-2", WaterClass::III)] {
        app.given_section_in(code, town, ("W-9", "报告河", WaterBodyKind::River), target).await;
    }
    let token = app.user_token(Role::Bureau).await;
    let (status, body) = app
        .post_readings(
            Some(&token),
            json!([
                {"section": "M-1", "parameter": "nh3n", "sampled_at": "2026-10-10T09:00:00+08:00", "value": 0.4},
                {"section": "M-2", "parameter": "nh3n", "sampled_at": "2026-10-10T09:00:00+08:00", "value": 1.7},
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (username, role, email) in [
        ("analyst", Role::Bureau, Some("analyst@bureau.test")),
        ("no-address", Role::Bureau, None),
        ("a-chief", Role::Chief, Some("chief@bureau.test")),
    ] {
        // A chief account acts as a river chief; any will do here.
        let chief_id = match role {
            Role::Chief => {
                Some(tests::fixture::chief(&app.db, "REPORT-CHIEF", "报告河长", ChiefLevel::Village, None).await.id)
            }
            _ => None,
        };
        let new = models::users::NewUser {
            username,
            password: "long enough password",
            role: role.as_str(),
            chief_id,
            email,
            ..Default::default()
        };
        models::users::create(&app.db, new, Actor::cli("test"), Utc::now()).await.expect("user");
    }

    // 1 November 2026, 08:00 China Standard Time: the scheduled run reports on October.
    let first_of_november: DateTime<Utc> = "2026-11-01T00:00:00Z".parse().expect("t");
    let report = MonthlyReport.run(&app.jobs, first_of_november).await.expect("runs");
    assert_eq!(report.get("queued"), 1, "only bureau users with an address: {report}");
    let again = MonthlyReport.run(&app.jobs, first_of_november).await.expect("runs");
    assert_eq!((again.get("queued"), again.get("already_queued")), (0, 1), "a second run queues nothing");

    assert_eq!(app.run_job("deliver_notices").await.get("sent"), 1);
    let emails = app.emails();
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert_eq!(email.envelope_to, vec!["analyst@bureau.test".to_string()]);
    assert!(email.subject().contains("2026年10月"), "{}", email.subject());
    // Two sections, one I–III: 50 %; M-2 (1.7, class V) misses its class III target.
    let text = email.body();
    for needle in ["2 个断面参与评价", "优良比例 50.0%", "报告镇", "M-2", "V 类", "NH3-N(0.7)"] {
        assert!(text.contains(needle), "text lacks {needle}:\n{text}");
    }
    let html = email.html().expect("an HTML alternative");
    assert!(html.contains("<table") && html.contains("报告镇") && html.contains("50.0%"), "{html}");
}
