//! The web pages: the front page, signing in and out. Sessions live in an HttpOnly, SameSite=Strict
//! cookie; forms carry a CSRF token (for sign-in, a double-submitted cookie; once signed in, one derived
//! from the session).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{TimeDelta, Utc};
use serde::Deserialize;

use models::app_meta::{self, DEMO_DATASET};
use models::auth::{Issue, Presented};
use models::secret;

use crate::auth::{Access, LOGIN_CSRF_COOKIE, SESSION_COOKIE, Via, check_sign_in_rate, client_ip, local_path};
use crate::error::ApiError;
use crate::extract::{Form, Query};
use crate::state::AppState;
use crate::views::home::{Home, Login, SectionRow};

fn cookie(state: &AppState, name: &'static str, value: String, max_age: TimeDelta) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.cookie_secure)
        .path("/")
        .max_age(time::Duration::seconds(max_age.num_seconds()))
        .build()
}

fn render(template: impl Template) -> Result<Html<String>, ApiError> {
    Ok(Html(template.render().map_err(anyhow::Error::from)?))
}

/// `GET /`: every section with its latest class.
pub async fn home(State(state): State<AppState>, access: Access) -> Result<Html<String>, ApiError> {
    let sections = models::sections::list_overview(&state.db).await?.into_iter().map(SectionRow::from).collect();
    let demo = app_meta::get(&state.db, DEMO_DATASET).await?;
    let signed_in_as = access.auth.user.as_ref().map(|u| u.display_name.clone().unwrap_or_else(|| u.username.clone()));
    render(Home { demo, sections, signed_in_as, csrf: access.auth.csrf_token().unwrap_or_default() })
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_page(
    state: &AppState,
    jar: CookieJar,
    next: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let csrf = secret::random_token("");
    let jar = jar.add(cookie(state, LOGIN_CSRF_COOKIE, csrf.clone(), TimeDelta::hours(1)));
    let page = render(Login { csrf, next: next.to_string(), error })?;
    Ok((status, jar, page).into_response())
}

/// `GET /login`.
pub async fn login_form(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> Result<Response, ApiError> {
    login_page(&state, jar, local_path(q.next.as_deref()), None, StatusCode::OK)
}

/// The sign-in form. Every field may be missing: a form without its fields is answered with the sign-in
/// page and a message, as a person at a browser needs, not with a parser's error.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

/// `POST /login`: checks the form's CSRF token against its cookie, signs in, opens a session.
pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    extensions: axum::http::Extensions,
    Form(form): Form<LoginForm>,
) -> Result<Response, ApiError> {
    let next = local_path(form.next.as_deref());
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if expected.is_empty() || !secret::constant_time_eq(&form.csrf, &expected) {
        let message = "登录表单已过期，请重新提交 / The sign-in form expired; please try again".to_string();
        return login_page(&state, jar, next, Some(message), StatusCode::FORBIDDEN);
    }
    let ttl = TimeDelta::hours(state.settings.session_ttl_hours.max(1));
    let signed_in = match check_sign_in_rate(&state, client_ip(&extensions)) {
        Ok(()) => models::auth::sign_in(&state.db, &form.username, &form.password, Issue::Session { ttl }, Utc::now())
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let signed_in = match signed_in {
        Ok(signed_in) => signed_in,
        Err(ApiError::Client { status, message, message_en, .. }) => {
            return login_page(&state, jar, next, Some(format!("{message} / {message_en}")), status);
        }
        Err(e) => return Err(e),
    };
    let jar = jar.remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/")).add(cookie(
        &state,
        SESSION_COOKIE,
        signed_in.secret,
        ttl,
    ));
    Ok((jar, Redirect::to(next)).into_response())
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the session (the form must carry the session's CSRF token).
pub async fn logout(
    State(state): State<AppState>,
    access: Access,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> Result<Response, ApiError> {
    let Via::Session(token) = &access.auth.via else {
        return Ok(Redirect::to("/login").into_response());
    };
    if !secret::constant_time_eq(&form.csrf, &secret::csrf_token(token)) {
        return Err(ApiError::client(StatusCode::FORBIDDEN, "csrf_failed", "CSRF 令牌无效", "wrong CSRF token"));
    }
    if let Some(user) = &access.auth.user {
        models::auth::sign_out(&state.db, Presented::Session(token), user, Utc::now()).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}
