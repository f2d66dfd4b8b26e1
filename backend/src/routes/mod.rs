//! The HTTP routes. Each route is registered once, in [`routes`], with its access rule beside it: utoipa-axum
//! builds the router and the OpenAPI description from the handler's `#[utoipa::path]` (where its path is
//! written), and the same registration records the rule in the [`RuleTable`] that `auth::authorize`
//! consults. A route without a rule serves nobody.

mod accounts;
mod alerts;
mod assessment;
mod audit;
mod auth;
mod devices;
mod enterprises;
mod forecasts;
mod health;
mod pages;
mod readings;
mod registry;
mod sections;
mod trends;
mod warnings;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::routing::{MethodRouter, get, post};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::path::PathItem;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use models::domain::authz::Action;

use crate::auth::{Rule, RuleTable, authorize};
use crate::error::ApiError;
use crate::state::AppState;

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
        (name = "registry", description = "Regions, water bodies, reaches, sections, river chiefs and their appointments"),
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

/// Registers routes and their rules together.
struct Routes {
    router: OpenApiRouter<AppState>,
    /// Routes that may run for long (imports): under `import_timeout_secs`, not `request_timeout_secs`.
    long: OpenApiRouter<AppState>,
    rules: RuleTable,
}

/// The methods an OpenAPI path item describes.
fn methods(item: &PathItem) -> Vec<Method> {
    [
        (&item.get, Method::GET),
        (&item.post, Method::POST),
        (&item.put, Method::PUT),
        (&item.patch, Method::PATCH),
        (&item.delete, Method::DELETE),
    ]
    .into_iter()
    .filter(|(op, _)| op.is_some())
    .map(|(_, m)| m)
    .collect()
}

impl Routes {
    /// An API route described by its handler's `#[utoipa::path]`.
    fn api(mut self, rule: Rule, route: UtoipaMethodRouter<AppState>) -> Self {
        for (path, item) in &route.1.paths {
            for method in methods(item) {
                self.rules.add(method, path, rule);
            }
        }
        self.router = self.router.routes(route);
        self
    }

    /// An API route that may run for long: an import of a large file.
    fn long_api(mut self, rule: Rule, route: UtoipaMethodRouter<AppState>) -> Self {
        for (path, item) in &route.1.paths {
            for method in methods(item) {
                self.rules.add(method, path, rule);
            }
        }
        self.long = self.long.routes(route);
        self
    }

    /// The routes and their description, the long ones with the others.
    fn split(self) -> (Router<AppState>, Router<AppState>, utoipa::openapi::OpenApi, RuleTable) {
        let (routes, mut openapi) = self.router.split_for_parts();
        let (long, long_openapi) = self.long.split_for_parts();
        openapi.merge(long_openapi);
        (routes, long, openapi, self.rules)
    }

    /// A web page (not part of the API description).
    fn page(mut self, rule: Rule, method: Method, path: &str, handler: MethodRouter<AppState>) -> Self {
        self.rules.add(method, path, rule);
        self.router = self.router.route(path, handler);
        self
    }
}

