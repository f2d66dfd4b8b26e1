//! A generic webhook for a bureau's own SMS or messaging gateway: we POST
//! `{"id","to","text","alert"}` and sign the exact body bytes with HMAC-SHA256 under a shared secret, in
//! `X-Riverchief-Signature` as lowercase hex. [`verify`] is the receiver's half.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::{DeliveryError, HttpRequest, Method, Provider, hmac_sha256};

pub const SIGNATURE_HEADER: &str = "X-Riverchief-Signature";

/// The body we POST. Receivers should treat `id` as an idempotency key: we may deliver the same notice twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookNotice {
    /// Our idempotency key, stable across retries, e.g. `notice-42`.
    pub id: String,
    /// The recipient: a mobile number, or whatever address the gateway understands.
    pub to: String,
    pub text: String,
    /// The alert this notice is about, if any.
    pub alert: Option<i64>,
}

/// The POST for `notice`, signed with `secret`.
pub fn request(url: &str, secret: &[u8], notice: &WebhookNotice) -> HttpRequest {
    // A struct of strings and an integer always serialises.
    let body = serde_json::to_vec(notice).unwrap_or_default();
    HttpRequest {
        method: Method::Post,
        url: url.to_string(),
        headers: vec![
            ("Content-Type".to_string(), "application/json; charset=utf-8".to_string()),
            (SIGNATURE_HEADER.to_string(), sign(secret, &body)),
            ("Idempotency-Key".to_string(), notice.id.clone()),
        ],
        body,
    }
}

/// Lowercase hex HMAC-SHA256 of `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    hex::encode(hmac_sha256(secret, body))
}

/// For receivers: whether `signature` (the header value) is ours for exactly these body bytes. Compare
/// before parsing the body. The comparison takes the same time wherever the first difference is.
pub fn verify(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let Ok(given) = hex::decode(signature.trim()) else {
        return false;
    };
    let expected = hmac_sha256(secret, body);
    // `ct_eq` on slices of different lengths is false without looking at the contents.
    expected.as_slice().ct_eq(&given).into()
}

/// A 2xx is delivery to the gateway; 408, 429 and 5xx may pass; any other status is a refusal.
pub fn parse_response(status: u16, body: &[u8]) -> Result<(), DeliveryError> {
    match status {
        200..=299 => Ok(()),
        _ => Err(DeliveryError::from_status(Provider::Webhook, status, body)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::ErrorKind;
    use super::*;

    const SECRET: &[u8] = b"whsec-riverchief-example";

    fn notice() -> WebhookNotice {
        WebhookNotice {
            id: "notice-42".into(),
            to: "13800138000".into(),
            text: "抚河故道断面氨氮超标".into(),
            alert: Some(7),
        }
    }

    /// Expected signature from jobs/scripts/channel_signatures.py (`robot_vectors`), Python's hmac module.
    #[test]
    fn the_body_and_signature_match_the_reference_script() {
        let request = request("https://gateway.example.gov.cn/notify", SECRET, &notice());
        assert_eq!(
            std::str::from_utf8(&request.body).unwrap(),
            r#"{"id":"notice-42","to":"13800138000","text":"抚河故道断面氨氮超标","alert":7}"#
        );
        assert_eq!(
            request.header(SIGNATURE_HEADER),
            Some("ddcc307af41cb4809919e5c4c97026ea882624c01b180a62613f5bc5fc87a1d9")
        );
        assert_eq!(request.header("Idempotency-Key"), Some("notice-42"));
        assert_eq!(request.method, Method::Post);
    }

    #[test]
    fn a_receiver_accepts_our_signature_on_the_exact_body() {
        let request = request("https://gateway.example.gov.cn/notify", SECRET, &notice());
        let signature = request.header(SIGNATURE_HEADER).unwrap();
        assert!(verify(SECRET, &request.body, signature));
        assert!(verify(SECRET, &request.body, &signature.to_uppercase()), "hex case is not part of the signature");
    }

    #[test]
    fn a_receiver_rejects_a_changed_body_another_secret_and_malformed_signatures() {
        let request = request("https://gateway.example.gov.cn/notify", SECRET, &notice());
        let signature = request.header(SIGNATURE_HEADER).unwrap().to_string();
        let changed = String::from_utf8(request.body.clone()).unwrap().replace("13800138000", "13900139000");
        assert!(!verify(SECRET, changed.as_bytes(), &signature));
        assert!(!verify(b"another-secret", &request.body, &signature));
        assert!(!verify(SECRET, &request.body, &signature[..62]));
        assert!(!verify(SECRET, &request.body, "not hex"));
        assert!(!verify(SECRET, &request.body, ""));
    }

    #[test]
    fn the_gateways_status_decides_the_outcome() {
        assert!(parse_response(204, b"").is_ok());
        assert_eq!(parse_response(429, b"slow down").unwrap_err().kind(), ErrorKind::Retryable);
        assert_eq!(parse_response(408, b"").unwrap_err().kind(), ErrorKind::Retryable);
        let err = parse_response(502, b"").unwrap_err();
        assert_eq!((err.kind(), err.error().may_have_sent), (ErrorKind::Retryable, true));
        let err = parse_response(400, b"unknown recipient").unwrap_err();
        assert_eq!((err.kind(), err.code()), (ErrorKind::Permanent, "http.400"));
    }
}
