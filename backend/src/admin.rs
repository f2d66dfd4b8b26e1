//! The administrative commands: `user`, `apikey`, `audit verify`. Every change is recorded in the audit
//! log with the command line as the actor.

use std::io::BufRead;

use anyhow::{Context, bail};
use chrono::{TimeDelta, Utc};
use serde_json::json;

use models::audit::{Actor, Verification};
use models::db::begin_write;

use crate::Settings;
use crate::cli::{ApikeyCommand, UserCommand};
use crate::error::ApiError;
use crate::startup::open_database;

/// An API error from a shared check, as a message for the terminal.
fn explain(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Client { message_en, details, .. } => {
            let lines: Vec<String> = details.iter().map(|d| format!("  {}: {}", d.field, d.message_en)).collect();
            if lines.is_empty() {
                anyhow::anyhow!(message_en)
            } else {
                anyhow::anyhow!("{message_en}:\n{}", lines.join("\n"))
            }
        }
        ApiError::Internal(e) => e,
    }
}

fn password(given: Option<&String>, stdin: bool) -> anyhow::Result<String> {
    if let Some(p) = given {
        return Ok(p.clone());
    }
    debug_assert!(stdin);
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub async fn user(settings: &Settings, action: &UserCommand) -> anyhow::Result<()> {
    let db = open_database(settings).await?;
    let now = Utc::now();
    match action {
        UserCommand::Add {
            role,
            username,
            password: given,
            password_stdin,
            chief,
            enterprise,
            email,
            display_name,
        } => {
            let password = password(given.as_ref(), *password_stdin)?;
            let link = crate::accounts::check_new_user(&db, username, &password, role, *chief, enterprise.as_deref())
                .await
                .map_err(explain)?;
            let tx = begin_write(&db).await?;
            let user = models::users::create(
                &tx,
                models::users::NewUser {
                    username,
                    password: &password,
                    role: link.role,
                    display_name: display_name.as_deref(),
                    chief_id: link.chief_id,
                    enterprise_id: link.enterprise_id,
                    email: email.as_deref(),
                },
                now,
            )
            .await?;
            let after = json!({"username": user.username, "role": user.role, "chief_id": user.chief_id, "enterprise_id": user.enterprise_id});
            crate::audit::append(
                &tx,
                Actor::cli("user add"),
                "user.create",
                "users",
                Some(user.id.to_string()),
                None,
                Some(after),
            )
            .await
            .map_err(explain)?;
            tx.commit().await?;
            println!("created {} ({})", user.username, user.role);
        }
        UserCommand::List => {
            println!("{:<24} {:<11} {:<9} {:<8} EMAIL", "USERNAME", "ROLE", "STATUS", "LINK");
            for u in models::users::list(&db).await? {
                let status = if u.disabled {
                    "disabled"
                } else if models::users::locked_until(&u, now).is_some() {
                    "locked"
                } else {
                    "active"
                };
                let link = match (u.chief_id, u.enterprise_id) {
                    (Some(c), _) => format!("chief {c}"),
                    (_, Some(e)) => format!("ent. {e}"),
                    _ => "-".into(),
                };
                println!("{:<24} {:<11} {:<9} {:<8} {}", u.username, u.role, status, link, u.email.unwrap_or_default());
            }
        }
        UserCommand::Disable { username } | UserCommand::Enable { username } => {
            let disable = matches!(action, UserCommand::Disable { .. });
            let tx = begin_write(&db).await?;
            let Some(user) = models::users::set_disabled(&tx, username, disable, now).await? else {
                bail!("no user named '{username}'");
            };
            let verb = if disable { "disable" } else { "enable" };
            crate::audit::append(
                &tx,
                Actor::cli(&format!("user {verb}")),
                &format!("user.{verb}"),
                "users",
                Some(user.id.to_string()),
                None,
                Some(json!({"disabled": user.disabled})),
            )
            .await
            .map_err(explain)?;
            tx.commit().await?;
            println!("{username} {verb}d{}", if disable { "; its tokens and sessions are revoked" } else { "" });
        }
        UserCommand::ResetPassword { username, password: given, password_stdin } => {
            let password = password(given.as_ref(), *password_stdin)?;
            if password.chars().count() < models::users::MIN_PASSWORD_LEN {
                bail!("the password needs at least {} characters", models::users::MIN_PASSWORD_LEN);
            }
            let tx = begin_write(&db).await?;
            let Some(user) = models::users::reset_password(&tx, username, &password, now).await? else {
                bail!("no user named '{username}'");
            };
            crate::audit::append(
                &tx,
                Actor::cli("user reset-password"),
                "user.reset_password",
                "users",
                Some(user.id.to_string()),
                None,
                None,
            )
            .await
            .map_err(explain)?;
            tx.commit().await?;
            println!("password of {username} reset; its tokens and sessions are revoked");
        }
    }
    Ok(())
}

pub async fn apikey(settings: &Settings, action: &ApikeyCommand) -> anyhow::Result<()> {
    let db = open_database(settings).await?;
    let now = Utc::now();
    match action {
        ApikeyCommand::Create { name, section, outfall, expires_days } => {
            let scope =
                crate::accounts::key_scope(&db, section.as_deref(), outfall.as_deref()).await.map_err(explain)?;
            let expires = expires_days.map(|d| now + TimeDelta::days(i64::from(d)));
            let tx = begin_write(&db).await?;
            let (key, model) = models::api_keys::create(&tx, name, scope, None, expires, now).await?;
            crate::audit::append(
                &tx,
                Actor::cli("apikey create"),
                "api_key.create",
                "api_keys",
                Some(model.id.to_string()),
                None,
                Some(json!({"name": model.name, "section_id": model.section_id, "outfall_id": model.outfall_id})),
            )
            .await
            .map_err(explain)?;
            tx.commit().await?;
            println!("{key}");
            eprintln!(
                "API key {} ('{}') created. It is shown only now: store it on the machine that uses it.",
                model.id, model.name
            );
        }
        ApikeyCommand::List => {
            println!("{:<5} {:<24} {:<12} {:<10} STATUS", "ID", "NAME", "PREFIX", "SCOPE");
            for k in models::api_keys::list(&db).await? {
                let scope = match (k.section_id, k.outfall_id) {
                    (Some(s), _) => format!("section {s}"),
                    (_, Some(o)) => format!("outfall {o}"),
                    _ => "-".into(),
                };
                let status = if k.revoked_at.is_some() {
                    "revoked"
                } else if k.expires_at.is_some_and(|t| t <= now) {
                    "expired"
                } else {
                    "active"
                };
                println!("{:<5} {:<24} {:<12} {:<10} {}", k.id, k.name, k.prefix, scope, status);
            }
        }
        ApikeyCommand::Revoke { id } => {
            let tx = begin_write(&db).await?;
            let Some(key) = models::api_keys::revoke(&tx, *id, now).await? else { bail!("no API key {id}") };
            crate::audit::append(
                &tx,
                Actor::cli("apikey revoke"),
                "api_key.revoke",
                "api_keys",
                Some(id.to_string()),
                None,
                None,
            )
            .await
            .map_err(explain)?;
            tx.commit().await?;
            println!("API key {} ('{}') revoked", key.id, key.name);
        }
    }
    Ok(())
}

pub async fn audit_verify(settings: &Settings) -> anyhow::Result<()> {
    let db = open_database(settings).await?;
    match models::audit::verify(&db).await? {
        Verification::Intact { entries, head_hash } => {
            println!("audit log intact: {entries} entries; head {head_hash}");
            Ok(())
        }
        Verification::Broken { entry_id, reason_en, reason_zh, .. } => {
            bail!("audit log broken at entry {entry_id}: {reason_en}\n审计日志在第 {entry_id} 条处被破坏：{reason_zh}")
        }
    }
}
