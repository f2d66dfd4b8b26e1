//! The front page: every section and its latest class, for a person opening the server in a browser.

use askama::Template;
use chrono_tz::Asia::Shanghai;

use models::sections::SectionOverview;

#[derive(Template)]
#[template(path = "home.html")]
pub struct Home {
    /// The demo dataset's name, when demo data is loaded.
    pub demo: Option<String>,
    pub sections: Vec<SectionRow>,
    /// Who is signed in (absent when the page is public and nobody is).
    pub signed_in_as: Option<String>,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct Login {
    pub csrf: String,
    pub next: String,
    pub error: Option<String>,
}

pub struct SectionRow {
    pub code: String,
    pub name: String,
    pub water_body: String,
    pub region: String,
    pub control_level: &'static str,
    pub target: String,
    pub latest: String,
    pub status: String,
    pub colour: &'static str,
    pub misses_target: bool,
    pub sampled_at: String,
}

impl From<SectionOverview> for SectionRow {
    fn from(o: SectionOverview) -> Self {
        let target = Some(o.section.target_class);
        let (latest, status, colour, misses_target, sampled_at) = match &o.latest {
            Some(l) => {
                let status = l.class.status();
                let misses = target.is_some_and(|t| l.class > t);
                let words = if misses { format!("{}（未达标）", status.zh()) } else { status.zh().to_string() };
                let at = l.sampled_at.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M").to_string();
                (format!("{} 类", l.class), words, status.colour(), misses, at)
            }
            None => ("—".into(), "暂无数据".into(), "none", false, "—".into()),
        };
        SectionRow {
            code: o.section.code,
            name: o.section.name,
            water_body: o.water_body.name,
            region: o.region.map(|r| r.name).unwrap_or_default(),
            control_level: o.section.control_level.zh(),
            target: target.map_or_else(|| "—".into(), |t| format!("{t} 类")),
            latest,
            status,
            colour,
            misses_target,
            sampled_at,
        }
    }
}
