//! Extractors whose rejections use the API's error shape, so that every error is ours: JSON (400 for
//! malformed JSON, 415 for another content type, 422 for JSON of the wrong shape), forms, query strings and
//! paths.

use axum::extract::{FromRequest, FromRequestParts, Request, rejection::FormRejection, rejection::JsonRejection};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Detail};

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

/// A form extractor (`application/x-www-form-urlencoded`) whose rejections use the API's error shape.
pub struct Form<T>(pub T);

impl<S, T> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Form(value)),
            Err(FormRejection::InvalidFormContentType(_)) => Err(ApiError::client(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求头 Content-Type 应为 application/x-www-form-urlencoded",
                "Content-Type must be application/x-www-form-urlencoded",
            )),
            Err(rejection) => Err(ApiError::client(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_form",
                format!("表单字段有误：{}", rejection.body_text()),
                format!("the form's fields are wrong: {}", rejection.body_text()),
            )),
        }
    }
}

/// A query-string extractor whose rejection uses the API's error shape (422 naming the problem).
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(ApiError::client(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_query",
                format!("查询参数有误：{}", rejection.body_text()),
                format!("invalid query parameters: {}", rejection.body_text()),
            )),
        }
    }
}

/// A path extractor: a path segment that cannot be what the route names (an id that is not a number)
/// cannot name anything, so it is answered 404 in the API's error shape.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(_) => Err(ApiError::not_found("该资源", "no such resource")),
        }
    }
}

/// A request body read as a blocking [`std::io::Read`], on another thread, as it arrives: a task forwards
/// its frames through a small bounded channel (a slow reader holds the client back, not memory) and counts
/// them against a limit. Beyond the limit the reader fails and [`BodyReader::too_large`] says so.
pub struct BodyReader {
    frames: tokio::sync::mpsc::Receiver<std::io::Result<axum::body::Bytes>>,
    current: axum::body::Bytes,
    too_large: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl BodyReader {
    /// Starts forwarding `body`; at most `limit` bytes are taken.
    pub fn new(body: axum::body::Body, limit: u64) -> BodyReader {
        use futures::StreamExt;
        use std::sync::atomic::Ordering;
        let (tx, frames) = tokio::sync::mpsc::channel(8);
        let too_large = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = too_large.clone();
        tokio::spawn(async move {
            let mut stream = body.into_data_stream();
            let mut total = 0u64;
            while let Some(frame) = stream.next().await {
                let item = frame.map_err(std::io::Error::other).and_then(|bytes| {
                    total += bytes.len() as u64;
                    if total > limit {
                        flag.store(true, Ordering::Relaxed);
                        Err(std::io::Error::other(format!("the body is larger than {limit} bytes")))
                    } else {
                        Ok(bytes)
                    }
                });
                let last = item.is_err();
                // The reader is gone (it stopped on a problem of its own), or this was the end.
                if tx.send(item).await.is_err() || last {
                    break;
                }
            }
        });
        BodyReader { frames, current: axum::body::Bytes::new(), too_large }
    }

    /// A handle telling, after reading, whether the body went beyond the limit.
    pub fn too_large(&self) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
        self.too_large.clone()
    }
}

impl std::io::Read for BodyReader {
    /// Blocks until a frame arrives: call it from a blocking thread, never from async code.
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.frames.blocking_recv() {
                Some(Ok(bytes)) => self.current = bytes,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// A list's `limit` query parameter: `default` when absent, refused outside 1..=`max`.
pub fn limit(given: Option<u64>, default: u64, max: u64) -> Result<u64, ApiError> {
    match given {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::invalid_query(vec![Detail::new(
            "limit",
            "out_of_range",
            format!("limit 须在 1–{max} 之间，收到 {n}"),
            format!("limit must be 1–{max}, got {n}"),
        )])),
    }
}
