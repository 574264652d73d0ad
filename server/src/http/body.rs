//! Reading a request body with a size limit (413 above it).

use axum::body::{to_bytes, Body, Bytes};

use crate::http::error::ApiError;

/// The whole body, at most `max` bytes.
///
/// # Errors
///
/// 413 `body_too_large` when it is longer.
pub async fn read_body(body: Body, max: usize) -> Result<Bytes, ApiError> {
    to_bytes(body, max).await.map_err(|_| {
        ApiError::new(
            413,
            "invalid_request_error",
            format!("Request body larger than {max} bytes."),
            None,
            Some("body_too_large"),
        )
    })
}