/// Every route, with its rule.
fn routes() -> Routes {
    use Rule::{Api, Page, Public};
    let routes = Routes {
        router: OpenApiRouter::with_openapi(ApiDoc::openapi()),
        long: OpenApiRouter::new(),
        rules: RuleTable::default(),
    };
    routes
        .api(Public, routes!(health::health))
        .api(Public, routes!(auth::issue_token))
        .api(Api(Action::ReadOwnAccount), routes!(auth::logout))
        .api(Api(Action::ReadOwnAccount), routes!(accounts::me))
        .api(Api(Action::ReadSections), routes!(sections::list))
        .api(Api(Action::ReadSections), routes!(sections::detail))
        .api(Api(Action::ReadSections), routes!(trends::trends))
        .api(Api(Action::ReadSections), routes!(forecasts::forecast))
        .api(Api(Action::ReadSections), routes!(warnings::list))
        .api(Api(Action::ReadSections), routes!(assessment::assessment))
        .api(Api(Action::SubmitReadings), routes!(readings::submit))
        .api(Api(Action::ReadSections), routes!(readings::list))
        .api(Api(Action::ReadSections), routes!(readings::history))
        .api(Api(Action::FlagReadings), routes!(readings::set_qc))
        .long_api(Api(Action::SubmitReadings), routes!(readings::import))
        .api(Api(Action::ReadEnterprises), routes!(enterprises::list))
        .api(Api(Action::ReadEnterprises), routes!(enterprises::detail))
        .api(Api(Action::ReadAlerts), routes!(alerts::list))
        .api(Api(Action::ManageRegistry), routes!(registry::write))
        .api(Api(Action::ManageRegistry), routes!(registry::export))
        .api(Api(Action::ManageRegistry), routes!(registry::import))
        .api(Api(Action::ReadSections), routes!(registry::regions))
        .api(Api(Action::ReadSections), routes!(registry::water_bodies))
        .api(Api(Action::ReadSections), routes!(registry::reaches))
        .api(Api(Action::ReadSections), routes!(registry::chiefs))
        .api(Api(Action::ReadSections), routes!(registry::appointments))
        .api(Api(Action::ReadSections), routes!(registry::chain))
        .api(Api(Action::ManageRegistry), routes!(registry::region::create))
        .api(Api(Action::ManageRegistry), routes!(registry::region::change))
        .api(Api(Action::ManageRegistry), routes!(registry::region::retire))
        .api(Api(Action::ManageRegistry), routes!(registry::water_body::create))
        .api(Api(Action::ManageRegistry), routes!(registry::water_body::change))
        .api(Api(Action::ManageRegistry), routes!(registry::water_body::retire))
        .api(Api(Action::ManageRegistry), routes!(registry::reach::create))
        .api(Api(Action::ManageRegistry), routes!(registry::reach::change))
        .api(Api(Action::ManageRegistry), routes!(registry::reach::retire))
        .api(Api(Action::ManageRegistry), routes!(registry::section::create))
        .api(Api(Action::ManageRegistry), routes!(registry::section::change))
        .api(Api(Action::ManageRegistry), routes!(registry::section::retire))
        .api(Api(Action::ManageRegistry), routes!(registry::chief::create))
        .api(Api(Action::ManageRegistry), routes!(registry::chief::change))
        .api(Api(Action::ManageRegistry), routes!(registry::chief::retire))
        .api(Api(Action::ManageRegistry), routes!(registry::appoint))
        .api(Api(Action::ManageUsers), routes!(accounts::list_users))
        .api(Api(Action::ManageUsers), routes!(accounts::create_user))
        .api(Api(Action::ManageUsers), routes!(accounts::disable_user))
        .api(Api(Action::ManageUsers), routes!(accounts::enable_user))
        .api(Api(Action::ManageApiKeys), routes!(accounts::list_api_keys))
        .api(Api(Action::ManageApiKeys), routes!(accounts::create_api_key))
        .api(Api(Action::ManageApiKeys), routes!(accounts::revoke_api_key))
        .api(Api(Action::ReadAudit), routes!(audit::list))
        .api(Api(Action::ManageDevices), routes!(devices::put))
        .api(Api(Action::ManageDevices), routes!(devices::list))
        .api(Api(Action::ManageDevices), routes!(devices::events))
        .api(Api(Action::ReadAudit), routes!(audit::verify))
        .page(Page(Action::ReadSections), Method::GET, "/", get(pages::home))
        .page(Public, Method::GET, "/login", get(pages::login_form))
        .page(Public, Method::POST, "/login", post(pages::login))
        .page(Page(Action::ReadOwnAccount), Method::POST, "/logout", post(pages::logout))
}

/// Every route's access rule, as the router applies it.
pub fn rules() -> RuleTable {
    routes().rules
}

/// The OpenAPI description, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().split().2
}

pub fn router(mut state: AppState) -> Router {
    let (routes, long, openapi, rules) = routes().split();
    state.rules = std::sync::Arc::new(rules);
    let secure = state.settings.cookie_secure;
    let timeout = |secs| TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(secs));

    // After routing, so the rule is looked up by the matched path; inside the timeouts, as the handler.
    let authorize = axum::middleware::from_fn_with_state(state.clone(), authorize);
    let guarded = routes
        .route_layer(authorize.clone())
        // Outside the rule check, so refusals are counted too; by the matched path's pattern.
        .route_layer(axum::middleware::from_fn(crate::telemetry::track))
        .layer(timeout(state.settings.request_timeout_secs))
        // An import streams its body past `max_body_bytes` (it checks `max_import_bytes` itself) and may run
        // for long.
        .merge(
            long.route_layer(authorize)
                .route_layer(axum::middleware::from_fn(crate::telemetry::track))
                .layer(timeout(state.settings.import_timeout_secs)),
        )
        .fallback(not_found);
    // The API description and its viewer (bundled, works offline) are public.
    let docs = Router::new()
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi))
        .layer(timeout(state.settings.request_timeout_secs));

    let mut app = Router::new()
        .merge(guarded)
        .merge(docs)
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
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

async fn not_found() -> ApiError {
    ApiError::not_found("该接口", "no such endpoint")
}
