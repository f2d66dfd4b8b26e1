use chrono::NaiveDate;
use models::domain::{ChiefLevel, Code};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use backend::Application;
use models::entities::{enterprises, outfalls, river_chiefs};
use seed::{DEMO_USERS, Outcome};
use tests::spawn_app_with;

#[tokio::test]
async fn the_demo_loads_once_with_what_a_district_needs() {
    let app = spawn_app_with(|_| {}).await;
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    let Outcome::Loaded(counts) = seed::load_demo(&app.db, today).await.expect("load") else {
        panic!("first load must load");
    };
    let (months, stored) = (counts.clone(), counts.stored);
    assert!(stored.sections >= 10);
    assert!((4..=6).contains(&stored.water_bodies));
    assert_eq!(stored.users, 4);
    assert_eq!((months.from_month.as_str(), months.to_month.as_str()), ("2024-11", "2026-10"));
    // 24 months of 12 items per section, and on the lakes' sections chlorophyll-a and transparency too.
    let lake_sections = app.sections().await["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter(|s| s["water_body"]["kind"] == "lake")
        .count();
    assert!(lake_sections >= 2, "象湖 and 梅湖 have sections");
    assert_eq!(stored.readings, (stored.sections * 24 * 12 + lake_sections * 24 * 2) as u64);
    assert_eq!(app.reading_count().await, stored.readings);

    // Twice, also through the path `serve --demo` takes: nothing is duplicated.
    assert!(matches!(seed::load_demo(&app.db, today).await.expect("load"), Outcome::AlreadyLoaded(_)));
    Application::build(app.settings.clone(), true).await.expect("serve --demo builds");
    assert_eq!(app.reading_count().await, stored.readings);
    assert_eq!(river_chiefs::Entity::find().count(&app.db).await.expect("count") as usize, stored.chiefs);
    assert_eq!(enterprises::Entity::find().count(&app.db).await.expect("count"), 4);
    assert!(outfalls::Entity::find().count(&app.db).await.expect("count") >= 4);

    // Every section has a village, town and district chief, each reachable by email.
    let sections = app.sections().await;
    assert_eq!(sections["count"], stored.sections);
    for s in sections["sections"].as_array().expect("sections") {
        let code = s["code"].as_str().expect("code");
        let ctx = models::sections::find_by_code(&app.db, code).await.expect("db").expect("section");
        let today = models::chiefs::china_day(chrono::Utc::now());
        let chain = models::chiefs::chain_for_section(&app.db, &ctx.section, today).await.expect("chain");
        let levels: Vec<&str> = chain.iter().map(|c| c.level.as_str()).collect();
        assert_eq!(levels, [ChiefLevel::Village, ChiefLevel::Town, ChiefLevel::District].map(|l| l.as_str()), "{code}");
        assert!(
            chain.iter().all(|c| c.email.as_deref().is_some_and(|e| e.ends_with(".invalid"))),
            "demo addresses only"
        );
        assert!(s["latest_class"].is_string(), "{code} has a latest class");
    }

    // The demo chief account signs in as QYP-03's village chief, and the chief list says so.
    let (status, chiefs) = app.get("/api/v1/chiefs?q=V-QYP-03").await;
    assert_eq!(status, StatusCode::OK, "{chiefs}");
    assert_eq!(
        (chiefs["count"].as_u64(), chiefs["items"][0]["account"].as_str()),
        (Some(1), Some("chief")),
        "{chiefs}"
    );

    let browser = app.browser();
    browser.sign_in("bureau", "bureau-demo").await;
    let page = browser.get("/").await.text().await.expect("page");
    assert!(page.contains("演示数据（qingyunpu-demo-v1）"), "the front page says the data is demo data");

    // The README's demo accounts sign in.
    for u in DEMO_USERS {
        let (status, body) = app.login(u.username, u.password).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", u.username);
        assert_eq!(body["user"]["role"], u.role.as_str());
    }
}

#[tokio::test]
async fn a_demo_section_that_worsens_is_worse_at_the_end_than_the_start() {
    let app = spawn_app_with(|_| {}).await;
    seed::load_demo(&app.db, NaiveDate::from_ymd_opt(2026, 11, 28).expect("date")).await.expect("load");
    // Independently of the generator: mean NH3-N of QYP-11 over its first and its second year (whole
    // years, so the winter peak of ammonia weighs the same in both).
    let ctx = models::sections::find_by_code(&app.db, "QYP-11").await.expect("db").expect("section");
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let values: Vec<f64> = models::entities::readings::Entity::find()
        .filter(models::entities::readings::Column::SectionId.eq(ctx.section.id))
        .filter(models::entities::readings::Column::Parameter.eq("nh3n"))
        .order_by_asc(models::entities::readings::Column::SampledAt)
        .all(&app.db)
        .await
        .expect("readings")
        .into_iter()
        .map(|r| r.value)
        .collect();
    assert_eq!(values.len(), 24);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (early, late) = (mean(&values[..12]), mean(&values[12..]));
    assert!(late > early * 1.2, "first year {early:.3}, second year {late:.3}");
}

#[tokio::test]
async fn an_exceeding_reading_for_a_demo_section_lands_as_an_eml_file_for_its_village_chief() {
    // No SMTP configured: notices become .eml files, as on a fresh install.
    let app = spawn_app_with(|s| s.smtp_url = None).await;
    seed::load_demo(&app.db, NaiveDate::from_ymd_opt(2026, 11, 28).expect("date")).await.expect("load");
    let token = app.token("bureau", "bureau-demo").await;
    let (status, body) = app
        .post_readings(
            Some(&token),
            json!([{"section": "QYP-03", "parameter": "nh3n", "sampled_at": "2026-11-20T08:00:00+08:00", "value": 1.62}]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.run_job("deliver_notices").await.get("sent"), 1);

    let outbox = app.settings.outbox_dir.clone();
    let files: Vec<_> = std::fs::read_dir(&outbox).expect("outbox").map(|e| e.expect("entry").path()).collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let text = std::fs::read_to_string(&files[0]).expect("readable UTF-8 text");
    assert!(text.contains("To: village.chief.03@demo.riverchief.invalid"), "{text}");
    assert!(text.contains("抚河故道·青云谱出境断面（QYP-03）"), "the body reads as Chinese text:\n{text}");
    assert!(text.contains("1.62 mg/L"));
}
