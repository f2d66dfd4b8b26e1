//! The words of a notice to a river chief. Chinese first; a short English summary follows.

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;

use super::ChiefLevel;
use super::gb3838::{Direction, Parameter, WaterBodyKind, WaterClass};

/// Everything an exceedance notice names.
#[derive(Debug, Clone)]
pub struct Exceedance<'a> {
    pub alert_id: i32,
    pub chief_name: &'a str,
    pub chief_level: Option<ChiefLevel>,
    pub section_code: &'a str,
    pub section_name: &'a str,
    pub water_body_name: &'a str,
    pub water_body_kind: WaterBodyKind,
    pub parameter: Parameter,
    pub value: f64,
    pub below_detection: bool,
    pub class: WaterClass,
    pub target: WaterClass,
    pub sampled_at: DateTime<Utc>,
}

pub struct NoticeText {
    pub subject: String,
    pub body: String,
}

/// Formats a number the way a report prints it: no float noise, no trailing zeros.
pub fn format_number(v: f64) -> String {
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

impl Exceedance<'_> {
    /// Value with its unit, e.g. `1.62 mg/L`; pH has no unit.
    fn value_text(&self) -> String {
        let info = self.parameter.info();
        let v = format_number(self.value);
        let prefix = if self.below_detection { "<" } else { "" };
        match self.parameter {
            Parameter::Ph => format!("{prefix}{v}"),
            _ => format!("{prefix}{v} {}", info.unit),
        }
    }

    /// What the value breaks, in Chinese and English.
    fn breach(&self) -> (String, String) {
        let info = self.parameter.info();
        let target = self.target;
        match info.direction {
            Direction::Range { low, high } => (
                format!("超出 {}–{} 的标准范围", format_number(low), format_number(high)),
                format!("outside the {}–{} range", format_number(low), format_number(high)),
            ),
            direction => {
                let Some(limit) = self.parameter.limit_for(target, self.water_body_kind) else {
                    return (format!("劣于目标 {target} 类"), format!("worse than the class {target} target"));
                };
                let limit = format!("{} {}", format_number(limit), info.unit);
                if direction == Direction::LowerBound {
                    (
                        format!("低于断面水质目标 {target} 类的限值 ≥{limit}"),
                        format!("below the class {target} target limit of ≥{limit}"),
                    )
                } else {
                    let multiple = self
                        .parameter
                        .limit_for(target, self.water_body_kind)
                        .filter(|l| *l > 0.0)
                        .map(|l| {
                            format!("（超标 {} 倍）", format_number(((self.value - l) / l * 100.0).round() / 100.0))
                        })
                        .unwrap_or_default();
                    (
                        format!("超过断面水质目标 {target} 类的限值 ≤{limit}{multiple}"),
                        format!("above the class {target} target limit of ≤{limit}"),
                    )
                }
            }
        }
    }

    pub fn render(&self) -> NoticeText {
        let info = self.parameter.info();
        let when = self.sampled_at.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M").to_string();
        let value = self.value_text();
        let class = self.class;
        let target = self.target;
        let (breach_zh, breach_en) = self.breach();
        let addressee = match self.chief_level {
            Some(level) => format!("{}（{}）", self.chief_name, level.zh()),
            None => self.chief_name.to_string(),
        };
        let status = class.status();
        let subject = format!(
            "【水质超标】{}·{}断面 {} {}（{} 类，目标 {} 类）",
            self.water_body_name, self.section_name, info.name_zh, value, class, target
        );
        let body = format!(
            "{addressee}您好：\n\n\
             {water}·{section}断面（{code}）{when} 采样的{item}为 {value}，\
             按《地表水环境质量标准》（GB 3838-2002）评价为 {class} 类（{status}），{breach_zh}。\n\n\
             请尽快组织排查污染来源、采取处置措施，并在平台上确认本预警。\n\n\
             断面：{section}（{code}）\n\
             水体：{water}（{kind}）\n\
             项目：{item}（{symbol}）\n\
             测值：{value}\n\
             类别：{class} 类，{status}\n\
             目标：{target} 类\n\
             采样时间：{when}（北京时间）\n\
             预警编号：{alert}\n\n\
             —— riverchief 河长制水质监管平台（系统自动发送，请勿直接回复）\n\n\
             ----\n\
             Water-quality alert #{alert}: {item_en} at section {code} ({water}) was {value} on {when} \
             (China Standard Time), class {class} under GB 3838-2002, {breach_en}.\n",
            water = self.water_body_name,
            section = self.section_name,
            code = self.section_code,
            item = info.name_zh,
            item_en = info.name_en,
            symbol = info.symbol,
            kind = self.water_body_kind.zh(),
            status = status.zh(),
            alert = self.alert_id,
        );
        NoticeText { subject, body }
    }
}

