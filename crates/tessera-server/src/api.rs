//! Routes and handlers.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tessera::AddOptions;
use tessera::Query as TraceQuery;
use tessera::index::DuplicatePolicy;
use tessera::ingest::{IngestReport, Skipped};
use tessera::report::TraceReport;

use crate::AppState;
use crate::error::ApiError;
use crate::metrics::{RequestLabels, RouteLabels};

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");
const OPENAPI: &str = include_str!("../assets/openapi.json");

type Shared = Arc<AppState>;

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/assets/app.js", get(app_js))
        .route("/assets/app.css", get(app_css))
        .route("/v1/health", get(health))
        .route("/v1/stats", get(stats))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/trace", post(trace))
        .route("/v1/documents", get(list_documents).post(add_documents))
        .route(
            "/v1/documents/{id}",
            get(get_document).delete(delete_document),
        )
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(same_origin))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), observe))
        .with_state(state)
}

/// Counts and times every request, and logs it (never its headers).
async fn observe(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let secs = start.elapsed().as_secs_f64();
    st.metrics
        .requests
        .get_or_create(&RequestLabels {
            method: method.to_string(),
            route: route.clone(),
            status,
        })
        .inc();
    st.metrics
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(secs);
    tracing::info!(method = %method, route = %route, status, ms = secs * 1000.0, "request");
    resp
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on this path; see /v1/openapi.json"),
    )
}

/// Refuses requests that change state or run work (anything but GET and
/// HEAD) when a browser says they come from a page of another origin: a
/// page elsewhere cannot make a visitor's browser add or delete documents
/// (with no token set, the default, nothing else would stop it). Clients
/// that are not browsers send no `Origin` and are not affected.
async fn same_origin(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
    let origin_ok = match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            let authority = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://"))
                .map(|(_, rest)| rest.trim_end_matches('/'));
            matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
        }
    };
    if cross_site || !origin_ok {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "requests from a page of another origin are refused",
        )
        .into_response();
    }
    next.run(req).await
}

async fn not_found(method: Method) -> ApiError {
    ApiError::not_found(format!(
        "no such endpoint for {method}; see /v1/openapi.json"
    ))
}

fn with_type(body: &'static str, content_type: &'static str) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

async fn page() -> Response {
    with_type(INDEX_HTML, "text/html; charset=utf-8")
}

async fn app_js() -> Response {
    with_type(APP_JS, "text/javascript; charset=utf-8")
}

async fn app_css() -> Response {
    with_type(APP_CSS, "text/css; charset=utf-8")
}

async fn openapi() -> Response {
    with_type(OPENAPI, "application/json")
}

async fn metrics(State(st): State<Shared>) -> Response {
    let mut resp = st.metrics.encode().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    resp
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    documents: u64,
    generation: u64,
    version: &'static str,
}

async fn health(State(st): State<Shared>) -> axum::Json<Health> {
    let engine = st.engine();
    axum::Json(Health {
        status: "ok",
        documents: engine.index().num_docs(),
        generation: engine.index().manifest().generation,
        version: env!("CARGO_PKG_VERSION"),
    })
}

async fn stats(
    State(st): State<Shared>,
) -> Result<axum::Json<tessera::index::IndexStats>, ApiError> {
    let engine = st.engine();
    let stats = blocking(move || Ok(engine.index().stats())).await?;
    Ok(axum::Json(stats))
}

/// Reads a whole request body, refusing more than the configured limit
/// (413) or a body that takes longer than the body timeout to arrive (408).
async fn read_body(st: &AppState, body: Body) -> Result<axum::body::Bytes, ApiError> {
    let limit = st.cfg.max_body_bytes;
    let wait = st.cfg.body_timeout;
    let read = tokio::time::timeout(wait, axum::body::to_bytes(body, limit))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                format!(
                    "the request body did not arrive within {:.0} s",
                    wait.as_secs_f64()
                ),
            )
        })?;
    read.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|s| s.to_string().contains("length limit"))
            || e.to_string().contains("length limit");
        if too_large {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("request body is larger than the limit of {limit} bytes"),
            )
        } else {
            ApiError::bad_request(format!("cannot read the request body: {e}"))
        }
    })
}

