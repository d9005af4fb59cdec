//! The pages' frame (the layout, the problem pages) and the pages of getting in: sign-in,
//! invitations, the language. The pages of figures are `reports`. Each handler reads what
//! it needs through the `Api` first and then renders in one synchronous step, since a
//! Fluent bundle may not cross an `.await`.

use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use synergy_evaluation::locale::Lang;
use synergy_proto::{OrgId, Role};

use super::session::same_secret;
use super::users::{INVITATION_DAYS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, UserError};
use super::{
    FORM_COOKIE, LANG_COOKIE, SESSION_COOKIE, Viewer, Words, cookie, css_url, lang_of,
    session::random_token, set_cookie,
};
use crate::GatewayState;

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => "简体中文",
        Lang::ZhTw => "繁體中文",
        Lang::En => "English",
    }
}

/// The page around `body`: the header names the organisation and the user, switches the
/// language and signs out.
pub(super) fn page(
    w: &Words,
    title: &str,
    here: &str,
    viewer: Option<&Viewer>,
    body: Markup,
) -> Markup {
    let back = utf8_percent_encode(here, NON_ALPHANUMERIC).to_string();
    html! {
        (DOCTYPE)
        html lang=(w.lang.html()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (w.t("app-name")) }
                link rel="stylesheet" href=(css_url());
            }
            body {
                header.top {
                    a.brand href="/app" { (w.t("app-name")) }
                    nav {
                        @if let Some(v) = viewer {
                            @let u = &v.session.user;
                            span.who #who { (w.with("signed-in-as", &[("login", &u.login), ("org", u.org.as_str()), ("role", &w.role(u.role))])) }
                            a href="/app" { (w.t("nav-home")) }
                            a href="/app/proposals" { (w.t("nav-proposals")) }
                            @if u.role == Role::Admin {
                                a href="/app/invitations" { (w.t("nav-invite")) }
                            }
                        }
                        span.langs {
                            @for lang in Lang::ALL {
                                a href={ "/lang?to=" (lang.tag()) "&back=" (back) }
                                  lang=(lang.html())
                                  aria-current=[(lang == w.lang).then_some("true")] { (lang_name(lang)) }
                            }
                        }
                        @if let Some(v) = viewer {
                            form method="post" action="/sign-out" {
                                input type="hidden" name="csrf" value=(v.session.csrf);
                                button.link #sign-out type="submit" { (w.t("sign-out")) }
                            }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

pub(super) fn html_response(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// A page that says something went wrong, with the stable rule for a person to quote.
pub(super) fn problem(
    status: StatusCode,
    lang: Lang,
    viewer: Option<&Viewer>,
    title_key: &str,
    body: &str,
    rule: &str,
) -> Response {
    let w = Words::new(lang);
    let title = w.t(title_key);
    let body = html! {
        h1 { (title) }
        p.error #problem { (body) }
        p.hint { (w.with("rule-code", &[("rule", rule)])) }
    };
    html_response(status, page(&w, &title, "/app", viewer, body))
}

/// The one answer for a partnership the viewer may not see, whether or not it exists.
pub(super) fn forbidden(lang: Lang, viewer: &Viewer) -> Response {
    let body = Words::new(lang).t("forbidden-body");
    problem(
        StatusCode::FORBIDDEN,
        lang,
        Some(viewer),
        "forbidden-title",
        &body,
        "partnership.parties_only",
    )
}

pub(super) fn csrf_refused(lang: Lang, viewer: Option<&Viewer>) -> Response {
    let body = Words::new(lang).t("csrf-failed");
    problem(
        StatusCode::FORBIDDEN,
        lang,
        viewer,
        "error-title",
        &body,
        "web.csrf",
    )
}

pub(super) fn unavailable(
    lang: Lang,
    viewer: Option<&Viewer>,
    e: &dyn std::fmt::Display,
) -> Response {
    tracing::error!(error = %e, "web page");
    let body = Words::new(lang).t("unavailable");
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        lang,
        viewer,
        "error-title",
        &body,
        "web.unavailable",
    )
}

pub(super) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// `GET /`: home when signed in, else the sign-in page.
pub async fn root(viewer: Option<Viewer>) -> Response {
    see_other(if viewer.is_some() { "/app" } else { "/sign-in" })
}

impl axum::extract::OptionalFromRequestParts<GatewayState> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &GatewayState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(
            <Viewer as axum::extract::FromRequestParts<GatewayState>>::from_request_parts(parts, s)
                .await
                .ok(),
        )
    }
}

#[derive(Debug, Deserialize)]
pub struct LangArgs {
    to: String,
    back: Option<String>,
}

/// `GET /lang?to=en&back=/app`: keeps the language in a cookie and goes back, to a path of
/// this site only.
pub async fn switch_language(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    Query(q): Query<LangArgs>,
) -> Response {
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.starts_with("/\\"))
        .unwrap_or_else(|| "/".to_owned());
    let mut res = see_other(&back);
    if let Some(lang) = Lang::from_tag(&q.to) {
        res.headers_mut().insert(
            header::SET_COOKIE,
            set_cookie(&s, &headers, LANG_COOKIE, lang.tag(), Some(365 * 24 * 3600)),
        );
    }
    res
}

/// The token of a form shown before sign-in: the one the browser already holds, else a
/// new one, set as a cookie beside the page.
fn form_token(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, FORM_COOKIE) {
        Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => {
            (t.to_owned(), false)
        }
        _ => (random_token(), true),
    }
}

fn with_form_cookie(
    s: &GatewayState,
    headers: &HeaderMap,
    res: Response,
    token: &str,
    fresh: bool,
) -> Response {
    let mut res = res;
    if fresh {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(s, headers, FORM_COOKIE, token, None),
        );
    }
    res
}