/// Everything a warning notice names: a warning raised, or grown graver, on a section.
#[derive(Debug, Clone)]
pub struct WarningNotice<'a> {
    pub alert_id: i32,
    pub chief_name: &'a str,
    pub chief_level: Option<ChiefLevel>,
    pub section_code: &'a str,
    pub section_name: &'a str,
    pub water_body_name: &'a str,
    /// e.g. `橙色预警`, `一级预警`.
    pub level_zh: &'a str,
    /// e.g. `orange`, `level1`.
    pub level_en: &'a str,
    /// e.g. `水质预警`.
    pub kind_zh: &'a str,
    /// Whether the warning was already raised and has grown graver.
    pub graver: bool,
    /// The warning's one-sentence summary (Chinese, then English).
    pub summary: &'a str,
}

impl WarningNotice<'_> {
    pub fn render(&self) -> NoticeText {
        let addressee = match self.chief_level {
            Some(level) => format!("{}（{}）", self.chief_name, level.zh()),
            None => self.chief_name.to_string(),
        };
        let action_en = if self.graver { "has grown graver: now" } else { "raised:" };
        let tag = if self.graver { format!("{}·升级", self.level_zh) } else { self.level_zh.to_string() };
        let subject = format!(
            "【{tag}】{}·{}断面（{}）{}",
            self.water_body_name, self.section_name, self.section_code, self.kind_zh
        );
        let headline = if self.graver {
            format!("的{}升级为{}", self.kind_zh, self.level_zh)
        } else {
            format!("发布{}：{}", self.kind_zh, self.level_zh)
        };
        let body = format!(
            "{addressee}您好：\n\n\
             {water}·{section}断面（{code}）{headline}。\n\n\
             {summary}\n\n\
             请关注该断面水质变化，组织排查可能的污染来源、采取防范措施，并在平台上确认本预警。\n\n\
             预警编号：{alert}\n\n\
             —— riverchief 河长制水质监管平台（系统自动发送，请勿直接回复）\n\n\
             ----\n\
             Early warning #{alert} at section {code} ({water}) {action_en} {level_en}.\n",
            water = self.water_body_name,
            section = self.section_name,
            code = self.section_code,
            summary = self.summary,
            alert = self.alert_id,
            level_en = self.level_en,
        );
        NoticeText { subject, body }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(parameter: Parameter, value: f64) -> Exceedance<'static> {
        let class = parameter.classify(value, WaterBodyKind::River).expect("classified");
        Exceedance {
            alert_id: 7,
            chief_name: "李示例",
            chief_level: Some(ChiefLevel::Village),
            section_code: "QYP-03",
            section_name: "青云谱桥",
            water_body_name: "抚河故道",
            water_body_kind: WaterBodyKind::River,
            parameter,
            value,
            below_detection: false,
            class,
            target: WaterClass::III,
            sampled_at: "2026-11-20T00:00:00Z".parse().expect("time"),
        }
    }

    #[test]
    fn an_ammonia_notice_names_section_value_class_limit_and_target() {
        let text = sample(Parameter::Nh3n, 1.62).render();
        assert_eq!(text.subject, "【水质超标】抚河故道·青云谱桥断面 氨氮 1.62 mg/L（V 类，目标 III 类）");
        for needle in [
            "李示例（村级河长）",
            "QYP-03",
            "1.62 mg/L",
            "V 类（中度污染）",
            "≤1 mg/L",
            "超标 0.62 倍",
            "2026-11-20 08:00",
            "河流",
        ] {
            assert!(text.body.contains(needle), "body lacks {needle}:\n{}", text.body);
        }
    }

    #[test]
    fn dissolved_oxygen_is_below_its_limit_not_above() {
        let text = sample(Parameter::Do, 2.5).render();
        assert!(text.body.contains("低于断面水质目标 III 类的限值 ≥5 mg/L"), "{}", text.body);
    }

    #[test]
    fn numbers_print_without_float_noise() {
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(1.0), "1");
        assert_eq!(format_number(0.00005), "0.00005");
    }

    #[test]
    fn a_warning_notice_names_the_level_the_section_and_whether_it_grew_graver() {
        let notice = WarningNotice {
            alert_id: 7,
            chief_name: "张三",
            chief_level: Some(ChiefLevel::Village),
            section_code: "QYP-09",
            section_name: "入象湖口",
            water_body_name: "桃花河",
            level_zh: "二级预警",
            level_en: "level2",
            kind_zh: "长江流域水环境质量监测预警",
            graver: false,
            summary: "当月 劣V 类",
        };
        let text = notice.clone().render();
        assert_eq!(text.subject, "【二级预警】桃花河·入象湖口断面（QYP-09）长江流域水环境质量监测预警");
        assert!(text.body.starts_with("张三（村级河长）您好："), "{}", text.body);
        assert!(text.body.contains("发布长江流域水环境质量监测预警：二级预警。"), "{}", text.body);
        assert!(text.body.contains("当月 劣V 类") && text.body.contains("预警编号：7"), "{}", text.body);
        let graver = WarningNotice { graver: true, level_zh: "一级预警", level_en: "level1", ..notice }.render();
        assert!(graver.subject.starts_with("【一级预警·升级】"), "{}", graver.subject);
        assert!(graver.body.contains("升级为一级预警"), "{}", graver.body);
        assert!(graver.body.contains("has grown graver: now level1"), "{}", graver.body);
    }
}
