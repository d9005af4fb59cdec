//! The web app: pages for people, served beside the API on the same origin and reading
//! through the same [`synergy_runtime::Api`] with the same partnership scoping.
//!
//! Server-rendered HTML (maud: markup written in Rust, every value escaped by the macro),
//! one stylesheet of our own and no script at all, so the `Content-Security-Policy`
//! forbids every script and inline style, and nothing is built at install time. Charts are
//! evaluation's SVG (`synergy_evaluation::chart`), the same figures as the printed
//! reports. People sign in with a password ([`users`]) into a server-side session
//! ([`session`]); the words are Fluent messages in 简体中文, 繁體中文 and English
//! (`locales/*.ftl`). `docs/web.md` states the rules: sessions, CSRF, CSP, rate limits.

mod i18n;
mod meeting;
mod pages;
mod reports;
// Forms: plans, campaigns and proposals, each command's form derived from its declaration.
mod campaigns;
mod form;
mod plans;
mod proposals;
pub mod session;
pub mod upload;
pub mod users;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::{FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use synergy_domain::Principal;
use synergy_evaluation::locale::Lang;

use crate::GatewayState;
use crate::auth::Caller;
use session::{AttemptLimits, Attempts, Session, Sessions};
use users::UserStore;

pub use i18n::Words;

/// What the web app keeps: its people, their sessions and the sign-in attempts counted.
#[derive(Debug)]
pub struct Web {
    pub users: Arc<UserStore>,
    pub sessions: Sessions,
    pub attempts: Attempts,
    /// Cookies carry `Secure` always (the app is behind TLS), not only for a request that
    /// says it came over https.
    pub secure_cookies: bool,
}

impl Web {
    pub fn new(users: Arc<UserStore>) -> Self {
        Self {
            users,
            sessions: Sessions::default(),
            attempts: Attempts::new(AttemptLimits::default()),
            secure_cookies: false,
        }
    }
}

/// The session cookie.
pub const SESSION_COOKIE: &str = "synergy_session";
/// The form token of the pages shown before sign-in (double-submitted: cookie and field).
pub const FORM_COOKIE: &str = "synergy_form";
/// The language chosen with the switch.
pub const LANG_COOKIE: &str = "synergy_lang";

/// No script from anywhere, styles and images from this origin only (charts are inline
/// SVG elements, which `img-src` does not govern), forms only to this origin, never in a
/// frame.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const CSS: &str = include_str!("../../assets/app.css");

/// The stylesheet's URL: its content hash in the name, so it is cached for a year and a
/// new build is fetched at once.
pub fn css_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let hash = hex::encode(&Sha256::digest(CSS.as_bytes())[..6]);
        format!("/assets/app-{hash}.css")
    })
}

async fn asset(Path(file): Path<String>) -> Response {
    if format!("/assets/{file}") != css_url() {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        CSS,
    )
        .into_response()
}

/// The headers every page and asset carries.
async fn secure_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // Invitation links carry their secret in the path: never send it on.
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    res
}

/// The web app's routes (the API's are `crate::table`).
pub fn router() -> Router<GatewayState> {
    use pages::*;
    use reports::{home, partnership_page};
    Router::new()
        .route("/", get(root))
        .route("/assets/{file}", get(asset))
        .route("/lang", get(switch_language))
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-out", axum::routing::post(sign_out))
        .route(
            "/invite/{token}",
            get(invitation_page).post(accept_invitation),
        )
        .route("/app", get(home))
        .route("/app/partnerships/{id}", get(partnership_page))
        .route("/app/invitations", get(invite_page).post(invite))
        // Forms: plans, campaigns and proposals.
        .route(
            "/app/partnerships/{id}/plans",
            get(form::page::<plans::Plans>),
        )
        .route(
            "/app/partnerships/{id}/plans/{verb}",
            axum::routing::post(form::page_post::<plans::Plans>),
        )
        .route(
            "/app/partnerships/{id}/campaigns",
            get(form::page::<campaigns::Campaigns>),
        )
        .route(
            "/app/partnerships/{id}/campaigns/{verb}",
            axum::routing::post(form::page_post::<campaigns::Campaigns>),
        )
        .route("/app/proposals", get(proposals::proposals_page))
        .route(
            "/app/proposals/{verb}",
            axum::routing::post(proposals::proposals_post),
        )
        // The review meeting (meeting.rs).
        .route("/app/partnerships/{id}/review", get(meeting::review_page))
        .route(
            "/app/partnerships/{id}/review/meeting",
            axum::routing::post(meeting::record_meeting),
        )
        .route(
            "/app/partnerships/{id}/review/decisions",
            axum::routing::post(meeting::record_decision),
        )
        .route(
            "/app/partnerships/{id}/review/issues",
            axum::routing::post(meeting::issue_pack),
        )
        .route(
            "/app/partnerships/{id}/review/versions/{n}",
            get(meeting::frozen_version),
        )
        // upload: a month's market data as a file, and its templates
        .route(
            "/app/partnerships/{id}/upload",
            get(upload::upload_page).post(upload::upload),
        )
        .route("/app/templates/{file}", get(upload::template))
        .layer(middleware::from_fn(secure_headers))
}

/// The value of cookie `name` in the request, if sent (at most 4 KiB of the header read).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.len() <= 4096)
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the request came over https: a TLS proxy in front says so.
fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Strict; Path=/` always, `Secure` over https
/// or when configured; `max_age` 0 removes it.
pub fn set_cookie(
    s: &GatewayState,
    headers: &HeaderMap,
    name: &str,
    value: &str,
    max_age: Option<u64>,
) -> HeaderValue {
    let mut text = format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/");
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    if s.web.secure_cookies || over_https(headers) {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).expect("cookie names and hex values are header-safe")
}

/// The language of a page: the switch's cookie, else the browser's `Accept-Language`,
/// else 简体中文.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::from_tag)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

/// A signed-in person and their session.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub session: Session,
    /// The session cookie's value, to end it.
    cookie: String,
}

impl Viewer {
    /// The caller the API's scoping knows: the user's organisation in the user's role.
    pub fn caller(&self) -> Caller {
        let user = &self.session.user;
        let actor = format!("user:{}", user.login);
        Caller {
            principal: Principal::new(user.org.clone(), user.role, actor.clone()),
            token_id: actor,
        }
    }
}

impl FromRequestParts<GatewayState> for Viewer {
    /// Not signed in (no cookie, or one of no live session): to the sign-in page.
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        s: &GatewayState,
    ) -> Result<Self, Self::Rejection> {
        let cookie = cookie(&parts.headers, SESSION_COOKIE).unwrap_or_default();
        match s.web.sessions.get(cookie) {
            Some(session) => Ok(Viewer {
                session,
                cookie: cookie.to_owned(),
            }),
            None => Err(Redirect::to("/sign-in").into_response()),
        }
    }
}
