//! One error type for the whole API. 4xx answers carry a stable snake_case code and a message in Chinese
//! (`message`) and English (`message_en`); 5xx answers are opaque and the cause is logged.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use models::api_keys::KeyError;
use models::auth::SignInError;
use models::domain::Problem;
use models::readings::{ItemProblem, SubmitError};
use models::users::UserError;

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
    /// Where in an uploaded file, for the problems of a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<Box<DetailPlace>>,
}

/// Where in an uploaded file a problem is: a CSV line, or a worksheet's row and cell; and its column.
#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DetailPlace {
    /// The file, when several were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// A CSV file's line (1-based, the header is line 1 unless blank lines come before it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// A worksheet's row, as Excel numbers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// A worksheet's cell, e.g. `C7`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// The column's name as the header writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl From<&crate::tabular::RowProblem> for Detail {
    /// A file's problem: `field` is its place in words, as the registry import gives it.
    fn from(p: &crate::tabular::RowProblem) -> Self {
        use crate::tabular::{Position, column_letters};
        let mut place = DetailPlace {
            file: p.file.clone(),
            column: p.place.column.as_ref().map(|c| c.name.clone()),
            ..DetailPlace::default()
        };
        match &p.place.position {
            Position::Line(line) => place.line = Some(*line),
            Position::Row { sheet, row } => {
                place.sheet = Some(sheet.to_string());
                place.row = Some(*row);
                place.cell = p.place.column.as_ref().map(|c| format!("{}{row}", column_letters(c.index)));
            }
        }
        let field = match &p.file {
            Some(file) => format!("{file}, {}", p.place),
            None => p.place.to_string(),
        };
        Detail { place: Some(Box::new(place)), ..Detail::new(&field, p.code, p.zh(), p.to_string()) }
    }
}

impl Detail {
    /// The one way to build a detail: field, code and the message in both languages.
    pub fn new(field: &str, code: &str, message: impl Into<String>, message_en: impl Into<String>) -> Self {
        Self {
            index: None,
            field: field.into(),
            code: code.into(),
            message: message.into(),
            message_en: message_en.into(),
            place: None,
        }
    }

    /// The same detail, about item `index` of the request's list.
    pub fn at(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }
}

impl From<Problem> for Detail {
    fn from(p: Problem) -> Self {
        Self::new(p.field, p.code, p.zh, p.en)
    }
}

impl From<ItemProblem> for Detail {
    fn from(p: ItemProblem) -> Self {
        Detail::from(p.problem).at(p.index)
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

    /// 422 for a query string that names every bad parameter.
    pub fn invalid_query(details: Vec<Detail>) -> Self {
        Self::invalid("invalid_query", "查询参数有误", "invalid query parameters", details)
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Internal(anyhow::Error::new(e))
    }
}

fn details(problems: Vec<Problem>) -> Vec<Detail> {
    problems.into_iter().map(Detail::from).collect()
}

impl From<UserError> for ApiError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::UsernameTaken(name) => Self::client(
                StatusCode::CONFLICT,
                "username_taken",
                format!("用户名“{}”已被使用", models::domain::quote(&name)),
                format!("username '{}' is taken", models::domain::quote(&name)),
            ),
            UserError::Invalid(problems) => {
                Self::invalid("invalid_user", "账号信息有误", "invalid account", details(problems))
            }
            UserError::NotFound(name) => Self::not_found(
                &format!("用户“{}”", models::domain::quote(&name)),
                &format!("user '{}'", models::domain::quote(&name)),
            ),
            UserError::CannotDisableSelf => Self::client(
                StatusCode::CONFLICT,
                "cannot_disable_self",
                "不能停用当前登录的账号",
                "an administrator cannot disable their own account",
            ),
            e @ (UserError::Hash(_) | UserError::Db(_)) => Self::Internal(e.into()),
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::Invalid(problems) => {
                Self::invalid("invalid_api_key", "接口密钥参数有误", "invalid API key request", details(problems))
            }
            KeyError::NotFound(id) => Self::not_found(&format!("接口密钥 {id}"), &format!("API key {id}")),
            e @ KeyError::Db(_) => Self::Internal(e.into()),
        }
    }
}

