//! Checks shared by the API and the command line before an account or an API key is created.

use axum::http::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait};

use models::api_keys::KeyScope;
use models::domain::Role;
use models::entities::river_chiefs;
use models::users::MIN_PASSWORD_LEN;

use crate::error::{ApiError, Detail};

/// A new account's role and what it is linked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub role: Role,
    pub chief_id: Option<i32>,
    pub enterprise_id: Option<i32>,
}

fn detail(field: &str, code: &str, zh: String, en: String) -> Detail {
    Detail { index: None, field: field.into(), code: code.into(), message: zh, message_en: en }
}

/// Checks every field of a new account and names every problem: a free username, a long enough
/// password, a known role, and the link its role needs (a chief account names a river chief, an
/// enterprise account an enterprise; other roles name neither).
pub async fn check_new_user(
    db: &impl ConnectionTrait,
    username: &str,
    password: &str,
    role: &str,
    chief_id: Option<i32>,
    enterprise: Option<&str>,
) -> Result<Link, ApiError> {
    let mut details = Vec::new();
    let username_ok = !username.is_empty()
        && username.chars().count() <= 64
        && username.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !username_ok {
        details.push(detail(
            "username",
            "invalid_username",
            "用户名须为 1–64 个字母、数字或 . _ - @".into(),
            "username must be 1–64 letters, digits or . _ - @".into(),
        ));
    } else if models::users::find_by_username(db, username).await?.is_some() {
        return Err(ApiError::client(
            StatusCode::CONFLICT,
            "username_taken",
            format!("用户名“{username}”已被使用"),
            format!("username '{username}' is taken"),
        ));
    }
    if password.chars().count() < MIN_PASSWORD_LEN {
        details.push(detail(
            "password",
            "weak_password",
            format!("密码至少 {MIN_PASSWORD_LEN} 个字符"),
            format!("the password needs at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    let role = Role::parse(role);
    if role.is_none() {
        details.push(detail(
            "role",
            "invalid_role",
            "角色须为 admin、bureau、chief 或 enterprise".into(),
            "role must be admin, bureau, chief or enterprise".into(),
        ));
    }
    let chief_id = match (role, chief_id) {
        (Some(Role::Chief), None) => {
            details.push(detail(
                "chief_id",
                "missing_field",
                "河长账号须指定河长编号".into(),
                "a chief account needs chief_id".into(),
            ));
            None
        }
        (Some(Role::Chief), Some(id)) => {
            if river_chiefs::Entity::find_by_id(id).one(db).await?.is_none() {
                details.push(detail(
                    "chief_id",
                    "unknown_chief",
                    format!("没有编号为 {id} 的河长"),
                    format!("no river chief {id}"),
                ));
            }
            Some(id)
        }
        (_, Some(_)) => {
            details.push(detail(
                "chief_id",
                "not_allowed",
                "只有河长账号可指定河长".into(),
                "only chief accounts name a chief".into(),
            ));
            None
        }
        (_, None) => None,
    };
    let enterprise_id = match (role, enterprise) {
        (Some(Role::Enterprise), None) => {
            details.push(detail(
                "enterprise",
                "missing_field",
                "企业账号须指定企业统一社会信用代码".into(),
                "an enterprise account needs the enterprise's credit code".into(),
            ));
            None
        }
        (Some(Role::Enterprise), Some(code)) => match models::enterprises::find_by_credit_code(db, code).await? {
            Some(e) => Some(e.id),
            None => {
                details.push(detail(
                    "enterprise",
                    "unknown_enterprise",
                    format!("没有统一社会信用代码为 {code} 的企业"),
                    format!("no enterprise {code}"),
                ));
                None
            }
        },
        (_, Some(_)) => {
            details.push(detail(
                "enterprise",
                "not_allowed",
                "只有企业账号可指定企业".into(),
                "only enterprise accounts name an enterprise".into(),
            ));
            None
        }
        (_, None) => None,
    };
    match role {
        Some(role) if details.is_empty() => Ok(Link { role, chief_id, enterprise_id }),
        _ => Err(ApiError::invalid("invalid_user", "账号信息有误", "invalid account", details)),
    }
}

/// What a new key is limited to: a section by code, or an outfall as `CREDIT_CODE/OUTFALL_CODE`.
pub async fn key_scope(
    db: &impl ConnectionTrait,
    section: Option<&str>,
    outfall: Option<&str>,
) -> Result<KeyScope, ApiError> {
    let invalid = |field: &str, code: &str, zh: String, en: String| {
        ApiError::invalid(
            "invalid_api_key",
            "接口密钥参数有误",
            "invalid API key request",
            vec![detail(field, code, zh, en)],
        )
    };
    match (section, outfall) {
        (Some(code), None) => match models::sections::find_by_code(db, code).await? {
            Some(ctx) => Ok(KeyScope::Section(ctx.section.id)),
            None => Err(invalid(
                "section",
                "unknown_section",
                format!("未知断面编码“{code}”"),
                format!("unknown section '{code}'"),
            )),
        },
        (None, Some(path)) => {
            let Some((credit, code)) = path.split_once('/') else {
                return Err(invalid(
                    "outfall",
                    "invalid_outfall",
                    "排口应写作 统一社会信用代码/排口编号".into(),
                    "write the outfall as CREDIT_CODE/OUTFALL_CODE".into(),
                ));
            };
            match models::enterprises::find_outfall(db, credit, code).await? {
                Some(o) => Ok(KeyScope::Outfall(o.id)),
                None => Err(invalid(
                    "outfall",
                    "unknown_outfall",
                    format!("未知排口“{path}”"),
                    format!("unknown outfall '{path}'"),
                )),
            }
        }
        _ => Err(invalid(
            "section",
            "scope_required",
            "须且只能指定 section 或 outfall 之一".into(),
            "give exactly one of section or outfall".into(),
        )),
    }
}
