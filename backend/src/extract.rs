//! A JSON extractor whose rejections use the API's error shape: 400 for malformed JSON, 415 for a missing
//! content type, 422 for JSON of the wrong shape.

use axum::extract::{FromRequest, Request, rejection::JsonRejection};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonSyntaxError(e) => ApiError::client(
                    StatusCode::BAD_REQUEST,
                    "malformed_json",
                    format!("请求体不是合法的 JSON：{}", e.body_text()),
                    format!("request body is not valid JSON: {}", e.body_text()),
                ),
                JsonRejection::JsonDataError(e) => ApiError::client(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_body",
                    format!("请求体字段不正确：{}", e.body_text()),
                    format!("request body has the wrong shape: {}", e.body_text()),
                ),
                JsonRejection::MissingJsonContentType(_) => ApiError::client(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "请求头 Content-Type 应为 application/json",
                    "Content-Type must be application/json",
                ),
                JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::client(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "请求体过大，请分批提交",
                    "request body too large; submit in smaller batches",
                ),
                JsonRejection::BytesRejection(e) => ApiError::client(
                    e.status(),
                    "unreadable_body",
                    format!("无法读取请求体：{}", e.body_text()),
                    format!("cannot read the request body: {}", e.body_text()),
                ),
                other => ApiError::client(other.status(), "invalid_body", other.body_text(), other.body_text()),
            }),
        }
    }
}
