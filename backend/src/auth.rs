//! Who is calling and what they may do. [`authorize`] runs on every route: it finds the route's rule,
//! authenticates the caller (bearer token, API key or session cookie), checks CSRF for cookie-borne
//! writes, asks the matrix in `models::domain::authz`, and gives the handler an [`Access`].

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;

use models::domain::Role;
use models::domain::authz::{self, Action, Caller, Grant, Refusal};
use models::entities::{api_keys, users};
use models::secret;

use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "rc_session";
pub const LOGIN_CSRF_COOKIE: &str = "rc_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone (health, sign-in, the API description).
    Public,
    /// An API action: 401 without credentials, 403 when the matrix refuses.
    Api(Action),
    /// A web page: without a session, a redirect to the sign-in page.
    Page(Action),
}

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
    /// The name audit entries and logs use.
    pub fn label(&self) -> String {
        match (&self.user, &self.key) {
            (Some(u), _) => u.username.clone(),
            (_, Some(k)) => format!("key:{}", k.name),
            _ => "anonymous".into(),
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

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

fn user_caller(user: &users::Model) -> Option<Caller> {
    Some(Caller::User {
        user_id: user.id,
        role: Role::parse(&user.role)?,
        chief_id: user.chief_id,
        enterprise_id: user.enterprise_id,
    })
}

/// Finds the caller. Credentials that are presented but wrong (expired, revoked, unknown) are a 401,
/// never a silent fall back to anonymous.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Authenticated, ApiError> {
    let now = Utc::now();
    if let Some(token) = bearer(headers) {
        if token.starts_with(models::api_keys::KEY_PREFIX) {
            let key =
                models::api_keys::authenticate(&state.db, token, now).await?.ok_or_else(ApiError::unauthorized)?;
            let caller = Caller::ApiKey { key_id: key.id, section_id: key.section_id, outfall_id: key.outfall_id };
            return Ok(Authenticated { caller, user: None, key: Some(key), via: Via::ApiKey });
        }
        let user = models::users::find_by_token(&state.db, token, now).await?.ok_or_else(ApiError::unauthorized)?;
        let caller = user_caller(&user).ok_or_else(ApiError::unauthorized)?;
        return Ok(Authenticated { caller, user: Some(user), key: None, via: Via::Token(token.to_string()) });
    }
    let jar = CookieJar::from_headers(headers);
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let token = cookie.value().to_string();
        let user = models::sessions::find_user(&state.db, &token, now).await?.ok_or_else(ApiError::session_expired)?;
        let caller = user_caller(&user).ok_or_else(ApiError::unauthorized)?;
        return Ok(Authenticated { caller, user: Some(user), key: None, via: Via::Session(token) });
    }
    Ok(Authenticated { caller: Caller::Anonymous, user: None, key: None, via: Via::Nothing })
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The middleware every route passes through.
pub async fn authorize(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let Some(rule) = path.as_deref().and_then(|p| crate::routes::rule_for(request.method(), p)) else {
        // A method the route does not have (TRACE, PUT on a GET route): 405, as if the route were absent.
        if path.as_deref().is_some_and(crate::routes::has_rules) {
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

fn to_login(from: &str) -> Response {
    let next = if from.starts_with('/') && !from.starts_with("//") { from } else { "/" };
    Redirect::to(&format!("/login?next={}", utf8_percent(next))).into_response()
}

/// Percent-encodes a path for a query parameter (only what a path can contain needs care).
fn utf8_percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The client's address (for rate limits), when the server was started with connection info.
pub fn client_ip(parts: &axum::http::Extensions) -> IpAddr {
    parts.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

/// Signs a user in: the per-address rate limit, the lock-out after repeated failures, the password.
/// Every refusal for a wrong name or password reads the same.
pub async fn sign_in(state: &AppState, ip: IpAddr, username: &str, password: &str) -> Result<users::Model, ApiError> {
    if state.login_limiter.check_key(&ip).is_err() {
        return Err(ApiError::client(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "登录尝试过于频繁，请稍后再试",
            "too many sign-in attempts from this address; try again in a minute",
        ));
    }
    let now = Utc::now();
    let user = models::users::find_by_username(&state.db, username).await?;
    if let Some(until) = user.as_ref().and_then(|u| models::users::locked_until(u, now)) {
        return Err(locked(until));
    }
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = password.to_string();
    // argon2 is slow on purpose; keep it off the async workers.
    let verified = tokio::task::spawn_blocking(move || models::users::verify_password(hash.as_deref(), &password))
        .await
        .map_err(anyhow::Error::from)?;
    let invalid = || {
        ApiError::client(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "用户名或密码错误",
            "wrong username or password",
        )
    };
    match user {
        Some(user) if verified && !user.disabled => {
            models::users::record_successful_login(&state.db, user.id).await?;
            Ok(user)
        }
        Some(user) if !verified => match models::users::record_failed_login(&state.db, &user, now).await? {
            Some(until) => Err(locked(until)),
            None => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

fn locked(until: chrono::DateTime<Utc>) -> ApiError {
    let minutes = (until - Utc::now()).num_minutes().max(1);
    ApiError::client(
        StatusCode::TOO_MANY_REQUESTS,
        "account_locked",
        format!("密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试"),
        format!("too many wrong passwords: the account is locked for {minutes} more minute(s)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths_are_kept_local() {
        assert_eq!(to_login("/").headers()[header::LOCATION], "/login?next=/");
        assert_eq!(to_login("//evil.example").headers()[header::LOCATION], "/login?next=/");
        assert_eq!(utf8_percent("/a b?c"), "/a%20b%3Fc");
    }
}
