//! The pure halves of the notification channels: each provider module builds an [`HttpRequest`] from plain
//! values and reads the reply from `(status, body)`. Nothing here opens a socket or reads the clock; the
//! caller passes the time, the nonce and the secrets, so every byte that is signed can be tested.
//!
//! Neither SMS API is idempotent: the idempotency key we pass (Aliyun `OutId`, Tencent `SessionContext`)
//! only comes back in receipts, it does not stop a second send. A failure with
//! [`ProviderError::may_have_sent`] set is one where the message may already be on its way.

pub mod aliyun;
pub mod budget;
pub mod robots;
pub mod tencent;
pub mod webhook;

use std::fmt;

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// The HTTP methods the providers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// A request ready to send. The `Host` header is not listed: it is the URL's host, which is what was signed.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Webhook URLs carry their credential (`key=`, `access_token=`, the Feishu hook id) and `Authorization`
/// is derived from a secret, so `Debug` shows where a request goes, never what authorises it.
impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = self.url.split_once("://").map_or("?", |(_, rest)| rest.split(['/', '?']).next().unwrap_or("?"));
        let headers: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("host", &origin)
            .field("headers", &headers)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// Who answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Aliyun,
    Tencent,
    Webhook,
    WeCom,
    DingTalk,
    Feishu,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aliyun => "aliyun",
            Self::Tencent => "tencent",
            Self::Webhook => "webhook",
            Self::WeCom => "wecom",
            Self::DingTalk => "dingtalk",
            Self::Feishu => "feishu",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the sender should do about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Will fail again however often it is sent: bad number, unapproved template or signature, bad credentials.
    Permanent,
    /// A sending limit or the balance is used up for now: send this notice by another channel.
    Quota,
    /// May succeed later on the same channel: throttling, provider faults, 5xx.
    Retryable,
}

/// One provider failure, with the provider's own code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    pub provider: Provider,
    /// The provider's code (`isv.MOBILE_NUMBER_ILLEGAL`, `LimitExceeded.PhoneNumberDailyLimit`, `310000`),
    /// `http.<status>` when the reply had none, or `local.<what>` when we refused before sending.
    pub code: String,
    pub message: String,
    /// The reply does not tell whether the message went out (a 5xx, an unreadable 200). Neither SMS API is
    /// idempotent, so a retry may deliver it twice; a receipt query by our idempotency key can tell.
    pub may_have_sent: bool,
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.provider, self.code, self.message)?;
        if self.may_have_sent { f.write_str(" (may have been sent)") } else { Ok(()) }
    }
}

/// A failed delivery, classified for the sender.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("permanent: {0}")]
    Permanent(ProviderError),
    #[error("quota: {0}")]
    Quota(ProviderError),
    #[error("retryable: {0}")]
    Retryable(ProviderError),
}

impl DeliveryError {
    pub fn new(kind: ErrorKind, provider: Provider, code: impl Into<String>, message: impl Into<String>) -> Self {
        let error = ProviderError { provider, code: code.into(), message: message.into(), may_have_sent: false };
        Self::of_kind(kind, error)
    }

    fn of_kind(kind: ErrorKind, error: ProviderError) -> Self {
        match kind {
            ErrorKind::Permanent => Self::Permanent(error),
            ErrorKind::Quota => Self::Quota(error),
            ErrorKind::Retryable => Self::Retryable(error),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Permanent(_) => ErrorKind::Permanent,
            Self::Quota(_) => ErrorKind::Quota,
            Self::Retryable(_) => ErrorKind::Retryable,
        }
    }

    pub fn error(&self) -> &ProviderError {
        match self {
            Self::Permanent(e) | Self::Quota(e) | Self::Retryable(e) => e,
        }
    }

    pub fn code(&self) -> &str {
        &self.error().code
    }

    pub fn is_permanent(&self) -> bool {
        self.kind() == ErrorKind::Permanent
    }

    /// A request we refuse to send (bad number, a URL in a template variable): nothing left our side.
    pub(crate) fn local(provider: Provider, what: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Permanent, provider, format!("local.{what}"), message)
    }

    /// A reply without a provider code we can read: judged by its HTTP status alone.
    pub(crate) fn from_status(provider: Provider, status: u16, body: &[u8]) -> Self {
        let (kind, may_have_sent) = match status {
            // The request did not get through, or was turned away before it was acted on.
            408 | 429 => (ErrorKind::Retryable, false),
            // The provider may have sent before failing, and a 2xx we cannot read may well be a success.
            200..=299 | 500..=599 => (ErrorKind::Retryable, true),
            _ => (ErrorKind::Permanent, false),
        };
        let message = String::from_utf8_lossy(body).chars().take(200).collect::<String>();
        let error = ProviderError { provider, code: format!("http.{status}"), message, may_have_sent };
        Self::of_kind(kind, error)
    }
}

