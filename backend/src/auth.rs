//! Who is calling and what they may do. [`authorize`] runs on every route: it looks the route's rule up in
//! the [`RuleTable`] (filled where the routes are registered), authenticates the caller (bearer token, API
//! key or session cookie), checks CSRF for cookie-borne writes, asks the matrix in `models::domain::authz`,
//! and gives the handler an [`Access`].

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use axum_extra::headers::authorization::Bearer;
use axum_extra::headers::{Authorization, HeaderMapExt};
use chrono::Utc;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use models::audit::Actor;
use models::domain::authz::{self, Caller, Grant, Refusal};
use models::entities::{api_keys, users};
use models::secret;

use crate::error::ApiError;
pub use crate::rules::{Rule, RuleTable};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "rc_session";
pub const LOGIN_CSRF_COOKIE: &str = "rc_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Nothing,
    Token(String),
    ApiKey,
    Session(String),
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub caller: Caller,
    pub user: Option<users::Model>,
    pub key: Option<api_keys::Model>,
    pub via: Via,
}

impl Authenticated {
    /// The name logs use.
    pub fn label(&self) -> String {
        match (&self.user, &self.key) {
            (Some(u), _) => u.username.clone(),
            (_, Some(k)) => format!("key:{}", k.name),
            _ => "anonymous".into(),
        }
    }

    /// Who the audit log records as having made a write.
    pub fn actor(&self) -> Actor {
        match (&self.user, &self.key) {
            (Some(u), _) => Actor::user(u.id, &u.username),
            (_, Some(k)) => Actor::api_key(k.id, &k.name),
            _ => Actor::system("anonymous"),
        }
    }

    /// The session's CSRF token, for pages that render forms.
    pub fn csrf_token(&self) -> Option<String> {
        match &self.via {
            Via::Session(token) => Some(secret::csrf_token(token)),
            _ => None,
        }
    }
}

/// The caller and what it may reach, for handlers. Only [`authorize`] creates it.
#[derive(Debug, Clone)]
pub struct Access {
    pub auth: Authenticated,
    pub grant: Grant,
}

impl<S: Send + Sync> FromRequestParts<S> for Access {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Access>()
            .cloned()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("route {} has no access rule applied", parts.uri.path())))
    }
}

fn user_caller(user: &users::Model) -> Caller {
    Caller::User { user_id: user.id, role: user.role, chief_id: user.chief_id, enterprise_id: user.enterprise_id }
}

/// Finds the caller. Credentials that are presented but wrong (expired, revoked, unknown) are a 401,
/// never a silent fall back to anonymous.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Authenticated, ApiError> {
    let now = Utc::now();
    if let Some(Authorization(bearer)) = headers.typed_get::<Authorization<Bearer>>() {
        let token = bearer.token().trim();
        if token.starts_with(models::api_keys::KEY_PREFIX) {
            let key =
                models::api_keys::authenticate(&state.db, token, now).await?.ok_or_else(ApiError::unauthorized)?;
            let caller = Caller::ApiKey { key_id: key.id, section_id: key.section_id, outfall_id: key.outfall_id };
            return Ok(Authenticated { caller, user: None, key: Some(key), via: Via::ApiKey });
        }
        let user = models::users::find_by_token(&state.db, token, now).await?.ok_or_else(ApiError::unauthorized)?;
        return Ok(Authenticated {
            caller: user_caller(&user),
            user: Some(user),
            key: None,
            via: Via::Token(token.into()),
        });
    }
    let jar = CookieJar::from_headers(headers);
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let token = cookie.value().to_string();
        let user = models::sessions::find_user(&state.db, &token, now).await?.ok_or_else(ApiError::session_expired)?;
        return Ok(Authenticated { caller: user_caller(&user), user: Some(user), key: None, via: Via::Session(token) });
    }
    Ok(Authenticated { caller: Caller::Anonymous, user: None, key: None, via: Via::Nothing })
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The middleware every route passes through.
pub async fn authorize(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let Some(rule) = path.as_deref().and_then(|p| state.rules.rule_for(request.method(), p)) else {
        // A method the route does not have (TRACE, PUT on a GET route): 405, as if the route were absent.
        if path.as_deref().is_some_and(|p| state.rules.has_path(p)) {
            return ApiError::client(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "该接口不支持此请求方法",
                "this endpoint does not accept this method",
            )
            .into_response();
        }
        // Deny by default: a route nobody wrote a rule for serves nobody.
        tracing::error!(path = ?path, method = %request.method(), "route without an access rule");
        return ApiError::forbidden("访问该接口", "use this endpoint").into_response();
    };
    let action = match rule {
        Rule::Public => return next.run(request).await,
        Rule::Api(action) | Rule::Page(action) => action,
    };
    let page = matches!(rule, Rule::Page(_));
    let auth = match authenticate(&state, request.headers()).await {
        Ok(auth) => auth,
        Err(_) if page => return to_login(request.uri().path()),
        Err(e) => return e.into_response(),
    };
    // A browser sends cookies with any request, so a write borne by the session cookie must prove it
    // comes from our own page: the session's CSRF token in a header (pages check their form field).
    if let Via::Session(token) = &auth.via
        && !page
        && is_write(request.method())
    {
        let sent = request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !secret::constant_time_eq(sent, &secret::csrf_token(token)) {
            return ApiError::client(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "请求缺少有效的 CSRF 令牌（X-CSRF-Token）",
                "missing or wrong CSRF token (X-CSRF-Token)",
            )
            .into_response();
        }
    }
    match authz::decide(&auth.caller, action, state.settings.public_read) {
        Ok(grant) => {
            request.extensions_mut().insert(Access { auth, grant });
            next.run(request).await
        }
        Err(Refusal::SignInRequired) if page => to_login(request.uri().path()),
        Err(Refusal::SignInRequired) => ApiError::unauthorized().into_response(),
        Err(Refusal::Forbidden) => ApiError::forbidden(action.zh(), action.en()).into_response(),
    }
}

/// Where a sign-in may send the browser afterwards: a path on this site, never another site
/// (`//evil.example`, `/\evil.example` and absolute URLs become `/`). The one open-redirect guard.
pub fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

/// Characters left as they are in the `next` parameter: what a path is made of.
const PATH_SAFE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

fn to_login(from: &str) -> Response {
    let next = utf8_percent_encode(local_path(Some(from)), PATH_SAFE);
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// The client's address (for rate limits), when the server was started with connection info.
pub fn client_ip(parts: &axum::http::Extensions) -> IpAddr {
    parts.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

/// The per-address limit on sign-in attempts, checked before any password is.
pub fn check_sign_in_rate(state: &AppState, ip: IpAddr) -> Result<(), ApiError> {
    state.login_limiter.check_key(&ip).map_err(|_| {
        ApiError::client(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "登录尝试过于频繁，请稍后再试",
            "too many sign-in attempts from this address; try again in a minute",
        )
    })
}

#[cfg(test)]
mod tests {
    use axum::http::header;

    use super::*;

    #[test]
    fn next_paths_are_kept_local() {
        assert_eq!(to_login("/").headers()[header::LOCATION], "/login?next=/");
        assert_eq!(to_login("//evil.example").headers()[header::LOCATION], "/login?next=/");
        assert_eq!(to_login("/a b?c").headers()[header::LOCATION], "/login?next=/a%20b%3Fc");
        for bad in ["//evil.example", "/\\evil.example", "https://evil.example", "evil", ""] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(Some("/sections/QYP-03")), "/sections/QYP-03");
        assert_eq!(local_path(None), "/");
    }
}
