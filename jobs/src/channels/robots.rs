//! Work-chat group robots: WeCom 群机器人, DingTalk 自定义机器人 and Feishu 自定义机器人 text messages, and
//! their replies. All three answer HTTP 200 with a code in the body; a non-zero code is a failure.
//!
//! - WeCom: <https://developer.work.weixin.qq.com/document/path/91770>. 20 messages a minute per robot;
//!   text up to 2048 bytes; mentions by mobile number (`mentioned_mobile_list`).
//! - DingTalk: <https://open.dingtalk.com/document/robots/custom-robot-access>, signing on
//!   <https://open.dingtalk.com/document/robots/customize-robot-security-settings>. 20 messages a minute per
//!   robot, then throttled for 10 minutes; mentions by mobile number (`at.atMobiles`).
//! - Feishu: <https://open.feishu.cn/document/ukTMukTMukTM/ucTM5YjL3ETO24yNxkjN>. 100 a minute and 5 a second
//!   per robot; body up to 20 KB; mentions by `open_id` only (`<at user_id="ou_…">`), not by mobile number.
//!
//! The webhook URL is taken as the robot's settings page shows it, credential included, so the same code
//! serves 政务钉钉 and private WeCom or Feishu deployments on their own hosts.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::{DeliveryError, ErrorKind, HttpRequest, Method, Provider, cn_mobile, hmac_sha256, percent_encode};

/// WeCom cuts text at 2048 bytes; we cut first, on a character boundary, and say so.
const WECOM_TEXT_BYTES: usize = 2048;

/// Whom a message should notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mention {
    /// By mobile number (WeCom, DingTalk).
    Mobile(String),
    /// By Feishu `open_id` (`ou_…`), with the name shown in the message (Feishu).
    FeishuUser { open_id: String, name: String },
    /// Everyone in the group.
    All,
}

/// A WeCom group robot text message. `webhook_url` is `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`.
pub fn wecom_text(webhook_url: &str, text: &str, mentions: &[Mention]) -> Result<HttpRequest, DeliveryError> {
    let mut mobiles = Vec::new();
    for mention in mentions {
        match mention {
            Mention::Mobile(raw) => mobiles.push(mobile(Provider::WeCom, raw)?),
            Mention::All => mobiles.push("@all".to_string()),
            Mention::FeishuUser { .. } => return Err(unsupported(Provider::WeCom, "a Feishu open_id")),
        }
    }
    let mut text_body = json!({ "content": truncate(text, WECOM_TEXT_BYTES) });
    if !mobiles.is_empty() {
        text_body["mentioned_mobile_list"] = json!(mobiles);
    }
    Ok(post(webhook_url.to_string(), &json!({ "msgtype": "text", "text": text_body })))
}

/// A DingTalk custom robot text message. `webhook_url` is `https://oapi.dingtalk.com/robot/send?access_token=…`
/// (or the 政务钉钉 equivalent). With a signing secret (`SEC…`), `timestamp` and `sign` are added for `now`.
pub fn dingtalk_text(
    webhook_url: &str,
    secret: Option<&str>,
    text: &str,
    mentions: &[Mention],
    now: DateTime<Utc>,
) -> Result<HttpRequest, DeliveryError> {
    let mut mobiles = Vec::new();
    let mut at_all = false;
    for mention in mentions {
        match mention {
            Mention::Mobile(raw) => mobiles.push(mobile(Provider::DingTalk, raw)?),
            Mention::All => at_all = true,
            Mention::FeishuUser { .. } => return Err(unsupported(Provider::DingTalk, "a Feishu open_id")),
        }
    }
    // DingTalk highlights an @ only where the text itself names the number.
    let mut content = text.to_string();
    for m in &mobiles {
        if !content.contains(&format!("@{m}")) {
            content.push_str(&format!(" @{m}"));
        }
    }
    let url = match secret {
        Some(secret) => {
            let timestamp = now.timestamp_millis();
            let separator = if webhook_url.contains('?') { '&' } else { '?' };
            format!("{webhook_url}{separator}timestamp={timestamp}&sign={}", dingtalk_sign(secret, timestamp))
        }
        None => webhook_url.to_string(),
    };
    let body = json!({
        "msgtype": "text",
        "text": { "content": content },
        "at": { "atMobiles": mobiles, "isAtAll": at_all },
    });
    Ok(post(url, &body))
}

