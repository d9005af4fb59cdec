//! The HTTP gateway (axum): a JSON API over [`synergy_runtime::Api`] for every context's
//! commands, the catalogue and market-data uploads, reports, API tokens and partnership
//! scoping. It holds no business rule of its own beyond "who may call this route"; it must
//! never import an event log backend, NATS or a read-model store directly — everything goes
//! through the `Api` trait, so the same gateway serves the embedded and the NATS deployment.
//!
//! # Routes
//!
//! Commands are `POST` under `/v1/partnerships/{id}/…` (signing is `POST /v1/partnerships`),
//! take a JSON body and answer `201` with the [`dto::OutcomeBody`] (and the members the
//! command's declaration adds, `CommandSpec::answer`) when events were recorded, `200`
//! when nothing changed or the `Idempotency-Key` (a UUID) was seen before.
//! Uploads (`…/catalogue`, `…/market-data`) take `text/csv`, XLSX or JSON and are
//! accepted or rejected whole. Reports: `GET …/reports/{kind}/{period}?format=json|csv|md|html
//! [&as_of=YYYY-MM-DD][&after=POSITION]`; `POST …/reports/{kind}/{period}/issues`
//! (evaluation's declared `issue-report`) freezes the live report as its next version (201,
//! with `issued` and the restatements since the previous one) and
//! `GET …/reports/{kind}/{period}/versions/{n}` reads a frozen version back unchanged, or
//! rendered from it (`?format=`).
//! Text fields have documented shapes ([`text`]): ids, dates, months, periods and decimal
//! amounts are checked exactly as the OpenAPI patterns state. `GET /openapi.json` is the full contract;
//! `/healthz` and `/metrics` (Prometheus text) are unauthenticated.
//!
//! # Auth
//!
//! `Authorization: Bearer syn_<id>_<secret>`; tokens are bound to an organisation and a
//! role and stored as HMAC-SHA256 under a per-store random key ([`tokens`]). An admin token
//! acts for the organisation named in `X-Act-As` (or its own). A caller that is not a party
//! of the partnership gets 403 before anything is read or executed; commands that
//! `docs/model.md` gives to one side are refused to the other side here (403) and again in
//! the domain.
//!
//! # Web app
//!
//! [`web`] serves pages for people on the same origin (`/`, `/sign-in`, `/app`, …):
//! password sign-in by invitation, server-side sessions, CSRF tokens, a strict
//! Content-Security-Policy and the same partnership scoping (`docs/web.md`).
//!
//! # Error codes
//!
//! Every error is JSON `{code, message, rule?, field?, errors?}` with the status of its
//! code in the one table of stable codes, [`synergy_domain::ErrorCode`], documented in
//! `docs/errors.md` and in the OpenAPI description ([`error`] maps every failure through
//! it). A 503 carries `Retry-After`; `internal` details stay in the server log.

pub mod auth;
mod declared;
pub mod dto;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod portfolio;
pub mod reads;
pub mod routes;
pub mod text;
pub mod tokens;
pub mod uploads;
pub mod web;
pub mod webhooks;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use synergy_domain::ErrorCode;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use synergy_runtime::{Api, Clock, SystemClock};

pub use error::{ErrorBody, Problem, codes};
pub use tokens::{FileTokenStore, NewToken, SledTokenStore, TokenError, TokenInfo, TokenStore};

/// Request limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body accepted (413 above).
    pub body_bytes: usize,
    /// Longest a request may take (408 after).
    pub request_timeout: Duration,
    /// What an upload's file may hold (rows, cells, inflated bytes, …); a file past a
    /// limit is 422 `invalid_file` with the limit's rule (`import.limit_*`).
    pub import: synergy_import::Limits,
}

impl Limits {
    /// The body limit unless configured: 8 MiB.
    pub const DEFAULT_BODY_BYTES: usize = 8 * 1024 * 1024;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: Self::DEFAULT_BODY_BYTES,
            request_timeout: Duration::from_secs(30),
            import: synergy_import::Limits::DEFAULT,
        }
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct GatewayState {
    pub api: Arc<dyn Api>,
    pub tokens: Arc<dyn TokenStore>,
    pub clock: Arc<dyn Clock>,
    pub limits: Limits,
    pub metrics: Arc<metrics::Metrics>,
    /// The web app's people, sessions and sign-in attempts.
    pub web: Arc<web::Web>,
    /// The installation's webhook signing key: the webhook routes answer 503 without it.
    pub webhook_key: Option<synergy_runtime::webhook::SigningKey>,
    /// The outbox of the webhooks this process delivers (embedded), for `/metrics`.
    pub webhook_outbox: Option<Arc<synergy_runtime::webhook::Outbox>>,
}