/// RFC 3986 unreserved characters stay, everything else is percent-encoded (a space is `%20`, never `+`).
pub(crate) const RFC3986: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

pub(crate) fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, RFC3986).to_string()
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// A mainland China mobile number as 11 digits, from `13800138000`, `+86 138 0013 8000`, `8613800138000`
/// or `0086-13800138000`. Other numbers are not served by the domestic templates we use.
pub(crate) fn cn_mobile(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let national = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("0086"))
        .or_else(|| digits.strip_prefix("86").filter(|rest| rest.len() == 11))
        .unwrap_or(&digits);
    let valid = national.len() == 11 && national.starts_with('1') && national.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| national.to_string())
}

/// Both SMS providers reject template variables holding links (Aliyun `isv.PARAM_NOT_SUPPORT_URL`, Tencent
/// `InvalidParameterValue.ProhibitedUseUrlInTemplateParameter`); refusing here saves a round trip and says why.
pub(crate) fn check_template_value(provider: Provider, name: &str, value: &str) -> Result<(), DeliveryError> {
    let lower = value.to_ascii_lowercase();
    if lower.contains("://") || lower.contains("www.") {
        return Err(DeliveryError::local(
            provider,
            "url_in_template_param",
            format!("template variable '{name}' looks like a link; SMS template variables may not contain URLs"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainland_mobile_numbers_are_read_in_every_usual_spelling() {
        for raw in ["13800138000", "+8613800138000", "+86 138 0013 8000", "8613800138000", "0086-13800138000"] {
            assert_eq!(cn_mobile(raw).as_deref(), Some("13800138000"), "{raw}");
        }
    }

    #[test]
    fn landlines_short_numbers_and_foreign_numbers_are_not_mobile_numbers() {
        for raw in ["0791-88888888", "1380013800", "23800138000", "+85291234567", "1380013800a", ""] {
            assert_eq!(cn_mobile(raw), None, "{raw}");
        }
    }

    #[test]
    fn a_link_in_a_template_variable_is_refused_before_sending() {
        let err = check_template_value(Provider::Aliyun, "detail", "详见 https://example.org/a").unwrap_err();
        assert_eq!(err.code(), "local.url_in_template_param");
        assert!(err.is_permanent());
        assert!(check_template_value(Provider::Aliyun, "detail", "WWW.example.org").is_err());
        assert!(check_template_value(Provider::Aliyun, "section", "抚河故道 1 号断面").is_ok());
    }

    #[test]
    fn rfc3986_encoding_keeps_unreserved_characters_and_writes_spaces_as_percent_20() {
        assert_eq!(percent_encode("a-b_c.d~e f*g+h/i"), "a-b_c.d~e%20f%2Ag%2Bh%2Fi");
        assert_eq!(percent_encode("河"), "%E6%B2%B3");
    }

    #[test]
    fn a_reply_without_a_code_is_judged_by_its_status() {
        let e = DeliveryError::from_status(Provider::Tencent, 502, b"<html>bad gateway</html>");
        assert_eq!((e.kind(), e.code(), e.error().may_have_sent), (ErrorKind::Retryable, "http.502", true));
        let e = DeliveryError::from_status(Provider::Tencent, 429, b"");
        assert_eq!((e.kind(), e.error().may_have_sent), (ErrorKind::Retryable, false));
        let e = DeliveryError::from_status(Provider::Tencent, 404, b"not found");
        assert_eq!(e.kind(), ErrorKind::Permanent);
        let e = DeliveryError::from_status(Provider::Tencent, 200, b"not json");
        assert_eq!((e.kind(), e.error().may_have_sent), (ErrorKind::Retryable, true));
    }

    #[test]
    fn debug_output_of_a_request_hides_the_webhook_key_and_the_authorization_value() {
        let request = HttpRequest {
            method: Method::Post,
            url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=very-secret-key".into(),
            headers: vec![("Authorization".into(), "TC3-HMAC-SHA256 Signature=abc".into())],
            body: b"{}".to_vec(),
        };
        let shown = format!("{request:?}");
        assert!(shown.contains("qyapi.weixin.qq.com"), "{shown}");
        assert!(!shown.contains("very-secret-key") && !shown.contains("Signature=abc"), "{shown}");
        assert_eq!(request.header("authorization"), Some("TC3-HMAC-SHA256 Signature=abc"));
    }
}