/// DingTalk's `sign`: urlencode(base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret))), the
/// timestamp in milliseconds and within an hour of DingTalk's clock.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let digest = hmac_sha256(secret.as_bytes(), format!("{timestamp_ms}\n{secret}").as_bytes());
    percent_encode(&BASE64.encode(digest))
}

/// A Feishu custom robot text message. `webhook_url` is `https://open.feishu.cn/open-apis/bot/v2/hook/…`.
/// With a signing secret, `timestamp` and `sign` go in the body for `now`.
pub fn feishu_text(
    webhook_url: &str,
    secret: Option<&str>,
    text: &str,
    mentions: &[Mention],
    now: DateTime<Utc>,
) -> Result<HttpRequest, DeliveryError> {
    let mut content = String::new();
    for mention in mentions {
        match mention {
            Mention::FeishuUser { open_id, name } => {
                let valid = !open_id.is_empty() && open_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if !valid {
                    let message = format!("'{open_id}' is not a Feishu open_id");
                    return Err(DeliveryError::local(Provider::Feishu, "invalid_open_id", message));
                }
                let name: String = name.chars().filter(|c| !matches!(c, '<' | '>')).collect();
                content.push_str(&format!("<at user_id=\"{open_id}\">{name}</at> "));
            }
            Mention::All => content.push_str("<at user_id=\"all\">所有人</at> "),
            Mention::Mobile(_) => return Err(unsupported(Provider::Feishu, "a mobile number")),
        }
    }
    content.push_str(text);
    let mut body = json!({ "msg_type": "text", "content": { "text": content } });
    if let Some(secret) = secret {
        let timestamp = now.timestamp();
        body["timestamp"] = json!(timestamp.to_string());
        body["sign"] = json!(feishu_sign(secret, timestamp));
    }
    Ok(post(webhook_url.to_string(), &body))
}

/// Feishu's `sign`: base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty)), the timestamp in
/// seconds. Unlike DingTalk the string is the key, not the message; signing it as DingTalk does fails (19021).
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    BASE64.encode(hmac_sha256(format!("{timestamp_s}\n{secret}").as_bytes(), b""))
}

fn post(url: String, body: &serde_json::Value) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        url,
        headers: vec![("Content-Type".to_string(), "application/json; charset=utf-8".to_string())],
        body: body.to_string().into_bytes(),
    }
}

fn mobile(provider: Provider, raw: &str) -> Result<String, DeliveryError> {
    cn_mobile(raw).ok_or_else(|| {
        DeliveryError::local(provider, "invalid_phone", format!("'{raw}' is not a mainland mobile number"))
    })
}

fn unsupported(provider: Provider, what: &str) -> DeliveryError {
    let message = format!("{provider} robots cannot mention {what}");
    DeliveryError::local(provider, "mention_unsupported", message)
}

/// At most `max` bytes, cut on a character boundary, ending in `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[derive(Deserialize)]
struct ErrcodeReply {
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: String,
}

/// Reads a WeCom reply: `{"errcode":0,"errmsg":"ok"}`.
pub fn parse_wecom(status: u16, body: &[u8]) -> Result<(), DeliveryError> {
    parse_errcode(Provider::WeCom, status, body, classify_wecom)
}

/// Reads a DingTalk reply: `{"errcode":0,"errmsg":"ok"}`.
pub fn parse_dingtalk(status: u16, body: &[u8]) -> Result<(), DeliveryError> {
    parse_errcode(Provider::DingTalk, status, body, classify_dingtalk)
}

