//! The HTTP routes and the rule each one needs. API routes are registered through utoipa-axum, so the
//! router and the OpenAPI description are built from the same list and cannot disagree; [`RULES`] gives
//! every route its access rule, and a route without one serves nobody.

mod accounts;
mod alerts;
mod assessment;
mod audit;
mod auth;
mod enterprises;
mod health;
mod pages;
mod readings;
mod sections;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use models::domain::authz::Action;

use crate::auth::{Rule, authorize};
use crate::error::ApiError;
use crate::state::AppState;

/// Every route's rule: method, path pattern (as axum matches it), rule.
pub const RULES: &[(&str, &str, Rule)] = &[
    ("GET", "/health", Rule::Public),
    ("GET", "/", Rule::Page(Action::ReadSections)),
    ("GET", "/login", Rule::Public),
    ("POST", "/login", Rule::Public),
    ("POST", "/logout", Rule::Page(Action::ReadOwnAccount)),
    ("POST", "/api/v1/auth/token", Rule::Public),
    ("POST", "/api/v1/auth/logout", Rule::Api(Action::ReadOwnAccount)),
    ("GET", "/api/v1/me", Rule::Api(Action::ReadOwnAccount)),
    ("GET", "/api/v1/sections", Rule::Api(Action::ReadSections)),
    ("GET", "/api/v1/sections/{code}", Rule::Api(Action::ReadSections)),
    ("GET", "/api/v1/assessment", Rule::Api(Action::ReadSections)),
    ("POST", "/api/v1/readings", Rule::Api(Action::SubmitReadings)),
    ("GET", "/api/v1/enterprises", Rule::Api(Action::ReadEnterprises)),
    ("GET", "/api/v1/enterprises/{credit_code}", Rule::Api(Action::ReadEnterprises)),
    ("GET", "/api/v1/alerts", Rule::Api(Action::ReadAlerts)),
    ("GET", "/api/v1/users", Rule::Api(Action::ManageUsers)),
    ("POST", "/api/v1/users", Rule::Api(Action::ManageUsers)),
    ("POST", "/api/v1/users/{username}/disable", Rule::Api(Action::ManageUsers)),
    ("POST", "/api/v1/users/{username}/enable", Rule::Api(Action::ManageUsers)),
    ("GET", "/api/v1/api-keys", Rule::Api(Action::ManageApiKeys)),
    ("POST", "/api/v1/api-keys", Rule::Api(Action::ManageApiKeys)),
    ("DELETE", "/api/v1/api-keys/{id}", Rule::Api(Action::ManageApiKeys)),
    ("GET", "/api/v1/audit", Rule::Api(Action::ReadAudit)),
    ("GET", "/api/v1/audit/verify", Rule::Api(Action::ReadAudit)),
];

/// Whether any method of this path has a rule.
pub fn has_rules(path: &str) -> bool {
    RULES.iter().any(|(_, p, _)| *p == path)
}

/// The rule for a matched route.
pub fn rule_for(method: &Method, path: &str) -> Option<Rule> {
    // HEAD is answered by the GET route.
    let method = if method == Method::HEAD { "GET" } else { method.as_str() };
    RULES.iter().find(|(m, p, _)| *m == method && *p == path).map(|(_, _, rule)| *rule)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "riverchief API",
        description = "河长制水质监管平台 riverchief: sections, readings judged by GB 3838-2002, assessments, alerts, \
                       enterprises. Errors share one shape: {\"error\":{\"code\",\"message\",\"message_en\",\"details\"}}.",
        license(name = "Apache-2.0")
    ),
    components(schemas(crate::error::ErrorResponse)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Signing in"),
        (name = "sections", description = "Monitoring sections and their water quality"),
        (name = "readings", description = "Submitting readings"),
        (name = "assessment", description = "Assessment by the national method"),
        (name = "enterprises", description = "Enterprises, outfalls and self-checks"),
        (name = "alerts", description = "Alerts on sections"),
        (name = "admin", description = "Users, API keys and the audit log")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from POST /api/v1/auth/token (rc_…), or a machine's API key (rck_…)."))
                    .build(),
            ),
        );
    }
}

/// The API routes and their description.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(auth::issue_token))
        .routes(routes!(auth::logout))
        .routes(routes!(accounts::me))
        .routes(routes!(sections::list))
        .routes(routes!(sections::detail))
        .routes(routes!(assessment::assessment))
        .routes(routes!(readings::submit))
        .routes(routes!(enterprises::list))
        .routes(routes!(enterprises::detail))
        .routes(routes!(alerts::list))
        .routes(routes!(accounts::list_users, accounts::create_user))
        .routes(routes!(accounts::disable_user))
        .routes(routes!(accounts::enable_user))
        .routes(routes!(accounts::list_api_keys, accounts::create_api_key))
        .routes(routes!(accounts::revoke_api_key))
        .routes(routes!(audit::list))
        .routes(routes!(audit::verify))
        .split_for_parts()
}

/// The OpenAPI description, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

pub fn router(state: AppState) -> Router {
    let (api, openapi) = api();
    let pages = Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout));
    let secure = state.settings.cookie_secure;

    let guarded = api
        .merge(pages)
        .fallback(not_found)
        // After routing, so the rule is looked up by the matched path.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), authorize));

    let mut app = Router::new()
        .merge(guarded)
        // The API description and its viewer (bundled, works offline) are public.
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(state.settings.request_timeout_secs),
        ))
        .layer(TraceLayer::new_for_http());
    for (name, value) in security_headers(secure) {
        app = app.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    app.with_state(state)
}

/// Headers every answer carries. The CSP allows inline styles (the pages' own) and scripts only from this
/// origin (the bundled API viewer's files).
fn security_headers(secure: bool) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = vec![
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                 script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("geolocation=(), camera=(), microphone=()"),
        ),
        (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    if secure {
        headers
            .push((header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains")));
    }
    headers
}

/// A list's `limit` query parameter: `default` when absent, refused outside 1..=`max`.
pub fn limit(given: Option<u64>, default: u64, max: u64) -> Result<u64, ApiError> {
    match given {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::invalid(
            "invalid_query",
            "查询参数有误",
            "invalid query parameters",
            vec![crate::error::Detail {
                index: None,
                field: "limit".into(),
                code: "out_of_range".into(),
                message: format!("limit 须在 1–{max} 之间，收到 {n}"),
                message_en: format!("limit must be 1–{max}, got {n}"),
            }],
        )),
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found("该接口", "no such endpoint")
}