/// Checks that a write's body is declared as JSON Lines or JSON: a form or
/// `text/plain`, which a page of any site can send without asking, is
/// refused (415).
fn json_body(headers: &HeaderMap) -> Result<(), ApiError> {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match essence.as_deref() {
        Some(
            "application/x-ndjson"
            | "application/jsonl"
            | "application/x-jsonlines"
            | "application/json",
        ) => Ok(()),
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "send the documents as `Content-Type: application/x-ndjson` (JSON Lines) or \
                 `application/json`, not {}",
                other.map_or_else(|| "no content type".to_string(), |t| format!("{t:?}"))
            ),
        )),
    }
}

/// Runs blocking work (index access, alignment) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("worker failed: {e}")))?
}

/// Checks the bearer token of a write request, in constant time.
fn authorize(st: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = &st.cfg.token else {
        return Ok(());
    };
    // The scheme is case-insensitive (RFC 9110, 11.1).
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim_start().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let ok = given.is_some_and(|g| {
        let (a, b) = (g.as_bytes(), token.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this endpoint needs an `Authorization: Bearer <token>` header with the server's token",
        ))
    }
}

/// Body of `POST /v1/trace`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TraceRequest {
    /// The article to trace.
    text: Option<String>,
    /// Or an HTML page holding it (its main text is extracted here, as
    /// `tessera trace page.html` does).
    html: Option<String>,
    /// Or the id of an indexed document (excluded from its own sources).
    document_id: Option<String>,
    /// The query id to report (default "query").
    id: Option<String>,
    /// The article's headline.
    title: Option<String>,
    /// An indexed document never to report as a source.
    exclude_id: Option<String>,
    /// The article's date (ISO 8601), with `text` only.
    date: Option<String>,
}

/// Parses the body of `POST /v1/trace`: a JSON object with exactly one of
/// `text`, `html` and `document_id`, every field a string (`null` is
/// refused, not taken as absent).
fn trace_request(bytes: &[u8], max_query: usize) -> Result<TraceRequest, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))?;
    let Some(fields) = value.as_object() else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    if let Some((k, _)) = fields.iter().find(|(_, v)| v.is_null()) {
        return Err(ApiError::bad_request(format!(
            "`{k}` must be a string, not null (leave it out instead)"
        )));
    }
    let req: TraceRequest = serde_json::from_value(value)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))?;
    let given = [
        req.text.is_some(),
        req.html.is_some(),
        req.document_id.is_some(),
    ];
    if given.iter().filter(|&&g| g).count() != 1 {
        return Err(ApiError::bad_request(
            "give exactly one of `text`, `html` and `document_id`",
        ));
    }
    if let Some(date) = &req.date {
        if req.document_id.is_some() {
            return Err(ApiError::bad_request(
                "`date` goes with `text`: a `document_id` trace uses the document's indexed date",
            ));
        }
        if tessera::date::parse_timestamp(date).is_none() {
            let message = format!(
                "`date` {date:?} is not an ISO 8601 date (YYYY-MM-DD, optionally with a time)"
            );
            // Shaped like a date, but not a day of the calendar (Feb 30).
            let shaped = date.len() >= 10
                && date.as_bytes()[..10].iter().enumerate().all(|(k, b)| {
                    if k == 4 || k == 7 {
                        *b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            return Err(if shaped {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_date", message)
            } else {
                ApiError::bad_request(message)
            });
        }
    }
    if let Some(text) = &req.text {
        if text.trim().is_empty() {
            return Err(ApiError::bad_request("`text` is empty"));
        }
        check_query_size(text, max_query)?;
    }
    if let Some(html) = &req.html {
        // Markup around the text: as `tessera index add`, allow four times
        // the text's limit for the page.
        let limit = max_query.saturating_mul(4);
        if html.len() > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "query_too_large",
                format!(
                    "the page is {} bytes long; the server takes pages of at most {limit} bytes",
                    html.len()
                ),
            ));
        }
    }
    Ok(req)
}

/// The query limit bounds the work of one trace, so an indexed document
/// larger than it is refused as a pasted article would be. An unknown id
/// passes here and gets its 404 from the trace.
fn query_size_of_document(st: &AppState, id: &str) -> Result<(), ApiError> {
    let engine = st.engine();
    let index = engine.index();
    let Some(addr) = index.find(id) else {
        return Ok(());
    };
    let bytes = index.doc_sizes(addr).1 as usize;
    query_limit(&format!("document {id:?}"), bytes, st.cfg.max_query_bytes)
}

