//! Aliyun (Alibaba Cloud) SMS, API version 2017-05-25 on `dysmsapi.aliyuncs.com`: `SendSms` and
//! `QuerySendDetails` requests signed with the V3 signature ACS3-HMAC-SHA256, and their replies.
//!
//! Signature: <https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature>
//! (中文: <https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature>).
//! Error codes: <https://help.aliyun.com/document_detail/101346.html> (短信服务 API 错误码).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{
    DeliveryError, ErrorKind, HttpRequest, Method, Provider, check_template_value, cn_mobile, hmac_sha256,
    percent_encode, sha256_hex,
};

pub const ENDPOINT: &str = "dysmsapi.aliyuncs.com";
pub const VERSION: &str = "2017-05-25";
const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// An Aliyun SMS account, loaded once from configuration.
#[derive(Clone, Debug)]
pub struct AliyunSettings {
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    /// Usually [`ENDPOINT`].
    pub endpoint: String,
    /// The approved signature (签名), e.g. `青云谱区河长办`.
    pub sign_name: String,
}

/// What ACS3-HMAC-SHA256 signs. `query` is unencoded; [`sign`] encodes and sorts it.
#[derive(Debug, Clone)]
pub struct Acs3Request<'a> {
    pub method: Method,
    pub host: &'a str,
    /// `/` for RPC-style APIs such as SMS.
    pub canonical_uri: &'a str,
    pub query: &'a [(String, String)],
    pub action: &'a str,
    pub version: &'a str,
    pub date: DateTime<Utc>,
    /// A fresh random value per request: Aliyun rejects a nonce it has seen (`SignatureNonceUsed`).
    pub nonce: &'a str,
    pub body: &'a [u8],
}

/// Every intermediate value of the signature, so tests can compare each step with the documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acs3Signature {
    pub canonical_query: String,
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signed_headers: String,
    pub signature: String,
    pub authorization: String,
    /// The signed `x-acs-*` headers, to send as they were signed.
    pub headers: Vec<(String, String)>,
}

/// Signs `request` with the AccessKey secret.
pub fn sign(request: &Acs3Request<'_>, access_key_id: &str, access_key_secret: &str) -> Acs3Signature {
    let mut query: Vec<(String, String)> =
        request.query.iter().map(|(k, v)| (percent_encode(k), percent_encode(v))).collect();
    query.sort();
    let canonical_query = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");

    let hashed_payload = sha256_hex(request.body);
    let headers = vec![
        ("x-acs-action".to_string(), request.action.to_string()),
        ("x-acs-content-sha256".to_string(), hashed_payload.clone()),
        ("x-acs-date".to_string(), request.date.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        ("x-acs-signature-nonce".to_string(), request.nonce.to_string()),
        ("x-acs-version".to_string(), request.version.to_string()),
    ];
    // Canonical headers: host and every x-acs-* header, lowercased, trimmed, sorted by name.
    let mut signed: Vec<(String, String)> = headers.clone();
    signed.push(("host".to_string(), request.host.to_string()));
    signed.sort();
    let canonical_headers: String = signed.iter().map(|(k, v)| format!("{k}:{}\n", v.trim())).collect();
    let signed_headers = signed.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");

    let canonical_request = [
        request.method.as_str(),
        request.canonical_uri,
        &canonical_query,
        &canonical_headers,
        &signed_headers,
        &hashed_payload,
    ]
    .join("\n");
    let string_to_sign = format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()));
    let signature = hex::encode(hmac_sha256(access_key_secret.as_bytes(), string_to_sign.as_bytes()));
    let authorization =
        format!("{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}");
    Acs3Signature {
        canonical_query,
        canonical_request,
        string_to_sign,
        signed_headers,
        signature,
        authorization,
        headers,
    }
}

/// One SMS to one number.
#[derive(Debug, Clone)]
pub struct SendSms<'a> {
    pub phone: &'a str,
    /// The approved template, e.g. `SMS_123456789`.
    pub template_code: &'a str,
    /// Template variables by name. Values may not contain links.
    pub params: &'a [(&'a str, &'a str)],
    /// Our idempotency key; Aliyun hands it back in receipts (`OutId`) but does not deduplicate on it.
    pub out_id: &'a str,
}