impl fmt::Debug for GatewayState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayState")
            .field("tokens", &self.tokens)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl GatewayState {
    pub fn new(api: Arc<dyn Api>, tokens: Arc<dyn TokenStore>) -> Self {
        Self {
            api,
            tokens,
            clock: Arc::new(SystemClock),
            limits: Limits::default(),
            metrics: Arc::default(),
            web: Arc::new(web::Web::new(Arc::new(web::users::UserStore::memory()))),
            webhook_key: None,
            webhook_outbox: None,
        }
    }

    /// The people who sign in to the web app (by default kept in memory only).
    pub fn with_users(mut self, users: Arc<web::users::UserStore>) -> Self {
        self.web = Arc::new(web::Web::new(users));
        self
    }

    /// Session cookies carry `Secure` on every answer (the app is served over TLS).
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        let mut web = web::Web::new(self.web.users.clone());
        web.secure_cookies = secure;
        self.web = Arc::new(web);
        self
    }

    /// Counts the deliveries `outbox` owes and gave up on in `/metrics`.
    pub fn with_webhook_outbox(mut self, outbox: Arc<synergy_runtime::webhook::Outbox>) -> Self {
        self.webhook_outbox = Some(outbox);
        self
    }

    /// Serves the webhook routes, whose secrets are derived under `key`.
    pub fn with_webhook_key(mut self, key: synergy_runtime::webhook::SigningKey) -> Self {
        self.webhook_key = Some(key);
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The clock giving reports their default "as of" date.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// Every route: method, path (as in the OpenAPI document) and handler.
fn table() -> Vec<(Method, &'static str, MethodRouter<GatewayState>)> {
    use routes::*;
    use uploads::*;
    let p = |path, h| (Method::POST, path, h);
    let mut table = declared::routes();
    table.extend(reads::routes());
    table.extend([
        (Method::GET, "/healthz", get(healthz)),
        (Method::GET, "/metrics", get(metrics)),
        (Method::GET, "/openapi.json", get(openapi)),
        (
            Method::GET,
            "/v1/partnerships",
            get(portfolio::list_partnerships),
        ),
        (Method::GET, "/v1/portfolio", get(portfolio::get_portfolio)),
        p("/v1/webhooks", post(webhooks::register)),
        (Method::GET, "/v1/webhooks", get(webhooks::list)),
        (Method::GET, "/v1/webhooks/{id}", get(webhooks::get_one)),
        (
            Method::DELETE,
            "/v1/webhooks/{id}",
            delete(webhooks::remove),
        ),
        (Method::GET, "/v1/partnerships/{id}", get(get_partnership)),
        (
            Method::GET,
            "/v1/partnerships/{id}/history",
            get(portfolio::get_history),
        ),
        p("/v1/partnerships/{id}/catalogue", post(import_catalogue)),
        (
            Method::GET,
            "/v1/partnerships/{id}/catalogue",
            get(get_catalogue),
        ),
        p(
            "/v1/partnerships/{id}/market-data",
            post(import_market_data),
        ),
        (
            Method::GET,
            "/v1/partnerships/{id}/reports/{kind}/{period}",
            get(get_report),
        ),
        (
            Method::GET,
            "/v1/partnerships/{id}/plan-gap/{period}",
            get(get_plan_gap),
        ),
        (
            Method::GET,
            "/v1/partnerships/{id}/campaigns/{campaign}/value-realised",
            get(get_value_realised),
        ),
        (
            Method::GET,
            "/v1/partnerships/{id}/reports/{kind}/{period}/versions/{version}",
            get(get_issued_report),
        ),
    ]);
    table
}

/// Every route the router serves, as (method, path); the OpenAPI test checks each is
/// documented.
pub fn route_table() -> Vec<(Method, &'static str)> {
    table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

async fn not_found() -> Problem {
    Problem::new(ErrorCode::NotFound, "no such route; see /openapi.json")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        ErrorCode::MethodNotAllowed,
        "this path does not take that method; see /openapi.json",
    )
}

/// Times the request, counts it by route and status, and cuts it off at the timeout.
async fn observe(State(s): State<GatewayState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let response = match tokio::time::timeout(s.limits.request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => Problem::new(ErrorCode::Timeout,
            format!(
                "the request took longer than {} s and was abandoned; a command may or may not be recorded, so retry with the same Idempotency-Key",
                s.limits.request_timeout.as_secs()
            ),
        )
        .into_response(),
    };
    s.metrics.request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Reads the request body whole, up to [`Limits::body_bytes`], before any handler runs.
///
/// A handler that refuses a request early (401, 403, 404, …) never reads its body, and
/// hyper then closes the connection instead of answering the next request on it, so every
/// refused upload cost the client its keep-alive connection. Reading the bounded body here
/// first keeps the connection usable whatever the answer. A body past the limit is read on
/// (and dropped) up to the limit once more, so a slightly oversized upload keeps the
/// connection too; past that (or announced past it by `Content-Length`, then unread) the
/// 413 says `Connection: close`.
async fn buffer_body(State(s): State<GatewayState>, req: Request, next: Next) -> Response {
    use axum::body::Body;
    use http_body_util::BodyExt as _;

    let (parts, mut body) = req.into_parts();
    let limit = s.limits.body_bytes;
    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // A person's page says it in words; the API answers its JSON.
    let too_large = || match parts.uri.path().starts_with("/app/") {
        true => web::upload::too_large(&parts.headers, limit),
        false => extract::too_large().into_response(),
    };
    if declared.is_some_and(|n| n > limit.saturating_mul(2) as u64) {
        // Announced far past the limit: refused unread, and the connection closed.
        let mut response = too_large();
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
        return response;
    }
    let mut kept: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    let mut finished = false;
    while seen <= limit.saturating_mul(2) {
        match body.frame().await {
            None => {
                finished = true;
                break;
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    seen = seen.saturating_add(data.len());
                    if seen <= limit {
                        kept.extend_from_slice(&data);
                    } else {
                        kept = Vec::new();
                    }
                }
            }
            Some(Err(e)) => {
                return Problem::new(
                    ErrorCode::MalformedJson,
                    format!("the body could not be read: {e}"),
                )
                .into_response();
            }
        }
    }
    if seen > limit {
        let mut response = too_large();
        if !finished {
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        return response;
    }
    next.run(Request::from_parts(parts, Body::from(kept))).await
}

/// The gateway's router.
pub fn router(state: GatewayState) -> Router {
    let mut router = Router::new();
    for (_, path, handler) in table() {
        router = router.route(path, handler);
    }
    router
        .merge(web::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.limits.body_bytes))
        .layer(middleware::from_fn_with_state(state.clone(), buffer_body))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(request_answered)
                .on_body_chunk(())
                .on_eos(())
                .on_failure(()),
        )
        .with_state(state)
}

/// The target of the request log: `--log warn,synergy_gateway::request=info` shows it
/// alone.
pub const REQUEST_LOG: &str = "synergy_gateway::request";

/// The span of one request in the request log: its method and path, never the query, the
/// headers or the body, which carry tokens and data. Events logged while the request is
/// handled carry the same fields.
fn request_span(req: &Request) -> tracing::Span {
    tracing::info_span!(
        target: REQUEST_LOG,
        "request",
        method = %req.method(),
        path = %logged_path(req.uri().path()),
    )
}

/// The path as the request log writes it: an invitation link's secret left out.
fn logged_path(path: &str) -> &str {
    if path.starts_with("/invite/") {
        "/invite/…"
    } else {
        path
    }
}

/// The request log's one line per answered request, at INFO: the status and time taken.
fn request_answered(res: &Response, latency: Duration, _: &tracing::Span) {
    tracing::info!(
        target: REQUEST_LOG,
        status = res.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "answered"
    );
}

/// Serves the gateway on `listener` until `shutdown` resolves, then drains open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: GatewayState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer's address counts the web app's sign-in attempts per address.
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