fn check_query_size(text: &str, max_query: usize) -> Result<(), ApiError> {
    query_limit("the article", text.len(), max_query)
}

/// 413 `query_too_large` when `what`, `bytes` long, passes the query limit.
fn query_limit(what: &str, bytes: usize, max_query: usize) -> Result<(), ApiError> {
    if bytes > max_query {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "query_too_large",
            format!(
                "{what} is {bytes} bytes long; the server traces articles of at most {max_query} bytes"
            ),
        ));
    }
    Ok(())
}

/// The article of an `html` trace: the main text of the page, extracted
/// with the same routine as the CLI's, and the page's title and date where
/// the request gives none (a date only when it reads as one).
struct FromHtml {
    text: String,
    title: Option<String>,
    date: Option<String>,
}

fn from_html(html: &str, max_query: usize) -> Result<FromHtml, ApiError> {
    let page = tessera::ingest::html::extract(html);
    if page.text.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_text",
            "`html` holds no article text (nothing readable outside scripts, menus and markup)",
        ));
    }
    check_query_size(&page.text, max_query)?;
    Ok(FromHtml {
        text: page.text,
        title: page.title,
        date: page
            .date
            .filter(|d| tessera::date::parse_timestamp(d).is_some()),
    })
}

/// The answer of `POST /v1/trace`: the report, and for an `html` trace the
/// text that was traced (the report's offsets count its code points).
#[derive(Debug, Serialize)]
struct TraceOut {
    #[serde(flatten)]
    report: TraceReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    query_text: Option<String>,
}

/// Keeps `traces_in_flight` true: decremented when the work itself ends,
/// not when the request gives up on it.
struct InFlight(prometheus_client::metrics::gauge::Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

fn timeout_error(timeout: std::time::Duration) -> ApiError {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        "timeout",
        format!(
            "the trace did not finish within {:.0} s",
            timeout.as_secs_f64()
        ),
    )
}

async fn trace(State(st): State<Shared>, body: Body) -> Result<axum::Json<TraceOut>, ApiError> {
    let bytes = read_body(&st, body).await?;
    let req = trace_request(&bytes, st.cfg.max_query_bytes)?;
    if let Some(id) = &req.document_id {
        query_size_of_document(&st, id)?;
    }
    let max_query = st.cfg.max_query_bytes;
    let timeout = st.cfg.request_timeout;
    let started = Instant::now();
    let deadline = started + timeout;
    let permit = tokio::time::timeout(timeout, Arc::clone(&st.traces).acquire_owned())
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                format!(
                    "{} traces are running and none finished within the {:.0} s timeout; retry later",
                    st.cfg.max_concurrent_traces,
                    timeout.as_secs_f64()
                ),
            )
        })?
        .map_err(|_| ApiError::internal("the trace limiter is closed"))?;
    let engine = st.engine();
    let st2 = Arc::clone(&st);
    st.metrics.traces_in_flight.inc();
    let in_flight = InFlight(st.metrics.traces_in_flight.clone());
    let work = blocking(move || {
        let _permit = permit;
        let _in_flight = in_flight;
        let page = match &req.html {
            Some(html) => Some(from_html(html, max_query)?),
            None => None,
        };
        let text = req
            .text
            .as_deref()
            .or(page.as_ref().map(|p| p.text.as_str()));
        let traced = match (text, &req.document_id) {
            (_, Some(doc)) => engine.trace_id_until(doc, deadline),
            (Some(text), None) => {
                let exclude = match &req.exclude_id {
                    Some(id) => Some(engine.index().find(id).ok_or_else(|| {
                        ApiError::not_found(format!("document {id:?} is not in the index"))
                    })?),
                    None => None,
                };
                let query = TraceQuery {
                    id: req.id.as_deref().unwrap_or("query"),
                    title: req
                        .title
                        .as_deref()
                        .or(page.as_ref().and_then(|p| p.title.as_deref())),
                    text,
                    date: req
                        .date
                        .as_deref()
                        .or(page.as_ref().and_then(|p| p.date.as_deref())),
                    exclude,
                };
                engine.trace_until(&query, deadline)
            }
            (None, None) => return Err(ApiError::bad_request("nothing to trace")),
        };
        let report = match traced {
            Err(tessera::Error::DeadlineExceeded { .. }) => {
                st2.metrics.traces_cancelled.inc();
                return Err(timeout_error(timeout));
            }
            other => other?,
        };
        st2.metrics.passages.inc_by(report.passages.len() as u64);
        Ok(TraceOut {
            report,
            query_text: page.map(|p| p.text),
        })
    });
    // The answer goes out at the deadline; the work stops at its next check.
    let remaining = timeout.saturating_sub(started.elapsed());
    match tokio::time::timeout(remaining, work).await {
        Ok(r) => r.map(axum::Json),
        Err(_) => Err(timeout_error(timeout)),
    }
}