/// Which receipts to read for one number (`QuerySendDetails`).
#[derive(Debug, Clone)]
pub struct QuerySendDetails<'a> {
    pub phone: &'a str,
    /// The day the SMS was sent, China Standard Time; Aliyun keeps 30 days.
    pub send_date: NaiveDate,
    /// The `BizId` from the send, to read one message only.
    pub biz_id: Option<&'a str>,
    /// 1 to 50.
    pub page_size: u32,
    pub current_page: u32,
}

impl AliyunSettings {
    /// `SendSms`, signed at `at` with `nonce`.
    pub fn send_sms(&self, sms: &SendSms<'_>, at: DateTime<Utc>, nonce: &str) -> Result<HttpRequest, DeliveryError> {
        let phone = mobile(sms.phone)?;
        let mut params = BTreeMap::new();
        for (name, value) in sms.params {
            check_template_value(Provider::Aliyun, name, value)?;
            params.insert(*name, *value);
        }
        let template_param = serde_json::to_string(&params)
            .map_err(|e| DeliveryError::local(Provider::Aliyun, "template_param", e.to_string()))?;
        let query = vec![
            ("PhoneNumbers".to_string(), phone),
            ("SignName".to_string(), self.sign_name.clone()),
            ("TemplateCode".to_string(), sms.template_code.to_string()),
            ("TemplateParam".to_string(), template_param),
            ("OutId".to_string(), sms.out_id.to_string()),
        ];
        Ok(self.request("SendSms", &query, at, nonce))
    }

    /// `QuerySendDetails`: the delivery receipts for one number on one day.
    pub fn query_send_details(
        &self,
        query: &QuerySendDetails<'_>,
        at: DateTime<Utc>,
        nonce: &str,
    ) -> Result<HttpRequest, DeliveryError> {
        let mut params = vec![
            ("PhoneNumber".to_string(), mobile(query.phone)?),
            ("SendDate".to_string(), query.send_date.format("%Y%m%d").to_string()),
            ("PageSize".to_string(), query.page_size.to_string()),
            ("CurrentPage".to_string(), query.current_page.to_string()),
        ];
        if let Some(biz_id) = query.biz_id {
            params.push(("BizId".to_string(), biz_id.to_string()));
        }
        Ok(self.request("QuerySendDetails", &params, at, nonce))
    }

    /// RPC style: the parameters travel in the query string, the body is empty, as in Aliyun's example.
    fn request(&self, action: &str, query: &[(String, String)], at: DateTime<Utc>, nonce: &str) -> HttpRequest {
        let signed = sign(
            &Acs3Request {
                method: Method::Post,
                host: &self.endpoint,
                canonical_uri: "/",
                query,
                action,
                version: VERSION,
                date: at,
                nonce,
                body: b"",
            },
            &self.access_key_id,
            self.access_key_secret.expose_secret(),
        );
        let mut headers = vec![("Authorization".to_string(), signed.authorization)];
        headers.extend(signed.headers);
        headers.push(("Accept".to_string(), "application/json".to_string()));
        HttpRequest {
            method: Method::Post,
            url: format!("https://{}/?{}", self.endpoint, signed.canonical_query),
            headers,
            body: Vec::new(),
        }
    }
}

fn mobile(raw: &str) -> Result<String, DeliveryError> {
    cn_mobile(raw).ok_or_else(|| {
        DeliveryError::local(Provider::Aliyun, "invalid_phone", format!("'{raw}' is not a mainland mobile number"))
    })
}

/// Aliyun accepted the SMS; delivery is reported later (see [`parse_query_send_details`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// 发送回执 ID: names this send in `QuerySendDetails`.
    pub biz_id: String,
    pub request_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Reply<T> {
    code: Option<String>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    request_id: String,
    #[serde(flatten)]
    rest: T,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendSmsReply {
    #[serde(default)]
    biz_id: String,
}

/// Reads a `SendSms` reply: `Code` `OK` is acceptance, anything else a classified failure.
pub fn parse_send_sms(status: u16, body: &[u8]) -> Result<Accepted, DeliveryError> {
    let reply: Reply<SendSmsReply> = read(status, body)?;
    Ok(Accepted { biz_id: reply.rest.biz_id, request_id: reply.request_id })
}

/// The delivery state of one SMS (`SendStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendStatus {
    /// 1: waiting for the carrier's receipt.
    Waiting,
    /// 2: the carrier reports failure; `err_code` says why.
    Failed,
    /// 3: delivered to the handset.
    Delivered,
    Other(i64),
}

