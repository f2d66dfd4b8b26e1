use reqwest::StatusCode;

use tests::spawn_app;

#[tokio::test]
async fn health_answers_ok_when_the_database_answers() {
    let app = spawn_app().await;
    let (status, body) = app.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn an_unknown_api_path_is_a_json_404() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn the_suite_runs_on_the_backend_it_was_asked_for() {
    let app = spawn_app().await;
    let reached = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "postgres",
        _ => "sqlite",
    };
    assert_eq!(reached, tests::backend_under_test(), "DATABASE_URL decides the backend");
    // CI sets RIVERCHIEF_TEST_BACKEND for each of its two runs: a run on the wrong backend must not pass.
    if let Ok(wanted) = std::env::var("RIVERCHIEF_TEST_BACKEND") {
        assert_eq!(reached, wanted);
    }
}