fn parse_errcode(
    provider: Provider,
    status: u16,
    body: &[u8],
    classify: fn(i64) -> ErrorKind,
) -> Result<(), DeliveryError> {
    match serde_json::from_slice::<ErrcodeReply>(body) {
        Ok(ErrcodeReply { errcode: Some(0), .. }) if (200..300).contains(&status) => Ok(()),
        Ok(ErrcodeReply { errcode: Some(code), errmsg }) if code != 0 => {
            Err(DeliveryError::new(classify(code), provider, code.to_string(), errmsg))
        }
        _ => Err(DeliveryError::from_status(provider, status, body)),
    }
}

#[derive(Deserialize)]
struct FeishuReply {
    code: Option<i64>,
    #[serde(default)]
    msg: String,
    /// Older replies carry only these.
    #[serde(rename = "StatusCode")]
    status_code: Option<i64>,
    #[serde(rename = "StatusMessage", default)]
    status_message: String,
}

/// Reads a Feishu reply: `{"code":0,"msg":"success","data":{}}`.
pub fn parse_feishu(status: u16, body: &[u8]) -> Result<(), DeliveryError> {
    let Ok(reply) = serde_json::from_slice::<FeishuReply>(body) else {
        return Err(DeliveryError::from_status(Provider::Feishu, status, body));
    };
    let (code, message) = match (reply.code, reply.status_code) {
        (Some(code), _) => (code, reply.msg),
        (None, Some(code)) => (code, reply.status_message),
        (None, None) => return Err(DeliveryError::from_status(Provider::Feishu, status, body)),
    };
    match code {
        0 if (200..300).contains(&status) => Ok(()),
        0 => Err(DeliveryError::from_status(Provider::Feishu, status, body)),
        code => Err(DeliveryError::new(classify_feishu(code), Provider::Feishu, code.to_string(), message)),
    }
}

/// WeCom: 93000 is a wrong or revoked key, 40008 an unknown message type, 44004 empty content, 40058 a bad
/// parameter. 45009 is the 20-a-minute limit, over within the minute, and -1 "system busy": retry.
pub fn classify_wecom(code: i64) -> ErrorKind {
    match code {
        93000 | 40008 | 44004 | 40058 => ErrorKind::Permanent,
        // 45009, -1, and codes we have not met (the message was not sent).
        _ => ErrorKind::Retryable,
    }
}

/// DingTalk: 310000 covers a failed keyword, signature or IP check (the message says which), 300001 a wrong
/// token; 130101 and 410100 ("send too fast, exceed 20 times per minute") close the robot for 10 minutes.
pub fn classify_dingtalk(code: i64) -> ErrorKind {
    match code {
        310000 | 300001 => ErrorKind::Permanent,
        130101 | 410100 => ErrorKind::Quota,
        _ => ErrorKind::Retryable,
    }
}