/// Whether a pre-sign-in form came from a page of this site: its field equals its cookie.
fn form_from_here(headers: &HeaderMap, field: &str) -> bool {
    cookie(headers, FORM_COOKIE).is_some_and(|c| !field.is_empty() && same_secret(c, field))
}

fn sign_in_markup(w: &Words, token: &str, login: &str, error: Option<&str>) -> Markup {
    let title = w.t("sign-in-title");
    page(
        w,
        &title,
        "/sign-in",
        None,
        html! {
            h1 { (title) }
            @if let Some(e) = error { p.error #problem role="alert" { (e) } }
            form.stack #sign-in method="post" action="/sign-in" {
                input type="hidden" name="form_token" value=(token);
                label { (w.t("login")) input name="login" value=(login) autocomplete="username" required maxlength="64"; }
                label { (w.t("password")) input name="password" type="password" autocomplete="current-password" required maxlength=(MAX_PASSWORD_CHARS); }
                button type="submit" { (w.t("sign-in-button")) }
            }
        },
    )
}

/// `GET /sign-in`.
pub async fn sign_in_page(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Option<Viewer>,
) -> Response {
    if viewer.is_some() {
        return see_other("/app");
    }
    let (token, fresh) = form_token(&headers);
    let w = Words::new(lang_of(&headers));
    let res = html_response(StatusCode::OK, sign_in_markup(&w, &token, "", None));
    with_form_cookie(&s, &headers, res, &token, fresh)
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    form_token: String,
}

/// The peer's IP address, as the server accepted the connection (behind a proxy: the
/// proxy's); "unknown" where the router runs without a listener (in-process tests).
pub struct PeerAddr(String);

impl axum::extract::FromRequestParts<GatewayState> for PeerAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &GatewayState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>();
        Ok(PeerAddr(peer.map_or_else(
            || "unknown".to_owned(),
            |c| c.0.ip().to_string(),
        )))
    }
}

