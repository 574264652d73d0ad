//! Reading a request body with a size limit (413 above it) and a time limit (408 after it),
//! the latter apart from the handler's own timeout: a body trickled a byte at a time gives its
//! slot back after `body_read_timeout_ms`, not after the whole request timeout.

use std::time::Duration;

use axum::body::{to_bytes, Body, Bytes};

use crate::http::error::ApiError;

/// The whole body, at most `max` bytes, within `within`.
///
/// # Errors
///
/// 413 `body_too_large` when it is longer, 408 `body_timeout` when it does not arrive in time.
pub async fn read_body(body: Body, max: usize, within: Duration) -> Result<Bytes, ApiError> {
    let Ok(read) = tokio::time::timeout(within, to_bytes(body, max)).await else {
        return Err(ApiError::new(
            408,
            "invalid_request_error",
            format!("The request body did not arrive within {} ms.", within.as_millis()),
            None,
            Some("body_timeout"),
        ));
    };
    read.map_err(|_| {
        ApiError::new(
            413,
            "invalid_request_error",
            format!("Request body larger than {max} bytes."),
            None,
            Some("body_too_large"),
        )
    })
}
