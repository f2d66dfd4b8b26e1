//! The administrative commands: `user`, `apikey`, `audit verify`. Each write is one call into `models`,
//! which records it in the audit log with the command line as the actor.

use std::io::BufRead;

use anyhow::{Context, bail};
use chrono::Utc;

use models::api_keys::NewKey;
use models::audit::{Actor, Verification};
use models::domain::Code;
use models::users::NewUser;

use super::args::{ApikeyCommand, UserCommand};
use crate::Settings;
use crate::startup::open_database;

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
            let new = NewUser {
                username,
                password: &password,
                role,
                display_name: display_name.as_deref(),
                email: email.as_deref(),
                chief_id: chief.as_deref().and_then(|c| c.trim().parse().ok()),
                chief: chief.as_deref().filter(|c| c.trim().parse::<i32>().is_err()),
                enterprise: enterprise.as_deref(),
            };
            let user = models::users::create(&db, new, Actor::cli("user add"), now).await?;
            println!("created {} ({})", user.username, user.role.as_str());
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
                let role = u.role.as_str();
                println!("{:<24} {role:<11} {status:<9} {link:<8} {}", u.username, u.email.unwrap_or_default());
            }
        }
        UserCommand::Disable { username } | UserCommand::Enable { username } => {
            let disable = matches!(action, UserCommand::Disable { .. });
            let verb = if disable { "disable" } else { "enable" };
            models::users::set_disabled(&db, username, disable, Actor::cli(&format!("user {verb}")), now).await?;
            println!("{username} {verb}d{}", if disable { "; its tokens and sessions are revoked" } else { "" });
        }
        UserCommand::ResetPassword { username, password: given, password_stdin } => {
            let password = password(given.as_ref(), *password_stdin)?;
            models::users::reset_password(&db, username, &password, Actor::cli("user reset-password"), now).await?;
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
            let new = NewKey {
                name,
                section: section.as_deref(),
                outfall: outfall.as_deref(),
                expires_in_days: *expires_days,
            };
            let created = models::api_keys::create(&db, new, Actor::cli("apikey create"), now).await?;
            println!("{}", created.key);
            eprintln!(
                "API key {} ('{}', for {}) created. It is shown only now: store it on the machine that uses it.",
                created.model.id, created.model.name, created.scope
            );
        }
        ApikeyCommand::List => {
            println!("{:<5} {:<24} {:<12} {:<32} STATUS", "ID", "NAME", "PREFIX", "SCOPE");
            for row in models::api_keys::list(&db).await? {
                let k = &row.key;
                let scope = match (k.section_id, k.outfall_id) {
                    (Some(_), _) => format!("section {}", row.scope.as_deref().unwrap_or("?")),
                    (_, Some(_)) => format!("outfall {}", row.scope.as_deref().unwrap_or("?")),
                    _ => "-".into(),
                };
                let status = if k.revoked_at.is_some() {
                    "revoked"
                } else if k.expires_at.is_some_and(|t| t <= now) {
                    "expired"
                } else {
                    "active"
                };
                println!("{:<5} {:<24} {:<12} {scope:<32} {status}", k.id, k.name, k.prefix);
            }
        }
        ApikeyCommand::Revoke { id } => {
            let key = models::api_keys::revoke(&db, *id, Actor::cli("apikey revoke"), now).await?;
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

/// `riverchief registry import|export`.
pub async fn registry(settings: &Settings, action: crate::cli::args::RegistryCommand) -> anyhow::Result<()> {
    use crate::cli::args::RegistryCommand;
    use crate::tabular::registry as sheets;
    use models::registry::Registry;
    match action {
        RegistryCommand::Import { files, kind, dry_run } => {
            let kind = match kind.as_deref() {
                None => None,
                Some(k) => Some(sheets::kind_of_name(k).ok_or_else(|| {
                    anyhow::anyhow!("--kind {k}: not a kind (regions, water_bodies, reaches, sections, targets, chiefs, appointments)")
                })?),
            };
            let (json, tables): (Vec<_>, Vec<_>) =
                files.into_iter().partition(|f| f.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")));
            let (mut rows, layout) = if tables.is_empty() {
                (Registry::default(), sheets::Layout::default())
            } else {
                match sheets::read_files(&tables, kind) {
                    Ok(read) => read,
                    Err(e) => {
                        for p in e.problems() {
                            eprintln!("{p}\n  {}", p.zh());
                        }
                        if e.problems().is_empty() {
                            bail!("{e}\n{}", e.zh());
                        }
                        bail!("{} problem(s) in the files; nothing was stored", e.problems().len());
                    }
                }
            };
            for file in &json {
                let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
                let part: Registry =
                    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                rows.regions.extend(part.regions);
                rows.water_bodies.extend(part.water_bodies);
                rows.reaches.extend(part.reaches);
                rows.sections.extend(part.sections);
                rows.targets.extend(part.targets);
                rows.chiefs.extend(part.chiefs);
                rows.appointments.extend(part.appointments);
            }
            let db = open_database(settings).await?;
            let started = std::time::Instant::now();
            let plan =
                match models::registry::apply(&db, &rows, Actor::cli("registry import"), Utc::now(), dry_run).await {
                    Ok(plan) => plan,
                    Err(models::registry::RegistryError::Invalid(problems)) => {
                        for p in &problems {
                            // A CSV file's line is shown with the file's name; a sheet names itself.
                            let place = sheets::locate(&layout, p.kind, &p.origin, p.field)
                                .map(|place| match (&place.position, p.origin.sheet.as_deref()) {
                                    (crate::tabular::Position::Line(_), Some(file)) => format!("{file}, {place}: "),
                                    _ => format!("{place}: "),
                                })
                                .unwrap_or_default();
                            eprintln!("{place}{} {}: {}: {}\n  {}", p.kind.as_str(), p.key, p.field, p.en, p.zh);
                        }
                        bail!("{} problem(s); nothing was stored", problems.len());
                    }
                    Err(e) => return Err(e.into()),
                };
            let verb = if dry_run { "would be" } else { "were" };
            // In the order rows are applied.
            for (kind, c) in &plan.counts {
                println!(
                    "{:<13} {} created, {} changed, {} retired, {} unchanged",
                    kind.as_str(),
                    c.created,
                    c.changed,
                    c.retired,
                    c.unchanged
                );
            }
            println!(
                "{} change(s) {verb} made in {:.2} s{}",
                plan.changes.len(),
                started.elapsed().as_secs_f64(),
                if dry_run { " (dry run: nothing stored)" } else { "" }
            );
            Ok(())
        }
        RegistryCommand::Export { out } => {
            let db = open_database(settings).await?;
            let rows = models::registry::export(&db).await?;
            let Some(path) = out else {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            };
            let is_dir = path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/');
            let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
            if is_dir {
                std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
                for kind in sheets::KINDS {
                    let file = path.join(format!("{}.csv", sheets::key(kind)));
                    let out = std::fs::File::create(&file).with_context(|| format!("writing {}", file.display()))?;
                    sheets::write_csv(kind, &rows, std::io::BufWriter::new(out))?;
                }
                println!("wrote {} CSV files to {}", sheets::KINDS.len(), path.display());
            } else if ext.as_deref() == Some("xlsx") {
                let bytes = sheets::write_xlsx(&rows)?;
                std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
                println!("wrote {}", path.display());
            } else {
                std::fs::write(&path, serde_json::to_string_pretty(&rows)?)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(())
        }
    }
}