/// Feishu: 19021 signature or timestamp, 19022 IP, 19024 keyword, 9499 malformed or over 20 KB. 11232 is the
/// frequency limit, retried.
pub fn classify_feishu(code: i64) -> ErrorKind {
    match code {
        19021 | 19022 | 19024 | 9499 => ErrorKind::Permanent,
        // 11232, and codes we have not met (the message was not sent).
        _ => ErrorKind::Retryable,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn body(request: &HttpRequest) -> serde_json::Value {
        serde_json::from_slice(&request.body).unwrap()
    }

    fn at_ms(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(ms).single().unwrap()
    }

    #[test]
    fn a_wecom_text_mentions_chiefs_by_mobile_number_and_everyone_as_at_all() {
        let request = wecom_text(
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx",
            "抚河故道断面氨氮超标",
            &[Mention::Mobile("+86 138 0013 8000".into()), Mention::All],
        )
        .unwrap();
        assert_eq!(request.url, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx");
        assert_eq!(
            body(&request),
            json!({"msgtype": "text", "text": {"content": "抚河故道断面氨氮超标",
                "mentioned_mobile_list": ["13800138000", "@all"]}})
        );
    }

    #[test]
    fn a_wecom_text_longer_than_2048_bytes_is_cut_on_a_character_boundary() {
        let request = wecom_text("https://qyapi.weixin.qq.com/x?key=k", &"河".repeat(1000), &[]).unwrap();
        let content = body(&request)["text"]["content"].as_str().unwrap().to_string();
        assert!(content.len() <= 2048 && content.ends_with('…'), "{} bytes", content.len());
        assert_eq!(content.chars().filter(|c| *c == '河').count(), 681);
    }

    #[test]
    fn robots_refuse_mentions_they_cannot_make() {
        let feishu_user = Mention::FeishuUser { open_id: "ou_1".into(), name: "张三".into() };
        let err = wecom_text("https://w", "t", std::slice::from_ref(&feishu_user)).unwrap_err();
        assert_eq!(err.code(), "local.mention_unsupported");
        let err = dingtalk_text("https://d", None, "t", &[feishu_user], at_ms(0)).unwrap_err();
        assert_eq!(err.code(), "local.mention_unsupported");
        let err = feishu_text("https://f", None, "t", &[Mention::Mobile("13800138000".into())], at_ms(0)).unwrap_err();
        assert_eq!(err.code(), "local.mention_unsupported");
    }

    /// DingTalk's security page gives sample code, not a worked example with a fixed timestamp and result.
    /// The expected value is from jobs/scripts/channel_signatures.py (`dingtalk_sign`), which follows the
    /// page's Python sample (hmac, base64, urllib.parse.quote_plus).
    #[test]
    fn the_dingtalk_signature_matches_the_reference_script() {
        assert_eq!(
            dingtalk_sign("SECriverchiefexample0123456789abcdef", 1719799384123),
            "CV0IZNYoR9d%2Fty%2B8At1a2hbh4IKOTmiJfswQQKNox%2FM%3D"
        );
    }

    #[test]
    fn a_signed_dingtalk_text_carries_timestamp_and_sign_in_the_url_and_names_the_mentioned_numbers() {
        let request = dingtalk_text(
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            Some("SECriverchiefexample0123456789abcdef"),
            "抚河故道断面氨氮超标",
            &[Mention::Mobile("13800138000".into())],
            at_ms(1719799384123),
        )
        .unwrap();
        assert_eq!(
            request.url,
            "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1719799384123\
             &sign=CV0IZNYoR9d%2Fty%2B8At1a2hbh4IKOTmiJfswQQKNox%2FM%3D"
        );
        assert_eq!(
            body(&request),
            json!({"msgtype": "text", "text": {"content": "抚河故道断面氨氮超标 @13800138000"},
                "at": {"atMobiles": ["13800138000"], "isAtAll": false}})
        );
    }

    #[test]
    fn a_dingtalk_robot_on_another_host_without_a_secret_is_posted_as_configured() {
        let url = "https://zwding.example.gov.cn/robot/send?access_token=gov";
        let request = dingtalk_text(url, None, "巡河提醒", &[Mention::All], at_ms(0)).unwrap();
        assert_eq!(request.url, url);
        assert_eq!(body(&request)["at"], json!({"atMobiles": [], "isAtAll": true}));
    }

    /// Feishu's guide gives sample code, not a worked example with a fixed result. The expected value is from
    /// jobs/scripts/channel_signatures.py (`feishu_sign`): key `timestamp\nsecret`, empty message.
    #[test]
    fn the_feishu_signature_uses_timestamp_and_secret_as_the_key_and_matches_the_reference_script() {
        assert_eq!(feishu_sign("riverchiefFeishuExample", 1719799384), "xYpKJBuQ4cctA/JLR2xKQRIUiZu4OuW8LPzzcpLXlQc=");
        // Signing DingTalk's way (secret as key, string as message) gives something else, which Feishu rejects.
        let dingtalk_way =
            BASE64.encode(hmac_sha256(b"riverchiefFeishuExample", b"1719799384\nriverchiefFeishuExample"));
        assert_ne!(feishu_sign("riverchiefFeishuExample", 1719799384), dingtalk_way);
    }

    #[test]
    fn a_signed_feishu_text_puts_timestamp_and_sign_in_the_body_and_mentions_by_open_id() {
        let request = feishu_text(
            "https://open.feishu.cn/open-apis/bot/v2/hook/0a1b2c",
            Some("riverchiefFeishuExample"),
            "抚河故道断面氨氮超标",
            &[Mention::FeishuUser { open_id: "ou_5ad573a6411d72b8305fda3a9c15c70e".into(), name: "张<三>".into() }],
            at_ms(1719799384123),
        )
        .unwrap();
        assert_eq!(
            body(&request),
            json!({
                "msg_type": "text",
                "content": {"text": "<at user_id=\"ou_5ad573a6411d72b8305fda3a9c15c70e\">张三</at> 抚河故道断面氨氮超标"},
                "timestamp": "1719799384",
                "sign": "xYpKJBuQ4cctA/JLR2xKQRIUiZu4OuW8LPzzcpLXlQc=",
            })
        );
        let err = feishu_text(
            "https://f",
            None,
            "t",
            &[Mention::FeishuUser { open_id: "ou\" onclick=\"x".into(), name: "n".into() }],
            at_ms(0),
        )
        .unwrap_err();
        assert_eq!(err.code(), "local.invalid_open_id");
    }

    #[test]
    fn an_errcode_of_zero_is_success_and_any_other_is_a_failure_despite_http_200() {
        assert!(parse_wecom(200, br#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert!(parse_dingtalk(200, br#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert!(parse_feishu(200, br#"{"code":0,"msg":"success","data":{}}"#).is_ok());
        assert!(parse_feishu(200, br#"{"Extra":null,"StatusCode":0,"StatusMessage":"success"}"#).is_ok());

        let err = parse_wecom(200, br#"{"errcode":93000,"errmsg":"invalid webhook url, hint: [1719799384_11_xx]"}"#)
            .unwrap_err();
        assert!(
            matches!(&err, DeliveryError::Permanent(e) if e.code == "93000" && e.message.contains("invalid webhook"))
        );
    }

    #[test]
    fn rate_limits_are_retryable_on_wecom_and_feishu_and_close_a_dingtalk_robot_for_a_while() {
        let err = parse_wecom(200, br#"{"errcode":45009,"errmsg":"api freq out of limit"}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Retryable);
        let err = parse_dingtalk(200, br#"{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}"#)
            .unwrap_err();
        assert_eq!((err.kind(), err.code()), (ErrorKind::Quota, "130101"));
        let err = parse_feishu(200, br#"{"code":11232,"msg":"frequency limited","data":{}}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Retryable);
    }

    #[test]
    fn a_bad_signature_or_a_missing_keyword_is_permanent() {
        for reply in [
            &br#"{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}"#[..],
            br#"{"errcode":310000,"errmsg":"keywords not in content"}"#,
        ] {
            assert!(parse_dingtalk(200, reply).unwrap_err().is_permanent());
        }
        for reply in [
            &br#"{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time","data":{}}"#[..],
            br#"{"code":19024,"msg":"Key Words Not Found"}"#,
            br#"{"code":9499,"msg":"Bad Request","data":{}}"#,
        ] {
            assert!(parse_feishu(200, reply).unwrap_err().is_permanent());
        }
    }

    #[test]
    fn an_unreadable_or_5xx_reply_is_judged_by_its_status() {
        let err = parse_dingtalk(502, b"<html>502 Bad Gateway</html>").unwrap_err();
        assert_eq!((err.kind(), err.code()), (ErrorKind::Retryable, "http.502"));
        let err = parse_feishu(404, b"404 page not found").unwrap_err();
        assert_eq!((err.kind(), err.code()), (ErrorKind::Permanent, "http.404"));
    }
}
