//! JSON errors with the right status codes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code (`bad_request`, `not_found`, …).
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub(crate) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub(crate) fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// A failure of the server itself (a file it cannot read or write, a
    /// damaged index): the cause, with its file paths, goes to the log;
    /// the client gets what happened without the server's paths.
    fn server_side(e: &dyn std::error::Error, io: Option<&std::io::Error>) -> ApiError {
        tracing::error!(error = %e, "request failed");
        if io.is_some_and(|io| io.kind() == std::io::ErrorKind::StorageFull) {
            return ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient_storage",
                "the server's disk is full: nothing was written (the cause is in the server log)",
            );
        }
        ApiError::internal(
            "the server failed to read or write its index (the cause is in the server log)",
        )
    }
}

impl From<tessera::Error> for ApiError {
    fn from(e: tessera::Error) -> ApiError {
        match e {
            tessera::Error::UnknownDocument(id) => {
                ApiError::not_found(format!("document {id:?} is not in the index"))
            }
            tessera::Error::Index(e) => e.into(),
            tessera::Error::BadRecord(s) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_document",
                format!("{s} (strict: nothing was added)"),
            ),
            tessera::Error::Io { ref source, .. } => ApiError::server_side(&e, Some(source)),
            other => ApiError::server_side(&other, None),
        }
    }
}

impl From<tessera::index::Error> for ApiError {
    fn from(e: tessera::index::Error) -> ApiError {
        use tessera::index::Error as E;
        match &e {
            E::Locked { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "index_locked",
                "another writer (a `tessera index` command?) holds the index; try again when it is done",
            ),
            E::NotFound { ids } => {
                ApiError::not_found(format!("not in the index: {}", ids.join(", ")))
            }
            E::InvalidDocument { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_document",
                e.to_string(),
            ),
            E::Io { source, .. } => ApiError::server_side(&e, Some(source)),
            _ => ApiError::server_side(&e, None),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}