impl From<i64> for SendStatus {
    fn from(value: i64) -> Self {
        match value {
            1 => Self::Waiting,
            2 => Self::Failed,
            3 => Self::Delivered,
            other => Self::Other(other),
        }
    }
}

/// One receipt from `QuerySendDetails`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendDetail {
    /// Masked by Aliyun, e.g. `1380013****`.
    pub phone: String,
    pub status: SendStatus,
    /// The carrier's code, `DELIVERED` on success.
    pub err_code: String,
    pub out_id: Option<String>,
    pub template_code: String,
    /// `yyyy-MM-dd HH:mm:ss`, China Standard Time.
    pub send_date: Option<String>,
    pub receive_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendDetails {
    pub total_count: u64,
    pub details: Vec<SendDetail>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct QueryReply {
    #[serde(default)]
    total_count: u64,
    #[serde(rename = "SmsSendDetailDTOs", default)]
    dtos: DetailList,
}

/// Aliyun wraps the array: `"SmsSendDetailDTOs": {"SmsSendDetailDTO": [...]}`.
#[derive(Deserialize, Default)]
struct DetailList {
    #[serde(rename = "SmsSendDetailDTO", default)]
    items: Vec<DetailDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DetailDto {
    #[serde(default)]
    phone_num: String,
    #[serde(default)]
    send_status: i64,
    #[serde(default)]
    err_code: String,
    out_id: Option<String>,
    #[serde(default)]
    template_code: String,
    send_date: Option<String>,
    receive_date: Option<String>,
}

/// Reads a `QuerySendDetails` reply.
pub fn parse_query_send_details(status: u16, body: &[u8]) -> Result<SendDetails, DeliveryError> {
    let reply: Reply<QueryReply> = read(status, body)?;
    let details = reply
        .rest
        .dtos
        .items
        .into_iter()
        .map(|d| SendDetail {
            phone: d.phone_num,
            status: d.send_status.into(),
            err_code: d.err_code,
            out_id: d.out_id,
            template_code: d.template_code,
            send_date: d.send_date,
            receive_date: d.receive_date,
        })
        .collect();
    Ok(SendDetails { total_count: reply.rest.total_count, details })
}

/// Parses any reply; gateway errors (HTTP 4xx with `Code` `SignatureDoesNotMatch`, `Throttling.User`) come in
/// the same shape as business errors, so the code decides, not the status.
fn read<T: serde::de::DeserializeOwned>(status: u16, body: &[u8]) -> Result<Reply<T>, DeliveryError> {
    let reply: Reply<T> = match serde_json::from_slice(body) {
        Ok(reply) => reply,
        Err(_) => return Err(DeliveryError::from_status(Provider::Aliyun, status, body)),
    };
    match reply.code.as_deref() {
        Some("OK") if (200..300).contains(&status) => Ok(reply),
        Some(code) => {
            let message = format!("{} (RequestId {})", reply.message, reply.request_id);
            Err(DeliveryError::new(classify(code), Provider::Aliyun, code, message))
        }
        None => Err(DeliveryError::from_status(Provider::Aliyun, status, body)),
    }
}

/// Sorts Aliyun's codes, from the documented list (help.aliyun.com/document_detail/101346.html) and the
/// OpenAPI gateway's common codes. `isv.*` is the caller's side unless it is a limit; `isp.*` is Aliyun's.
pub fn classify(code: &str) -> ErrorKind {
    match code {
        // Limits and money: this channel is closed for now, send by another.
        // BUSINESS_LIMIT_CONTROL is the per-number frequency control (e.g. 50 notices a day per number and
        // template); DAY_ and MONTH_LIMIT_CONTROL the account caps set in the console; OUT_OF_SERVICE is
        // 业务停机, an account in arrears.
        "isv.BUSINESS_LIMIT_CONTROL"
        | "isv.DAY_LIMIT_CONTROL"
        | "isv.MONTH_LIMIT_CONTROL"
        | "isv.AMOUNT_NOT_ENOUGH"
        | "isv.OUT_OF_SERVICE" => ErrorKind::Quota,
        // RAM denies this AccessKey: configuration, not a passing fault.
        "isp.RAM_PERMISSION_DENY" => ErrorKind::Permanent,
        // Aliyun's side, or a signing detail a fresh request fixes (a new nonce, a new timestamp).
        "SignatureNonceUsed" | "InvalidTimeStamp.Expired" | "ServiceUnavailable" | "InternalError" => {
            ErrorKind::Retryable
        }
        c if c.starts_with("isp.") || c.starts_with("Throttling") => ErrorKind::Retryable,
        // What we sent was wrong: number (MOBILE_NUMBER_ILLEGAL, MOBILE_COUNT_OVER_LIMIT), template or
        // signature (SMS_TEMPLATE_ILLEGAL, SMS_SIGNATURE_ILLEGAL, SIGN_STATE_ILLEGAL, SMS_SIGNATURE_SCENE_ILLEGAL),
        // variables (INVALID_PARAMETERS, TEMPLATE_MISSING_PARAMETERS, INVALID_JSON_PARAM, PARAM_LENGTH_LIMIT,
        // PARAM_NOT_SUPPORT_URL, TEMPLATE_PARAMS_ILLEGAL, BLACK_KEY_CONTROL_LIMIT), content, account, region.
        c if c.starts_with("isv.") => ErrorKind::Permanent,
        "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "InvalidAccessKeyId.NotFound"
        | "InvalidAccessKeyId.Inactive"
        | "Forbidden.RAM"
        | "InvalidVersion"
        | "InvalidAction.NotFound"
        | "MissingParameter"
        | "InvalidParameter" => ErrorKind::Permanent,
        // A code we have not met still says the message was not sent: try again, within the sender's limit.
        _ => ErrorKind::Retryable,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().unwrap()
    }

    /// Aliyun's worked example, "Fixed parameter values" on the V3 signature page
    /// (alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature): every published
    /// step. (The page's final request listing shows another date and nonce in its headers; the signature
    /// it prints belongs to the step values asserted here.)
    #[test]
    fn the_documented_v3_example_signs_to_the_published_canonical_request_string_and_signature() {
        let query = vec![
            ("ImageId".to_string(), "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd".to_string()),
            ("RegionId".to_string(), "cn-shanghai".to_string()),
        ];
        let signed = sign(
            &Acs3Request {
                method: Method::Post,
                host: "ecs.cn-shanghai.aliyuncs.com",
                canonical_uri: "/",
                query: &query,
                action: "RunInstances",
                version: "2014-05-26",
                date: at(2023, 10, 26, 10, 22, 32),
                nonce: "3156853299f313e23d1673dc12e1703d",
                body: b"",
            },
            "YourAccessKeyId",
            "YourAccessKeySecret",
        );
        assert_eq!(
            signed.canonical_request,
            "POST\n\
             /\n\
             ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\n\
             x-acs-action:RunInstances\n\
             x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-acs-date:2023-10-26T10:22:32Z\n\
             x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\
             \n\
             host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            signed.string_to_sign,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(signed.signature, "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
        assert_eq!(
            signed.authorization,
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;\
             x-acs-date;x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    fn settings() -> AliyunSettings {
        AliyunSettings {
            access_key_id: "LTAI5tRiverchiefExample".into(),
            access_key_secret: SecretString::from("RiverchiefExampleSecret"),
            endpoint: ENDPOINT.into(),
            sign_name: "青云谱区河长办".into(),
        }
    }

    /// The documented example has no non-ASCII or reserved characters in its query. These expected values
    /// come from jobs/scripts/channel_signatures.py (`aliyun_send_sms_vector`), an independent Python
    /// implementation that first reproduces the documented example.
    #[test]
    fn send_sms_signs_a_chinese_sign_name_and_json_template_param_as_the_reference_script_does() {
        let request = settings()
            .send_sms(
                &SendSms {
                    phone: "+86 138 0013 8000",
                    template_code: "SMS_123456789",
                    params: &[("section", "抚河故道 1 号断面"), ("level", "劣Ⅴ类")],
                    out_id: "notice-42",
                },
                at(2024, 7, 1, 2, 3, 4),
                "6a1f0c0e9b7d4c21a3e5f7b9d1c3e5a7",
            )
            .unwrap();
        let query = "OutId=notice-42&PhoneNumbers=13800138000\
                     &SignName=%E9%9D%92%E4%BA%91%E8%B0%B1%E5%8C%BA%E6%B2%B3%E9%95%BF%E5%8A%9E\
                     &TemplateCode=SMS_123456789\
                     &TemplateParam=%7B%22level%22%3A%22%E5%8A%A3%E2%85%A4%E7%B1%BB%22%2C%22section%22%3A%22\
                     %E6%8A%9A%E6%B2%B3%E6%95%85%E9%81%93%201%20%E5%8F%B7%E6%96%AD%E9%9D%A2%22%7D";
        assert_eq!(request.method, Method::Post);
        assert_eq!(request.url, format!("https://dysmsapi.aliyuncs.com/?{query}"));
        assert!(request.body.is_empty());
        assert_eq!(
            request.header("Authorization"),
            Some(
                "ACS3-HMAC-SHA256 Credential=LTAI5tRiverchiefExample,SignedHeaders=host;x-acs-action;\
                 x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,\
                 Signature=7c87953d7b08802279ee71e74cb941267797dc5ec0e3d417b7c46a3bc8c0ef56"
            )
        );
        assert_eq!(request.header("x-acs-action"), Some("SendSms"));
        assert_eq!(request.header("x-acs-version"), Some("2017-05-25"));
        assert_eq!(request.header("x-acs-date"), Some("2024-07-01T02:03:04Z"));
        assert_eq!(request.header("x-acs-signature-nonce"), Some("6a1f0c0e9b7d4c21a3e5f7b9d1c3e5a7"));
    }

    #[test]
    fn query_send_details_asks_for_one_number_on_one_day() {
        let request = settings()
            .query_send_details(
                &QuerySendDetails {
                    phone: "13800138000",
                    send_date: NaiveDate::from_ymd_opt(2024, 7, 1).unwrap(),
                    biz_id: Some("134523^4351232"),
                    page_size: 10,
                    current_page: 1,
                },
                at(2024, 7, 1, 2, 3, 4),
                "nonce-1",
            )
            .unwrap();
        assert_eq!(
            request.url,
            "https://dysmsapi.aliyuncs.com/?BizId=134523%5E4351232&CurrentPage=1&PageSize=10\
             &PhoneNumber=13800138000&SendDate=20240701"
        );
        assert_eq!(request.header("x-acs-action"), Some("QuerySendDetails"));
    }

    #[test]
    fn a_bad_number_or_a_link_in_a_variable_is_refused_before_anything_is_signed() {
        let landline = SendSms { phone: "0791-8888888", template_code: "SMS_1", params: &[], out_id: "n-1" };
        let err = settings().send_sms(&landline, at(2024, 7, 1, 0, 0, 0), "n").unwrap_err();
        assert_eq!(err.code(), "local.invalid_phone");
        let params = [("detail", "请访问 http://hz.example.gov.cn 查看")];
        let with_link = SendSms { phone: "13800138000", template_code: "SMS_1", params: &params, out_id: "n-1" };
        let err = settings().send_sms(&with_link, at(2024, 7, 1, 0, 0, 0), "n").unwrap_err();
        assert_eq!(err.code(), "local.url_in_template_param");
        assert!(err.is_permanent());
    }

    #[test]
    fn an_ok_reply_gives_the_biz_id_and_request_id() {
        let body = br#"{"Message":"OK","RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990","Code":"OK","BizId":"900619746936498440^0"}"#;
        let accepted = parse_send_sms(200, body).unwrap();
        assert_eq!(
            accepted,
            Accepted {
                biz_id: "900619746936498440^0".into(),
                request_id: "F655A8D5-B967-440B-8683-DAD6FF8DE990".into()
            }
        );
    }

    #[test]
    fn an_illegal_number_is_permanent_and_keeps_the_providers_code_and_message() {
        let body = r#"{"Message":"非法手机号","RequestId":"A1B2","Code":"isv.MOBILE_NUMBER_ILLEGAL"}"#;
        let err = parse_send_sms(200, body.as_bytes()).unwrap_err();
        assert!(matches!(&err, DeliveryError::Permanent(e) if e.code == "isv.MOBILE_NUMBER_ILLEGAL"
            && e.message.contains("非法手机号") && e.message.contains("A1B2") && !e.may_have_sent));
    }

    #[test]
    fn frequency_day_month_and_balance_limits_send_the_notice_to_another_channel() {
        for code in [
            "isv.BUSINESS_LIMIT_CONTROL",
            "isv.DAY_LIMIT_CONTROL",
            "isv.MONTH_LIMIT_CONTROL",
            "isv.AMOUNT_NOT_ENOUGH",
            "isv.OUT_OF_SERVICE",
        ] {
            let body = format!(r#"{{"Message":"limit","RequestId":"R","Code":"{code}"}}"#);
            let err = parse_send_sms(200, body.as_bytes()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Quota, "{code}");
        }
    }

    #[test]
    fn template_signature_and_parameter_errors_are_permanent() {
        for code in [
            "isv.SMS_TEMPLATE_ILLEGAL",
            "isv.SMS_SIGNATURE_ILLEGAL",
            "isv.INVALID_PARAMETERS",
            "isv.TEMPLATE_MISSING_PARAMETERS",
            "isv.PARAM_NOT_SUPPORT_URL",
            "isp.RAM_PERMISSION_DENY",
            "SignatureDoesNotMatch",
        ] {
            assert_eq!(classify(code), ErrorKind::Permanent, "{code}");
        }
    }

    #[test]
    fn a_bad_signature_rejected_by_the_gateway_with_http_400_is_permanent() {
        let body = br#"{"RequestId":"7A3B","Message":"Specified signature is not matched with our calculation.","Recommend":"https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch","HostId":"dysmsapi.aliyuncs.com","Code":"SignatureDoesNotMatch"}"#;
        let err = parse_send_sms(400, body).unwrap_err();
        assert_eq!((err.kind(), err.code()), (ErrorKind::Permanent, "SignatureDoesNotMatch"));
    }

    #[test]
    fn system_errors_throttling_and_5xx_are_retryable() {
        for code in ["isp.SYSTEM_ERROR", "Throttling.User", "Throttling.Api", "SignatureNonceUsed"] {
            assert_eq!(classify(code), ErrorKind::Retryable, "{code}");
        }
        let err = parse_send_sms(503, b"<html>Service Unavailable</html>").unwrap_err();
        assert_eq!((err.kind(), err.code(), err.error().may_have_sent), (ErrorKind::Retryable, "http.503", true));
    }

    #[test]
    fn receipts_report_waiting_failed_and_delivered_messages() {
        let body = r#"{
          "TotalCount": 3, "Message": "OK", "RequestId": "819BE656", "Code": "OK",
          "SmsSendDetailDTOs": {"SmsSendDetailDTO": [
            {"ErrCode": "DELIVERED", "TemplateCode": "SMS_123456789", "OutId": "notice-42",
             "ReceiveDate": "2024-07-01 10:03:09", "SendDate": "2024-07-01 10:03:05",
             "PhoneNum": "1380013****", "Content": "【青云谱区河长办】抚河故道断面氨氮超标", "SendStatus": 3},
            {"ErrCode": "MK:0001", "TemplateCode": "SMS_123456789", "OutId": "notice-43",
             "SendDate": "2024-07-01 10:04:00", "PhoneNum": "1390013****", "SendStatus": 2},
            {"ErrCode": "", "TemplateCode": "SMS_123456789", "OutId": "notice-44",
             "SendDate": "2024-07-01 10:05:00", "PhoneNum": "1370013****", "SendStatus": 1}
          ]}
        }"#;
        let details = parse_query_send_details(200, body.as_bytes()).unwrap();
        assert_eq!(details.total_count, 3);
        let states: Vec<_> =
            details.details.iter().map(|d| (d.out_id.as_deref(), d.status, d.err_code.as_str())).collect();
        assert_eq!(
            states,
            [
                (Some("notice-42"), SendStatus::Delivered, "DELIVERED"),
                (Some("notice-43"), SendStatus::Failed, "MK:0001"),
                (Some("notice-44"), SendStatus::Waiting, ""),
            ]
        );
        assert_eq!(details.details[0].receive_date.as_deref(), Some("2024-07-01 10:03:09"));
    }

    #[test]
    fn an_empty_receipt_list_is_an_empty_answer_not_an_error() {
        let body = br#"{"TotalCount":0,"Message":"OK","RequestId":"R","Code":"OK","SmsSendDetailDTOs":{"SmsSendDetailDTO":[]}}"#;
        assert_eq!(parse_query_send_details(200, body).unwrap(), SendDetails { total_count: 0, details: vec![] });
    }
}
