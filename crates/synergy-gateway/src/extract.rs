//! Extractors whose rejections are our JSON errors rather than axum's plain text: a body
//! that is not JSON is 400 `malformed_json`, never 422 or 500; an oversized one 413.

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;
use synergy_domain::ErrorCode;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::Problem;

pub(crate) fn too_large() -> Problem {
    Problem::new(
        ErrorCode::PayloadTooLarge,
        "the request body is larger than the gateway accepts; split the file",
    )
}

/// A JSON body: always a JSON object, as the OpenAPI document says of every body. (serde
/// reads a struct from an array of its fields in order too, so `[]` would otherwise be a
/// valid body for a route that takes no fields.)
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let object = match axum::Json::<serde_json::Map<String, serde_json::Value>>::from_request(
            req, state,
        )
        .await
        {
            Ok(axum::Json(object)) => object,
            Err(rejection) => return Err(json_rejection(&rejection)),
        };
        T::deserialize(serde_json::Value::Object(object))
            .map(JsonBody)
            .map_err(|e| {
                Problem::new(
                    ErrorCode::MalformedJson,
                    format!("the body is not the JSON this route takes: {e}"),
                )
            })
    }
}

pub fn json_rejection(rejection: &JsonRejection) -> Problem {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as JSON with `Content-Type: application/json`",
        ),
        JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            too_large()
        }
        // Syntax and data errors alike are the client's body; serde's text names the
        // field and position without echoing the body.
        other => Problem::new(
            ErrorCode::MalformedJson,
            format!(
                "the body is not the JSON this route takes: {}",
                other.body_text()
            ),
        ),
    }
}

/// A raw body (uploads).
#[derive(Debug)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(req, state).await {
            Ok(b) => Ok(RawBody(b)),
            Err(e @ BytesRejection::FailedToBufferBody(_))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(too_large())
            }
            Err(e) => Err(Problem::new(
                ErrorCode::MalformedJson,
                format!("the body could not be read: {}", e.body_text()),
            )),
        }
    }
}

/// Path parameters by name, parsed on demand so the error names the parameter.
#[derive(Debug)]
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|p| Params(p.0))
            .map_err(|e| Problem::new(ErrorCode::InvalidPath, e.body_text()))
    }
}

impl Params {
    pub fn get<T>(&self, name: &str) -> Result<T, Problem>
    where
        T: FromStr,
        T::Err: Display,
    {
        let raw = self
            .0
            .get(name)
            .ok_or_else(|| Problem::internal(format!("route has no path parameter {name}")))?;
        raw.parse().map_err(|e: T::Err| {
            Problem::new(
                ErrorCode::InvalidPath,
                format!("path parameter {name}: {e}"),
            )
            .with_field(name)
        })
    }
}

/// Query parameters.
#[derive(Debug)]
pub struct QueryArgs<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryArgs<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| QueryArgs(q.0))
            .map_err(|e| Problem::new(ErrorCode::InvalidQuery, e.body_text()))
    }
}
