//! Tencent Cloud SMS, API version 2021-01-11 on `sms.tencentcloudapi.com`: `SendSms` and `PullSmsSendStatus`
//! requests signed with TC3-HMAC-SHA256, and their replies.
//!
//! Signature: 签名方法 v3, the same page under every product, e.g. <https://cloud.tencent.com/document/api/362/4208>.
//! SendSms (发送短信): <https://cloud.tencent.com/document/api/382/55981>; PullSmsSendStatus:
//! <https://cloud.tencent.com/document/product/382/55977>; error codes:
//! <https://cloud.tencent.com/document/api/382/59177>.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{
    DeliveryError, ErrorKind, HttpRequest, Method, Provider, check_template_value, cn_mobile, hmac_sha256, sha256_hex,
};

pub const ENDPOINT: &str = "sms.tencentcloudapi.com";
pub const SERVICE: &str = "sms";
pub const VERSION: &str = "2021-01-11";
const ALGORITHM: &str = "TC3-HMAC-SHA256";
const CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// SendSms takes at most 200 numbers a request.
const MAX_NUMBERS: usize = 200;

/// A Tencent Cloud SMS application, loaded once from configuration.
#[derive(Clone, Debug)]
pub struct TencentSettings {
    pub secret_id: String,
    pub secret_key: SecretString,
    /// Usually [`ENDPOINT`].
    pub endpoint: String,
    /// e.g. `ap-guangzhou`; sent as `X-TC-Region`.
    pub region: String,
    /// The SMS application, e.g. `1400006666`.
    pub sms_sdk_app_id: String,
    /// The approved signature (签名), e.g. `青云谱区河长办`.
    pub sign_name: String,
}

/// What TC3-HMAC-SHA256 signs for a JSON POST: `content-type`, `host` and `x-tc-action` are the signed headers.
#[derive(Debug, Clone)]
pub struct Tc3Request<'a> {
    pub host: &'a str,
    /// The product, e.g. `sms`; part of the credential scope.
    pub service: &'a str,
    pub action: &'a str,
    pub at: DateTime<Utc>,
    /// The exact body bytes that will be sent.
    pub payload: &'a [u8],
}

/// Every intermediate value of the signature, so tests can compare each step with the documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tc3Signature {
    pub hashed_payload: String,
    pub canonical_request: String,
    pub hashed_canonical_request: String,
    /// `date/service/tc3_request`, the date in UTC.
    pub credential_scope: String,
    pub string_to_sign: String,
    pub signature: String,
    pub authorization: String,
}

/// Signs `request` with the SecretKey.
pub fn sign(request: &Tc3Request<'_>, secret_id: &str, secret_key: &str) -> Tc3Signature {
    let hashed_payload = sha256_hex(request.payload);
    let canonical_headers =
        format!("content-type:{CONTENT_TYPE}\nhost:{}\nx-tc-action:{}\n", request.host, request.action.to_lowercase());
    let signed_headers = "content-type;host;x-tc-action";
    // POST: the canonical query string is empty.
    let canonical_request = ["POST", "/", "", &canonical_headers, signed_headers, &hashed_payload].join("\n");
    let hashed_canonical_request = sha256_hex(canonical_request.as_bytes());

    // The date must be the UTC date of the timestamp, or requests fail between 00:00 and 08:00 in China.
    let date = request.at.format("%Y-%m-%d").to_string();
    let credential_scope = format!("{date}/{}/tc3_request", request.service);
    let string_to_sign =
        format!("{ALGORITHM}\n{}\n{credential_scope}\n{hashed_canonical_request}", request.at.timestamp());

    let secret_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac_sha256(&secret_date, request.service.as_bytes());
    let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
    let signature = hex::encode(hmac_sha256(&secret_signing, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={secret_id}/{credential_scope}, SignedHeaders={signed_headers}, Signature={signature}"
    );
    Tc3Signature {
        hashed_payload,
        canonical_request,
        hashed_canonical_request,
        credential_scope,
        string_to_sign,
        signature,
        authorization,
    }
}

/// One SMS, to one or more numbers.
#[derive(Debug, Clone)]
pub struct SendSms<'a> {
    pub phones: &'a [&'a str],
    /// The approved template, e.g. `1234567`.
    pub template_id: &'a str,
    /// Template variables in template order. Values may not contain links.
    pub params: &'a [&'a str],
    /// Our idempotency key; Tencent hands it back in receipts but does not deduplicate on it.
    pub session_context: &'a str,
}