impl From<SignInError> for ApiError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::InvalidCredentials => Self::client(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "用户名或密码错误",
                "wrong username or password",
            ),
            SignInError::Locked(until) => {
                let minutes = (until - chrono::Utc::now()).num_minutes().max(1);
                Self::client(
                    StatusCode::TOO_MANY_REQUESTS,
                    "account_locked",
                    format!("密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试"),
                    format!("too many wrong passwords: the account is locked for {minutes} more minute(s)"),
                )
            }
            e @ (SignInError::Verify(_) | SignInError::Db(_)) => Self::Internal(e.into()),
        }
    }
}

/// 422 naming every bad reading of a batch: how many, and each problem at its position.
pub fn invalid_readings(details: Vec<Detail>) -> ApiError {
    let n = details.iter().filter_map(|d| d.index).collect::<std::collections::BTreeSet<_>>().len();
    ApiError::invalid(
        "invalid_readings",
        &format!("{n} 条监测数据有误，整批未保存"),
        &format!("{n} reading(s) are invalid; nothing in the batch was stored"),
        details,
    )
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Invalid(problems) => invalid_readings(problems.into_iter().map(Detail::from).collect()),
            SubmitError::NotAllowed(problems) => Self::Client {
                status: StatusCode::FORBIDDEN,
                code: "forbidden",
                message: "该密钥只能提交其所属断面的数据，整批未保存".into(),
                message_en: "this key may submit readings for its own section only; nothing was stored".into(),
                details: problems.into_iter().map(Detail::from).collect(),
            },
            e @ SubmitError::Db(_) => Self::Internal(e.into()),
        }
    }
}

impl From<crate::import::ImportError> for ApiError {
    fn from(e: crate::import::ImportError) -> Self {
        use crate::import::ImportError;
        match e {
            ImportError::Unreadable { .. } => Self::invalid("unreadable_file", &e.zh(), &e.to_string(), Vec::new()),
            e @ (ImportError::Rejects(_) | ImportError::Reader(_) | ImportError::Db(_)) => Self::Internal(e.into()),
        }
    }
}

/// An import that stored nothing because of its problems: 422 `invalid_file` naming each at its line or
/// cell (the first [`crate::import::PROBLEMS_LISTED`]), or 403 when every problem is a section the caller
/// may not write.
pub fn invalid_import(summary: &crate::import::Summary) -> ApiError {
    let details: Vec<Detail> = summary.problems.iter().map(Detail::from).collect();
    if summary.problems_not_listed == 0 && details.iter().all(|d| d.code == "section_not_allowed") {
        return ApiError::Client {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: "该密钥只能导入其所属断面的数据，未保存任何数据".into(),
            message_en: "this key may import readings for its own section only; nothing was stored".into(),
            details,
        };
    }
    let n = summary.problem_count();
    let (more_zh, more_en) = match summary.problems_not_listed {
        0 => (String::new(), String::new()),
        rest => (
            format!("（列出前 {} 处，另有 {rest} 处未列出）", details.len()),
            format!(" (the first {} listed, {rest} more not)", details.len()),
        ),
    };
    let rows_zh = if summary.rejected > 0 { format!("（{} 行）", summary.rejected) } else { String::new() };
    let rows_en = if summary.rejected > 0 { format!(" in {} row(s)", summary.rejected) } else { String::new() };
    ApiError::invalid(
        "invalid_file",
        &format!("文件有 {n} 处错误{rows_zh}，未保存任何数据{more_zh}"),
        &format!("{n} problem(s){rows_en} in the file; nothing was stored{more_en}"),
        details,
    )
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

impl From<models::devices::DeviceError> for ApiError {
    fn from(e: models::devices::DeviceError) -> Self {
        match e {
            models::devices::DeviceError::Invalid(problems) => {
                Self::invalid("invalid_device", "设备信息有误", "invalid device", details(problems))
            }
            e @ models::devices::DeviceError::Db(_) => Self::Internal(e.into()),
        }
    }
}