/// Query parameters of `POST /v1/documents`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddParams {
    /// `replace` (default) or `reject`.
    on_duplicate: Option<String>,
    /// Refuse the whole batch at the first bad record.
    strict: Option<bool>,
}

/// Waits for the turn to write (writes are serialized), at most the
/// request timeout.
async fn write_turn(st: &Shared) -> Result<tokio::sync::OwnedMutexGuard<()>, ApiError> {
    tokio::time::timeout(st.cfg.request_timeout, Arc::clone(&st.writes).lock_owned())
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "another write is still running; retry later",
            )
        })
}

impl AppState {
    /// The answer of a committed write, after the new snapshot's figures
    /// are published.
    fn written(&self, report: IngestReport, deleted: u64) -> WriteResponse {
        let engine = self.collection.engine();
        let index = engine.index();
        self.metrics.documents.set(index.num_docs() as i64);
        WriteResponse {
            added: report.added,
            replaced: report.replaced,
            deleted,
            skipped: report.skipped,
            rejected_duplicates: report.rejected_duplicates,
            skipped_records: report.skipped_records,
            documents: index.num_docs(),
            generation: index.manifest().generation,
        }
    }
}

/// Answer of a write.
#[derive(Debug, Serialize)]
struct WriteResponse {
    added: u64,
    replaced: u64,
    deleted: u64,
    skipped: u64,
    rejected_duplicates: u64,
    skipped_records: Vec<Skipped>,
    documents: u64,
    generation: u64,
}

async fn add_documents(
    State(st): State<Shared>,
    headers: HeaderMap,
    params: Result<Query<AddParams>, QueryRejection>,
    body: Body,
) -> Result<axum::Json<WriteResponse>, ApiError> {
    authorize(&st, &headers)?;
    json_body(&headers)?;
    let Query(params) = params.map_err(|e| {
        ApiError::bad_request(format!(
            "invalid query parameters ({}); `on_duplicate` is `replace` or `reject`, `strict` is `true` or `false`",
            e.body_text()
        ))
    })?;
    let duplicates = match params.on_duplicate.as_deref() {
        None | Some("replace") => DuplicatePolicy::Replace,
        Some("reject") => DuplicatePolicy::Reject,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "on_duplicate must be `replace` or `reject`, not {other:?}"
            )));
        }
    };
    let strict = params.strict.unwrap_or(false);
    let bytes = read_body(&st, body).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the body holds no document (JSON Lines expected)",
        ));
    }
    let guard = write_turn(&st).await?;
    let st2 = Arc::clone(&st);
    let resp = blocking(move || {
        let _guard = guard;
        let opts = AddOptions {
            duplicates,
            strict,
            ..AddOptions::default()
        };
        let report = st2
            .collection
            .add_jsonl("request body", &bytes[..], &opts)?;
        Ok(st2.written(report, 0))
    })
    .await?;
    Ok(axum::Json(resp))
}

/// Query parameters of `GET /v1/documents`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    /// Only ids that start with this.
    prefix: Option<String>,
    /// Only ids after this one (the `next` of the previous page).
    after: Option<String>,
    /// Only documents whose id or title contains this (any case).
    q: Option<String>,
    /// Documents per page.
    limit: Option<usize>,
}