/// The body, field for field as Tencent documents it; the order is the signed byte order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SendSmsBody<'a> {
    phone_number_set: Vec<String>,
    sms_sdk_app_id: &'a str,
    sign_name: &'a str,
    template_id: &'a str,
    template_param_set: &'a [&'a str],
    session_context: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PullBody<'a> {
    sms_sdk_app_id: &'a str,
    limit: u32,
}

impl TencentSettings {
    /// `SendSms`, signed at `at`. Numbers are sent as E.164 (`+8613800138000`).
    pub fn send_sms(&self, sms: &SendSms<'_>, at: DateTime<Utc>) -> Result<HttpRequest, DeliveryError> {
        if sms.phones.is_empty() || sms.phones.len() > MAX_NUMBERS {
            let message = format!("{} numbers; SendSms takes 1 to {MAX_NUMBERS}", sms.phones.len());
            return Err(DeliveryError::local(Provider::Tencent, "phone_count", message));
        }
        let phones = sms
            .phones
            .iter()
            .map(|raw| {
                cn_mobile(raw).map(|national| format!("+86{national}")).ok_or_else(|| {
                    let message = format!("'{raw}' is not a mainland mobile number");
                    DeliveryError::local(Provider::Tencent, "invalid_phone", message)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (i, value) in sms.params.iter().enumerate() {
            check_template_value(Provider::Tencent, &format!("{{{}}}", i + 1), value)?;
        }
        let body = SendSmsBody {
            phone_number_set: phones,
            sms_sdk_app_id: &self.sms_sdk_app_id,
            sign_name: &self.sign_name,
            template_id: sms.template_id,
            template_param_set: sms.params,
            session_context: sms.session_context,
        };
        Ok(self.request("SendSms", &body, at))
    }

    /// `PullSmsSendStatus`: up to `limit` (at most 100) receipts not pulled before, for the whole application.
    pub fn pull_sms_send_status(&self, limit: u32, at: DateTime<Utc>) -> HttpRequest {
        self.request("PullSmsSendStatus", &PullBody { sms_sdk_app_id: &self.sms_sdk_app_id, limit: limit.min(100) }, at)
    }

    fn request(&self, action: &str, body: &impl Serialize, at: DateTime<Utc>) -> HttpRequest {
        // Serialising structs of strings and numbers cannot fail.
        let payload = serde_json::to_vec(body).unwrap_or_default();
        let signed = sign(
            &Tc3Request { host: &self.endpoint, service: SERVICE, action, at, payload: &payload },
            &self.secret_id,
            self.secret_key.expose_secret(),
        );
        HttpRequest {
            method: Method::Post,
            url: format!("https://{}/", self.endpoint),
            headers: vec![
                ("Authorization".to_string(), signed.authorization),
                ("Content-Type".to_string(), CONTENT_TYPE.to_string()),
                ("X-TC-Action".to_string(), action.to_string()),
                ("X-TC-Timestamp".to_string(), at.timestamp().to_string()),
                ("X-TC-Version".to_string(), VERSION.to_string()),
                ("X-TC-Region".to_string(), self.region.clone()),
            ],
            body: payload,
        }
    }
}

/// Tencent accepted the SMS for this number; delivery is reported later (see [`parse_pull_sms_send_status`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// 发送流水号: names this send in receipts.
    pub serial_no: String,
    /// Billed messages (a long text counts several).
    pub fee: u32,
}

/// The outcome for one number of a `SendSms` request: each number succeeds or fails on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberOutcome {
    /// E.164, as Tencent echoes it.
    pub phone: String,
    pub result: Result<Accepted, DeliveryError>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(rename = "Response")]
    response: Response<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response<T> {
    error: Option<ErrorBody>,
    #[serde(default)]
    request_id: String,
    #[serde(flatten)]
    rest: Option<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody {
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendReply {
    // Required: a reply without it and without an error says nothing about the numbers.
    send_status_set: Vec<SendStatusDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendStatusDto {
    #[serde(default)]
    serial_no: String,
    #[serde(default)]
    phone_number: String,
    #[serde(default)]
    fee: u32,
    code: String,
    #[serde(default)]
    message: String,
}

/// Reads a `SendSms` reply. `Err` is a failure of the whole request (`Response.Error`); otherwise each number
/// has its own outcome, `Code` `Ok` being acceptance.
pub fn parse_send_sms(status: u16, body: &[u8]) -> Result<Vec<NumberOutcome>, DeliveryError> {
    let reply: SendReply = read(status, body)?;
    Ok(reply
        .send_status_set
        .into_iter()
        .map(|s| NumberOutcome {
            result: if s.code == "Ok" {
                Ok(Accepted { serial_no: s.serial_no, fee: s.fee })
            } else {
                Err(DeliveryError::new(classify(&s.code), Provider::Tencent, s.code, s.message))
            },
            phone: s.phone_number,
        })
        .collect())
}

/// One delivery receipt from `PullSmsSendStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub serial_no: String,
    /// E.164.
    pub phone_number: String,
    /// `ReportStatus` `SUCCESS`: the handset has it.
    pub delivered: bool,
    /// The carrier's word, e.g. `DELIVRD`.
    pub description: String,
    /// When the handset received it, Unix seconds.
    pub user_receive_time: Option<i64>,
    /// Our idempotency key, as sent.
    pub session_context: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PullReply {
    pull_sms_send_status_set: Vec<ReceiptDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReceiptDto {
    #[serde(default)]
    serial_no: String,
    #[serde(default)]
    phone_number: String,
    #[serde(default)]
    report_status: String,
    #[serde(default)]
    description: String,
    user_receive_time: Option<i64>,
    #[serde(default)]
    session_context: String,
}

/// Reads a `PullSmsSendStatus` reply.
pub fn parse_pull_sms_send_status(status: u16, body: &[u8]) -> Result<Vec<Receipt>, DeliveryError> {
    let reply: PullReply = read(status, body)?;
    Ok(reply
        .pull_sms_send_status_set
        .into_iter()
        .map(|r| Receipt {
            serial_no: r.serial_no,
            phone_number: r.phone_number,
            delivered: r.report_status == "SUCCESS",
            description: r.description,
            user_receive_time: r.user_receive_time,
            session_context: r.session_context,
        })
        .collect())
}

/// Tencent answers HTTP 200 with `Response.Error` for failures of the whole request.
fn read<T: serde::de::DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, DeliveryError> {
    let Ok(Envelope { response }) = serde_json::from_slice::<Envelope<T>>(body) else {
        return Err(DeliveryError::from_status(Provider::Tencent, status, body));
    };
    if let Some(error) = response.error {
        let message = format!("{} (RequestId {})", error.message, response.request_id);
        return Err(DeliveryError::new(classify(&error.code), Provider::Tencent, error.code, message));
    }
    match response.rest {
        Some(rest) if (200..300).contains(&status) => Ok(rest),
        _ => Err(DeliveryError::from_status(Provider::Tencent, status, body)),
    }
}

/// Sorts Tencent's codes, from the SMS error code list (cloud.tencent.com/document/api/382/59177) and the
/// API 3.0 common codes.
pub fn classify(code: &str) -> ErrorKind {
    match code {
        // Too many numbers in one request: the request is wrong, not the moment.
        "LimitExceeded.PhoneNumberCountLimit" => ErrorKind::Permanent,
        // Per-number (30 s, 1 h, day, same content), per-app and delivery-frequency limits; the SMS package
        // is used up or the account is in arrears: send this notice by another channel.
        c if c.starts_with("LimitExceeded.") => ErrorKind::Quota,
        "FailedOperation.InsufficientBalanceInSmsPackage" | "UnauthorizedOperation.ServiceSuspendDueToArrears" => {
            ErrorKind::Quota
        }
        // Tencent's side, or API throttling; an expired signature is re-made with a new timestamp on retry.
        c if c.starts_with("InternalError") || c.starts_with("RequestLimitExceeded") => ErrorKind::Retryable,
        "AuthFailure.SignatureExpire" | "ResourceUnavailable" | "FailedOperation.ServiceBusy" => ErrorKind::Retryable,
        // What we sent was wrong: number, template, signature, variables, content, credentials, permissions.
        c if c.starts_with("InvalidParameterValue.")
            || c.starts_with("InvalidParameter")
            || c.starts_with("FailedOperation.")
            || c.starts_with("UnauthorizedOperation.")
            || c.starts_with("AuthFailure.")
            || c.starts_with("UnsupportedOperation.")
            || c.starts_with("MissingParameter")
            || c.starts_with("UnknownParameter")
            || c == "InvalidAction"
            || c == "UnsupportedRegion" =>
        {
            ErrorKind::Permanent
        }
        // A code we have not met still says the message was not sent: try again, within the sender's limit.
        _ => ErrorKind::Retryable,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(timestamp: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(timestamp, 0).single().unwrap()
    }

    /// Tencent's worked example on the 签名方法 v3 page (CVM DescribeInstances, Guangzhou, timestamp
    /// 1551113065), with the page's masked credentials taken literally. The published values: the payload
    /// hash, the canonical request, its hash, the string to sign, the signature and the Authorization header.
    #[test]
    fn the_documented_tc3_example_signs_to_the_published_hashes_string_and_signature() {
        let payload = br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        let signed = sign(
            &Tc3Request {
                host: "cvm.tencentcloudapi.com",
                service: "cvm",
                action: "DescribeInstances",
                at: at(1551113065),
                payload,
            },
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
            "Gu5t9xGARNpq86cd98joQYCN3*******",
        );
        assert_eq!(signed.hashed_payload, "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064");
        assert_eq!(
            signed.canonical_request,
            "POST\n\
             /\n\
             \n\
             content-type:application/json; charset=utf-8\n\
             host:cvm.tencentcloudapi.com\n\
             x-tc-action:describeinstances\n\
             \n\
             content-type;host;x-tc-action\n\
             35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(signed.hashed_canonical_request, "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84");
        assert_eq!(signed.credential_scope, "2019-02-25/cvm/tc3_request");
        assert_eq!(
            signed.string_to_sign,
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
             7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
        );
        assert_eq!(signed.signature, "be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3");
        assert_eq!(
            signed.authorization,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host;x-tc-action, \
             Signature=be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3"
        );
    }

    #[test]
    fn the_credential_date_is_the_utc_date_even_after_midnight_in_china() {
        // 2019-02-26 00:44:25 in Beijing is still the 25th in UTC, as the documentation warns.
        let signed = sign(
            &Tc3Request { host: ENDPOINT, service: SERVICE, action: "SendSms", at: at(1551113065), payload: b"{}" },
            "id",
            "key",
        );
        assert_eq!(signed.credential_scope, "2019-02-25/sms/tc3_request");
    }

    fn settings() -> TencentSettings {
        TencentSettings {
            secret_id: "AKIDRiverchiefExample".into(),
            secret_key: SecretString::from("RiverchiefExampleSecretKey"),
            endpoint: ENDPOINT.into(),
            region: "ap-guangzhou".into(),
            sms_sdk_app_id: "1400006666".into(),
            sign_name: "青云谱区河长办".into(),
        }
    }

    /// Expected body and signature from jobs/scripts/channel_signatures.py (`tencent_send_sms_vector`), an
    /// independent Python implementation that first reproduces the documented example.
    #[test]
    fn send_sms_posts_e164_numbers_and_the_session_context_signed_as_the_reference_script_does() {
        let request = settings()
            .send_sms(
                &SendSms {
                    phones: &["13800138000"],
                    template_id: "1234567",
                    params: &["抚河故道", "劣Ⅴ类"],
                    session_context: "notice-42",
                },
                at(1719799384),
            )
            .unwrap();
        assert_eq!(request.url, "https://sms.tencentcloudapi.com/");
        assert_eq!(
            std::str::from_utf8(&request.body).unwrap(),
            r#"{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","SignName":"青云谱区河长办","TemplateId":"1234567","TemplateParamSet":["抚河故道","劣Ⅴ类"],"SessionContext":"notice-42"}"#
        );
        assert_eq!(
            request.header("Authorization"),
            Some(
                "TC3-HMAC-SHA256 Credential=AKIDRiverchiefExample/2024-07-01/sms/tc3_request, \
                 SignedHeaders=content-type;host;x-tc-action, \
                 Signature=aaa9f8328d62f3c8a70d3a3985ef5149db304f91b4fddba108e7896be941b06c"
            )
        );
        assert_eq!(request.header("Content-Type"), Some("application/json; charset=utf-8"));
        assert_eq!(request.header("X-TC-Action"), Some("SendSms"));
        assert_eq!(request.header("X-TC-Version"), Some("2021-01-11"));
        assert_eq!(request.header("X-TC-Timestamp"), Some("1719799384"));
        assert_eq!(request.header("X-TC-Region"), Some("ap-guangzhou"));
    }

    #[test]
    fn a_bad_number_a_link_or_too_many_numbers_are_refused_before_sending() {
        let sms = |phones, params| SendSms { phones, template_id: "1", params, session_context: "n-1" };
        let err = settings().send_sms(&sms(&["138001380"], &[]), at(0)).unwrap_err();
        assert_eq!(err.code(), "local.invalid_phone");
        let err = settings().send_sms(&sms(&["13800138000"], &["https://t.cn/abc"]), at(0)).unwrap_err();
        assert_eq!(err.code(), "local.url_in_template_param");
        let many = vec!["13800138000"; 201];
        assert_eq!(settings().send_sms(&sms(&many, &[]), at(0)).unwrap_err().code(), "local.phone_count");
        assert_eq!(settings().send_sms(&sms(&[], &[]), at(0)).unwrap_err().code(), "local.phone_count");
    }

    #[test]
    fn pull_sms_send_status_asks_for_at_most_a_hundred_receipts() {
        let request = settings().pull_sms_send_status(500, at(1719799384));
        assert_eq!(request.body, br#"{"SmsSdkAppId":"1400006666","Limit":100}"#);
        assert_eq!(request.header("X-TC-Action"), Some("PullSmsSendStatus"));
    }

    #[test]
    fn each_number_of_a_send_succeeds_or_fails_on_its_own() {
        let body = r#"{"Response": {"SendStatusSet": [
            {"SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": "+8613800138000", "Fee": 1,
             "SessionContext": "notice-42", "Code": "Ok", "Message": "send success", "IsoCode": "CN"},
            {"SerialNo": "", "PhoneNumber": "+8613900139000", "Fee": 0, "SessionContext": "notice-42",
             "Code": "InvalidParameterValue.IncorrectPhoneNumber", "Message": "incorrect number format", "IsoCode": "CN"},
            {"SerialNo": "", "PhoneNumber": "+8613700137000", "Fee": 0, "SessionContext": "notice-42",
             "Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "the number has reached its daily limit", "IsoCode": "CN"}
          ], "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#;
        let outcomes = parse_send_sms(200, body.as_bytes()).unwrap();
        assert_eq!(outcomes.len(), 3);
        assert_eq!(outcomes[0].phone, "+8613800138000");
        assert_eq!(outcomes[0].result, Ok(Accepted { serial_no: "5000:1045710669157053657849499619".into(), fee: 1 }));
        let kinds: Vec<_> = outcomes[1..].iter().map(|o| o.result.as_ref().unwrap_err().kind()).collect();
        assert_eq!(kinds, [ErrorKind::Permanent, ErrorKind::Quota]);
        assert_eq!(outcomes[1].result.as_ref().unwrap_err().code(), "InvalidParameterValue.IncorrectPhoneNumber");
    }

    #[test]
    fn a_bad_signature_fails_the_whole_request_permanently_though_the_status_is_200() {
        let body = br#"{"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
            "Message": "The provided credentials could not be validated."}, "RequestId": "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"}}"#;
        let err = parse_send_sms(200, body).unwrap_err();
        assert!(matches!(&err, DeliveryError::Permanent(e) if e.code == "AuthFailure.SignatureFailure"
            && e.message.contains("ed93f3cb")));
    }

    #[test]
    fn a_200_reply_without_per_number_results_leaves_the_outcome_open() {
        let err = parse_send_sms(200, br#"{"Response": {"RequestId": "r"}}"#).unwrap_err();
        assert_eq!((err.kind(), err.error().may_have_sent), (ErrorKind::Retryable, true));
    }

    #[test]
    fn template_signature_and_number_codes_are_permanent() {
        for code in [
            "InvalidParameterValue.IncorrectPhoneNumber",
            "FailedOperation.TemplateIncorrectOrUnapproved",
            "FailedOperation.SignatureIncorrectOrUnapproved",
            "FailedOperation.PhoneNumberInBlacklist",
            "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
            "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
            "LimitExceeded.PhoneNumberCountLimit",
        ] {
            assert_eq!(classify(code), ErrorKind::Permanent, "{code}");
        }
    }

    #[test]
    fn number_app_and_package_limits_are_quota() {
        for code in [
            "LimitExceeded.PhoneNumberDailyLimit",
            "LimitExceeded.PhoneNumberThirtySecondLimit",
            "LimitExceeded.PhoneNumberOneHourLimit",
            "LimitExceeded.PhoneNumberSameContentDailyLimit",
            "LimitExceeded.DeliveryFrequencyLimit",
            "LimitExceeded.AppDailyLimit",
            "FailedOperation.InsufficientBalanceInSmsPackage",
        ] {
            assert_eq!(classify(code), ErrorKind::Quota, "{code}");
        }
    }

    #[test]
    fn internal_errors_and_api_throttling_are_retryable() {
        for code in ["InternalError.Timeout", "InternalError.OtherError", "InternalError", "RequestLimitExceeded"] {
            assert_eq!(classify(code), ErrorKind::Retryable, "{code}");
        }
        let body = br#"{"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "too many requests"}, "RequestId": "r"}}"#;
        assert_eq!(parse_send_sms(200, body).unwrap_err().kind(), ErrorKind::Retryable);
        let err = parse_send_sms(504, b"").unwrap_err();
        assert_eq!((err.kind(), err.error().may_have_sent), (ErrorKind::Retryable, true));
    }

    #[test]
    fn receipts_tell_delivered_from_failed_and_carry_our_session_context() {
        let body = r#"{"Response": {"PullSmsSendStatusSet": [
            {"Description": "DELIVRD", "CountryCode": "86", "SubscriberNumber": "13800138000",
             "ReportStatus": "SUCCESS", "PhoneNumber": "+8613800138000",
             "SerialNo": "5000:1045710669157053657849499619", "UserReceiveTime": 1620734188, "SessionContext": "notice-42"},
            {"Description": "MK:0001", "CountryCode": "86", "SubscriberNumber": "13900139000",
             "ReportStatus": "FAIL", "PhoneNumber": "+8613900139000",
             "SerialNo": "5000:1045710669157053657849499620", "UserReceiveTime": null, "SessionContext": "notice-43"}
          ], "RequestId": "b5b41468-520d-4192-b42f-595cc34b6c1c"}}"#;
        let receipts = parse_pull_sms_send_status(200, body.as_bytes()).unwrap();
        let summary: Vec<_> =
            receipts.iter().map(|r| (r.session_context.as_str(), r.delivered, r.user_receive_time)).collect();
        assert_eq!(summary, [("notice-42", true, Some(1620734188)), ("notice-43", false, None)]);
        assert_eq!(receipts[1].description, "MK:0001");
    }
}
