//! One error type for the whole API. 4xx answers carry a stable snake_case code and a message in Chinese
//! (`message`) and English (`message_en`); 5xx answers are opaque and the cause is logged.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use models::domain::Problem;

/// One bad item of a request, e.g. one reading of a batch.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Detail {
    /// Position in the submitted list, when the request holds a list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub field: String,
    pub code: String,
    pub message: String,
    pub message_en: String,
}

impl Detail {
    pub fn from_problem(index: Option<usize>, p: Problem) -> Self {
        Self { index, field: p.field.into(), code: p.code.into(), message: p.zh, message_en: p.en }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{code}: {message_en}")]
    Client { status: StatusCode, code: &'static str, message: String, message_en: String, details: Vec<Detail> },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn client(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self::Client { status, code, message: message.into(), message_en: message_en.into(), details: Vec::new() }
    }

    /// 422 listing every bad item.
    pub fn invalid(code: &'static str, message: &str, message_en: &str, details: Vec<Detail>) -> Self {
        Self::Client {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code,
            message: message.into(),
            message_en: message_en.into(),
            details,
        }
    }

    pub fn unauthorized() -> Self {
        Self::client(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "需要登录：请在 Authorization 头中提供有效的 Bearer 令牌",
            "sign-in required: send a valid Bearer token in the Authorization header",
        )
    }

    pub fn session_expired() -> Self {
        Self::client(
            StatusCode::UNAUTHORIZED,
            "session_expired",
            "登录已过期或已退出，请重新登录",
            "the session has expired or was signed out; sign in again",
        )
    }

    pub fn forbidden(action_zh: &str, action_en: &str) -> Self {
        Self::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("当前账号无权{action_zh}"),
            format!("this account may not {action_en}"),
        )
    }

    pub fn not_found(what_zh: &str, what_en: &str) -> Self {
        Self::client(StatusCode::NOT_FOUND, "not_found", format!("未找到{what_zh}"), format!("{what_en} not found"))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Internal(anyhow::Error::new(e))
    }
}

/// The body of every 4xx and 5xx answer (for the API description).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorResponse {
    error: ErrorDoc,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ErrorDoc {
    /// Stable snake_case code, e.g. `invalid_readings`, `unauthorized`, `forbidden`.
    code: String,
    /// For people, in Chinese.
    message: String,
    /// For people, in English.
    message_en: String,
    /// Each bad item, when the request held several.
    details: Option<Vec<Detail>>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    message_en: &'a str,
    #[serde(skip_serializing_if = "<[Detail]>::is_empty")]
    details: &'a [Detail],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Client { status, code, message, message_en, details } => {
                let body =
                    Body { error: ErrorBody { code, message: &message, message_en: &message_en, details: &details } };
                let mut response = (status, Json(body)).into_response();
                if status == StatusCode::UNAUTHORIZED {
                    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                }
                response
            }
            Self::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "request failed");
                let body = Body {
                    error: ErrorBody {
                        code: "internal_error",
                        message: "服务器内部错误，请稍后重试",
                        message_en: "internal server error; please try again later",
                        details: &[],
                    },
                };
                (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
            }
        }
    }
}
