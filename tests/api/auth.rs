use models::domain::Role;
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use reqwest::StatusCode;
use serde_json::json;

use tests::spawn_app;

fn one_reading(section: &str) -> serde_json::Value {
    json!([{"section": section, "parameter": "nh3n", "sampled_at": "2026-11-20T08:00:00+08:00", "value": 0.5}])
}

#[tokio::test]
async fn a_write_without_a_token_gets_401_and_stores_nothing() {
    let app = spawn_app().await;
    let s = app.given_section("A-01", WaterBodyKind::River, WaterClass::III).await;
    let (status, body) = app.post_readings(None, one_reading(&s.code)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    assert_eq!(app.reading_count().await, 0);
}

#[tokio::test]
async fn a_made_up_token_gets_401() {
    let app = spawn_app().await;
    let s = app.given_section("A-02", WaterBodyKind::River, WaterClass::III).await;
    let (status, _) = app.post_readings(Some("rc_0000000000000000"), one_reading(&s.code)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_wrong_password_gets_no_token() {
    let app = spawn_app().await;
    app.given_user(Role::Bureau, "known", "the right password").await;
    let (status, body) = app.login("known", "a wrong password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "invalid_credentials");
    assert!(body.get("token").is_none());
    // An unknown user reads exactly the same.
    let (status, unknown) = app.login("nobody", "guess").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown["error"], body["error"]);
    assert_eq!(app.login("known", "the right password").await.0, StatusCode::OK, "the right one still works");
}

#[tokio::test]
async fn two_creations_of_one_username_at_once_give_one_account_and_one_409() {
    let app = spawn_app().await;
    let admin = app.user_token(Role::Admin).await;
    let body = json!({"username": "twin", "password": "a long enough password", "role": "bureau"});
    // Several rounds, each with two requests in flight together, so both orders of arrival are tried.
    for round in 0..5 {
        let body = json!({"username": format!("twin-{round}"), "password": body["password"], "role": "bureau"});
        let (a, b) = tokio::join!(
            app.post_json("/api/v1/users", Some(&admin), &body),
            app.post_json("/api/v1/users", Some(&admin), &body)
        );
        let mut pair = [a.0.as_u16(), b.0.as_u16()];
        pair.sort_unstable();
        assert_eq!(pair, [201, 409], "round {round}: {a:?} {b:?}");
        let conflict = if a.0 == StatusCode::CONFLICT { a.1 } else { b.1 };
        assert_eq!(conflict["error"]["code"], "username_taken");
    }
    let users = models::users::list(&app.db).await.expect("users");
    assert_eq!(users.iter().filter(|u| u.username.starts_with("twin-")).count(), 5, "one account per name");
}

#[tokio::test]
async fn a_token_carries_its_role_and_expiry() {
    let app = spawn_app().await;
    let new = models::users::NewUser {
        username: "lab",
        password: "s3cret-enough",
        role: "bureau",
        display_name: Some("化验室"),
        ..Default::default()
    };
    models::users::create(&app.db, new, models::audit::Actor::cli("test"), chrono::Utc::now()).await.expect("user");
    let (status, body) = app.login("lab", "s3cret-enough").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["user"]["role"], "bureau");
    assert!(body["token"].as_str().is_some_and(|t| t.starts_with("rc_")));
    assert!(body["expires_at"].as_str().is_some_and(|t| t.ends_with("+08:00")));
}

#[tokio::test]
async fn a_river_chief_cannot_submit_readings() {
    let app = spawn_app().await;
    let s = app.given_section("A-03", WaterBodyKind::River, WaterClass::III).await;
    let token = app.user_token(Role::Chief).await;
    let (status, body) = app.post_readings(Some(&token), one_reading(&s.code)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "forbidden");
    assert_eq!(app.reading_count().await, 0);
}