/// `POST /sign-in`: the same answer for an unknown login and a wrong password; attempts
/// counted per login and per address.
pub async fn sign_in(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    PeerAddr(peer): PeerAddr,
    Form(form): Form<SignInForm>,
) -> Response {
    let lang = lang_of(&headers);
    if !form_from_here(&headers, &form.form_token) {
        return csrf_refused(lang, None);
    }
    let login = form.login.trim().to_lowercase();
    let again = |status: StatusCode, message: String, login: &str| {
        let w = Words::new(lang);
        html_response(
            status,
            sign_in_markup(&w, &form.form_token, login, Some(&message)),
        )
    };
    if !s.web.attempts.admit(&login, &peer) {
        let minutes = (s.web.attempts.limits().window.as_secs() / 60).to_string();
        let message = Words::new(lang).with("sign-in-limited", &[("minutes", &minutes)]);
        return again(StatusCode::TOO_MANY_REQUESTS, message, &login);
    }
    let users = s.web.users.clone();
    let (who, password) = (login.clone(), form.password.clone());
    // argon2 takes tens of milliseconds of CPU on purpose: off the async workers.
    let verified = tokio::task::spawn_blocking(move || users.verify(&who, &password)).await;
    match verified {
        Ok(Ok(Some(user))) => {
            s.web.attempts.succeeded(&login);
            let cookie = s.web.sessions.start(user);
            let mut res = see_other("/app");
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&s, &headers, SESSION_COOKIE, &cookie, None),
            );
            res
        }
        Ok(Ok(None)) => {
            s.web.attempts.failed(&login);
            let message = Words::new(lang).t("sign-in-failed");
            again(StatusCode::UNAUTHORIZED, message, &login)
        }
        Ok(Err(e)) => unavailable(lang, None, &e),
        Err(e) => unavailable(lang, None, &e),
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /sign-out`.
pub async fn sign_out(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !same_secret(&form.csrf, &viewer.session.csrf) {
        return csrf_refused(lang_of(&headers), Some(&viewer));
    }
    s.web.sessions.end(&viewer.cookie);
    let mut res = see_other("/sign-in");
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&s, &headers, SESSION_COOKIE, "", Some(0)),
    );
    res
}

fn invitation_markup(
    w: &Words,
    token: &str,
    form_token: &str,
    org: &OrgId,
    role: Role,
    login: &str,
    error: Option<&str>,
) -> Markup {
    let title = w.t("invite-title");
    let min = MIN_PASSWORD_CHARS.to_string();
    page(
        w,
        &title,
        "/sign-in",
        None,
        html! {
            h1 { (title) }
            p { (w.with("invite-intro", &[("org", org.as_str()), ("role", &w.role(role)), ("min", &min)])) }
            @if let Some(e) = error { p.error #problem role="alert" { (e) } }
            form.stack #accept method="post" action={ "/invite/" (token) } {
                input type="hidden" name="form_token" value=(form_token);
                label { (w.t("login")) input name="login" value=(login) autocomplete="username" required maxlength="64"; }
                label { (w.t("password")) input name="password" type="password" autocomplete="new-password" required minlength=(MIN_PASSWORD_CHARS) maxlength=(MAX_PASSWORD_CHARS); }
                label { (w.t("password-again")) input name="password_again" type="password" autocomplete="new-password" required maxlength=(MAX_PASSWORD_CHARS); }
                button type="submit" { (w.t("invite-button")) }
            }
        },
    )
}

fn invitation_gone(lang: Lang) -> Response {
    let body = Words::new(lang).t("invite-invalid");
    problem(
        StatusCode::NOT_FOUND,
        lang,
        None,
        "invite-title",
        &body,
        "user.invitation_invalid",
    )
}

/// `GET /invite/{token}`: the form that sets the invitee's password.
pub async fn invitation_page(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let lang = lang_of(&headers);
    let invitation = match s.web.users.invitation(&token, s.clock.now()) {
        Ok(Some(i)) => i,
        Ok(None) => return invitation_gone(lang),
        Err(e) => return unavailable(lang, None, &e),
    };
    let (form_token, fresh) = form_token(&headers);
    let w = Words::new(lang);
    let login = invitation.name.clone().unwrap_or_default();
    let markup = invitation_markup(
        &w,
        &token,
        &form_token,
        &invitation.org,
        invitation.role,
        &login,
        None,
    );
    with_form_cookie(
        &s,
        &headers,
        html_response(StatusCode::OK, markup),
        &form_token,
        fresh,
    )
}

#[derive(Debug, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    #[serde(default)]
    form_token: String,
}

/// `POST /invite/{token}`: sets the password once, and signs the new user in.
pub async fn accept_invitation(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Response {
    let lang = lang_of(&headers);
    if !form_from_here(&headers, &form.form_token) {
        return csrf_refused(lang, None);
    }
    let now = s.clock.now();
    let invitation = match s.web.users.invitation(&token, now) {
        Ok(Some(i)) => i,
        Ok(None) => return invitation_gone(lang),
        Err(e) => return unavailable(lang, None, &e),
    };
    let login = form.login.trim().to_lowercase();
    let again = |message: String| {
        let w = Words::new(lang);
        let markup = invitation_markup(
            &w,
            &token,
            &form.form_token,
            &invitation.org,
            invitation.role,
            &login,
            Some(&message),
        );
        html_response(StatusCode::UNPROCESSABLE_ENTITY, markup)
    };
    if form.password != form.password_again {
        return again(Words::new(lang).t("passwords-differ"));
    }
    let users = s.web.users.clone();
    let (t, l, p) = (token.clone(), login.clone(), form.password.clone());
    let accepted = tokio::task::spawn_blocking(move || users.accept(&t, &l, &p, now)).await;
    match accepted {
        Ok(Ok(user)) => {
            let cookie = s.web.sessions.start(user);
            let mut res = see_other("/app");
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&s, &headers, SESSION_COOKIE, &cookie, None),
            );
            res
        }
        Ok(Err(UserError::Refused {
            rule: "user.invitation_invalid",
            ..
        })) => invitation_gone(lang),
        Ok(Err(UserError::Refused { rule, .. })) => {
            let (min, max) = (
                MIN_PASSWORD_CHARS.to_string(),
                MAX_PASSWORD_CHARS.to_string(),
            );
            let w = Words::new(lang);
            again(w.with(&rule.replace('.', "-"), &[("min", &min), ("max", &max)]))
        }
        Ok(Err(e)) => unavailable(lang, None, &e),
        Err(e) => unavailable(lang, None, &e),
    }
}

fn invite_markup(w: &Words, viewer: &Viewer, link: Option<&str>, error: Option<&str>) -> Markup {
    let title = w.t("admin-invite-title");
    let days = INVITATION_DAYS.to_string();
    page(
        w,
        &title,
        "/app/invitations",
        Some(viewer),
        html! {
            h1 { (title) }
            @if let Some(e) = error { p.error #problem role="alert" { (e) } }
            @if let Some(link) = link {
                p { (w.with("invite-created", &[("days", &days)])) }
                p.link-out #link { (link) }
            }
            form.stack #invite method="post" action="/app/invitations" {
                input type="hidden" name="csrf" value=(viewer.session.csrf);
                label { (w.t("org")) input name="org" required maxlength="64"; }
                label { (w.t("role"))
                    select name="role" {
                        @for role in [Role::Manufacturer, Role::Distributor, Role::Admin] {
                            option value=(role.as_str()) { (w.role(role)) }
                        }
                    }
                }
                label { (w.t("name-optional")) input name="name" maxlength="64"; }
                button type="submit" { (w.t("invite-create")) }
            }
        },
    )
}

fn admin_only(lang: Lang, viewer: &Viewer) -> Option<Response> {
    (viewer.session.user.role != Role::Admin).then(|| forbidden(lang, viewer))
}

/// `GET /app/invitations`: an admin's form for a one-time invitation link.
pub async fn invite_page(headers: HeaderMap, viewer: Viewer) -> Response {
    let lang = lang_of(&headers);
    if let Some(refused) = admin_only(lang, &viewer) {
        return refused;
    }
    let w = Words::new(lang);
    html_response(StatusCode::OK, invite_markup(&w, &viewer, None, None))
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    name: String,
}

/// The app's address as the browser reached it, for the links it hands out.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if super::over_https(headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// `POST /app/invitations`.
pub async fn invite(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Form(form): Form<InviteForm>,
) -> Response {
    let lang = lang_of(&headers);
    if let Some(refused) = admin_only(lang, &viewer) {
        return refused;
    }
    if !same_secret(&form.csrf, &viewer.session.csrf) {
        return csrf_refused(lang, Some(&viewer));
    }
    let w = Words::new(lang);
    let again = |message: String| {
        html_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            invite_markup(&w, &viewer, None, Some(&message)),
        )
    };
    let Ok(org) = OrgId::new(form.org.trim()) else {
        return again(w.t("invalid-org"));
    };
    let Ok(role) = form.role.parse::<Role>() else {
        return again(w.t("role"));
    };
    let name = Some(form.name.trim().to_lowercase()).filter(|n| !n.is_empty());
    match s.web.users.invite(org, role, name, s.clock.now()) {
        Ok(new) => {
            let link = new.link(&base_url(&headers));
            html_response(
                StatusCode::OK,
                invite_markup(&w, &viewer, Some(&link), None),
            )
        }
        Err(UserError::Refused { rule, .. }) => again(w.t(&rule.replace('.', "-"))),
        Err(e) => unavailable(lang, Some(&viewer), &e),
    }
}