/// Documents per page of `GET /v1/documents` unless `limit` says.
const LIST_DEFAULT: usize = 100;
/// The largest `limit` of `GET /v1/documents`.
const LIST_MAX: usize = 1000;

/// One document in the listing.
#[derive(Debug, Serialize)]
struct Listed {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outlet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
}

/// A page of `GET /v1/documents`.
#[derive(Debug, Serialize)]
struct Listing {
    documents: Vec<Listed>,
    /// The `after` of the next page; `null` on the last one.
    next: Option<String>,
}

async fn list_documents(
    State(st): State<Shared>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<axum::Json<Listing>, ApiError> {
    let Query(params) = params.map_err(|e| {
        ApiError::bad_request(format!(
            "invalid query parameters ({}); `prefix`, `after` and `q` are strings, `limit` is a \
             whole number from 1 to {LIST_MAX}",
            e.body_text()
        ))
    })?;
    let limit = params.limit.unwrap_or(LIST_DEFAULT);
    if !(1..=LIST_MAX).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "`limit` must be from 1 to {LIST_MAX}, not {limit}"
        )));
    }
    let engine = st.engine();
    let listing = blocking(move || {
        use std::ops::Bound;
        let index = engine.index();
        let prefix = params.prefix.unwrap_or_default();
        // A search reads the metadata of every document it passes: a scan
        // from the cursor on, until a page is full.
        let needle = params.q.map(|q| q.to_lowercase()).filter(|q| !q.is_empty());
        let from = match params.after.as_deref() {
            Some(after) if after >= prefix.as_str() => Bound::Excluded(after),
            _ => Bound::Included(prefix.as_str()),
        };
        let mut documents = Vec::with_capacity(limit.min(128));
        let mut more = false;
        for addr in index.live_docs_by_id(from) {
            let id = index.id(addr);
            if !id.starts_with(prefix.as_str()) {
                break;
            }
            let meta = match &needle {
                Some(needle) => {
                    let meta = index.meta(addr)?;
                    let found = id.to_lowercase().contains(needle.as_str())
                        || meta
                            .title
                            .as_deref()
                            .is_some_and(|t| t.to_lowercase().contains(needle.as_str()));
                    if !found {
                        continue;
                    }
                    Some(meta)
                }
                None => None,
            };
            if documents.len() == limit {
                more = true;
                break;
            }
            let meta = match meta {
                Some(m) => m,
                None => index.meta(addr)?,
            };
            documents.push(Listed {
                id: id.to_string(),
                title: meta.title,
                outlet: meta.outlet,
                date: meta.date,
            });
        }
        let next = if more {
            documents.last().map(|d| d.id.clone())
        } else {
            None
        };
        Ok(Listing { documents, next })
    })
    .await?;
    Ok(axum::Json(listing))
}

/// A document as `GET /v1/documents/{id}` returns it.
#[derive(Debug, Serialize)]
struct DocumentOut {
    #[serde(flatten)]
    meta: tessera::index::DocMeta,
    /// Length of the text in code points.
    length: u64,
    text: String,
}

fn doc_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id)
        .map_err(|e| ApiError::bad_request(format!("invalid document id: {}", e.body_text())))
}

async fn get_document(
    State(st): State<Shared>,
    path: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<DocumentOut>, ApiError> {
    let id = doc_id(path)?;
    let engine = st.engine();
    let doc = blocking(move || {
        let index = engine.index();
        let addr = index
            .find(&id)
            .ok_or_else(|| ApiError::not_found(format!("document {id:?} is not in the index")))?;
        let text = index.text(addr)?;
        let meta = index.meta(addr)?;
        Ok(DocumentOut {
            meta,
            length: text.chars().count() as u64,
            text,
        })
    })
    .await?;
    Ok(axum::Json(doc))
}

async fn delete_document(
    State(st): State<Shared>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<WriteResponse>, ApiError> {
    authorize(&st, &headers)?;
    let id = doc_id(path)?;
    let guard = write_turn(&st).await?;
    let st2 = Arc::clone(&st);
    let resp = blocking(move || {
        let _guard = guard;
        let deleted = st2.collection.delete(std::slice::from_ref(&id), false)?;
        Ok(st2.written(IngestReport::default(), deleted))
    })
    .await?;
    Ok(axum::Json(resp))
}
