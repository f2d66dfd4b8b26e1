#!/usr/bin/env python3
"""Independent reference values for the signers in jobs/src/channels/.

Written from the providers' documentation with nothing but the standard library (hashlib, hmac, base64,
urllib.parse, json), so the Rust tests can compare against values that were not produced by the Rust code.
The providers' own worked examples are asserted first, to show this script agrees with the documentation;
then the script prints the vectors for inputs the documentation does not cover (non-ASCII query values,
a real SendSms body, the robot and webhook signatures).

Run: python3 jobs/scripts/channel_signatures.py
"""

import base64
import hashlib
import hmac
import json
import urllib.parse


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


# --- Aliyun V3 (ACS3-HMAC-SHA256) -------------------------------------------------------------------------


def rfc3986(s: str) -> str:
    return urllib.parse.quote(s, safe="-_.~")


def acs3(method, host, query, headers, body, key_id, secret):
    """Returns (canonical_request, string_to_sign, signature, authorization)."""
    canonical_query = "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in sorted(query.items()))
    hashed_payload = sha256_hex(body)
    all_headers = dict(headers)
    all_headers["host"] = host
    all_headers["x-acs-content-sha256"] = hashed_payload
    signed = sorted((k.lower(), v.strip()) for k, v in all_headers.items())
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in signed)
    signed_headers = ";".join(k for k, _ in signed)
    canonical_request = "\n".join([method, "/", canonical_query, canonical_headers, signed_headers, hashed_payload])
    string_to_sign = "ACS3-HMAC-SHA256\n" + sha256_hex(canonical_request.encode())
    signature = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = f"ACS3-HMAC-SHA256 Credential={key_id},SignedHeaders={signed_headers},Signature={signature}"
    return canonical_request, string_to_sign, signature, authorization


def aliyun_documented_example():
    # https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature
    # ("Fixed parameter values").
    _, sts, sig, _ = acs3(
        "POST",
        "ecs.cn-shanghai.aliyuncs.com",
        {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"},
        {
            "x-acs-action": "RunInstances",
            "x-acs-version": "2014-05-26",
            "x-acs-date": "2023-10-26T10:22:32Z",
            "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
        },
        b"",
        "YourAccessKeyId",
        "YourAccessKeySecret",
    )
    assert sts == "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259", sts
    assert sig == "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0", sig


def aliyun_send_sms_vector():
    template_param = json.dumps(
        {"section": "抚河故道 1 号断面", "level": "劣Ⅴ类"}, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )
    query = {
        "PhoneNumbers": "13800138000",
        "SignName": "青云谱区河长办",
        "TemplateCode": "SMS_123456789",
        "TemplateParam": template_param,
        "OutId": "notice-42",
    }
    cr, sts, sig, auth = acs3(
        "POST",
        "dysmsapi.aliyuncs.com",
        query,
        {
            "x-acs-action": "SendSms",
            "x-acs-version": "2017-05-25",
            "x-acs-date": "2024-07-01T02:03:04Z",
            "x-acs-signature-nonce": "6a1f0c0e9b7d4c21a3e5f7b9d1c3e5a7",
        },
        b"",
        "LTAI5tRiverchiefExample",
        "RiverchiefExampleSecret",
    )
    print("== aliyun SendSms (key LTAI5tRiverchiefExample / RiverchiefExampleSecret)")
    print("canonical_request:")
    print(cr)
    print("string_to_sign:", repr(sts))
    print("signature:", sig)
    print("authorization:", auth)


# --- Tencent TC3-HMAC-SHA256 -------------------------------------------------------------------------------


def tc3(secret_id, secret_key, service, host, action, timestamp, date, payload: bytes):
    ct = "application/json; charset=utf-8"
    canonical_headers = f"content-type:{ct}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    signed_headers = "content-type;host;x-tc-action"
    canonical_request = "\n".join(["POST", "/", "", canonical_headers, signed_headers, sha256_hex(payload)])
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, sha256_hex(canonical_request.encode())])
    k_date = hmac_sha256(("TC3" + secret_key).encode(), date.encode())
    k_service = hmac_sha256(k_date, service.encode())
    k_signing = hmac_sha256(k_service, b"tc3_request")
    signature = hmac.new(k_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
    return canonical_request, string_to_sign, signature, authorization


def tencent_documented_example():
    # Tencent Cloud "签名方法 v3" (e.g. https://cloud.tencent.com/document/api/362/4208), CVM DescribeInstances,
    # with the page's masked keys taken literally.
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    assert sha256_hex(payload) == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    cr, sts, sig, _ = tc3(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
        "Gu5t9xGARNpq86cd98joQYCN3*******",
        "cvm",
        "cvm.tencentcloudapi.com",
        "DescribeInstances",
        1551113065,
        "2019-02-25",
        payload,
    )
    assert sha256_hex(cr.encode()) == "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
    assert sig == "be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3", sig


def tencent_send_sms_vector():
    body = json.dumps(
        {
            "PhoneNumberSet": ["+8613800138000"],
            "SmsSdkAppId": "1400006666",
            "SignName": "青云谱区河长办",
            "TemplateId": "1234567",
            "TemplateParamSet": ["抚河故道", "劣Ⅴ类"],
            "SessionContext": "notice-42",
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    cr, sts, sig, auth = tc3(
        "AKIDRiverchiefExample",
        "RiverchiefExampleSecretKey",
        "sms",
        "sms.tencentcloudapi.com",
        "SendSms",
        1719799384,
        "2024-07-01",
        body,
    )
    print("== tencent SendSms (AKIDRiverchiefExample / RiverchiefExampleSecretKey, 1719799384)")
    print("body:", body.decode())
    print("canonical_request:")
    print(cr)
    print("string_to_sign:", repr(sts))
    print("signature:", sig)
    print("authorization:", auth)


# --- Robots and our own webhook ----------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    # As the DingTalk robot security page's sample: quote_plus(base64(HMAC-SHA256(secret, f"{ts}\n{secret}"))).
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    # As the Feishu custom bot guide's sample: the key is f"{ts}\n{secret}", the message is empty.
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def robot_vectors():
    print("== dingtalk sign (SECriverchiefexample0123456789abcdef, 1719799384123):",
          dingtalk_sign("SECriverchiefexample0123456789abcdef", 1719799384123))
    print("== feishu sign (riverchiefFeishuExample, 1719799384):", feishu_sign("riverchiefFeishuExample", 1719799384))
    body = '{"id":"notice-42","to":"13800138000","text":"抚河故道断面氨氮超标","alert":7}'.encode()
    print("== webhook body:", body.decode())
    print("== webhook signature (whsec-riverchief-example):",
          hmac.new(b"whsec-riverchief-example", body, hashlib.sha256).hexdigest())


if __name__ == "__main__":
    aliyun_documented_example()
    tencent_documented_example()
    print("documented examples: both reproduced\n")
    aliyun_send_sms_vector()
    print()
    tencent_send_sms_vector()
    print()
    robot_vectors()
