//! The pages: sign-in, invitations, home and a partnership's reports. Each handler reads
//! what it needs through the `Api` first and then renders in one synchronous step, since a
//! Fluent bundle may not cross an `.await`.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use synergy_evaluation::chart;
use synergy_evaluation::layout::{self, Block, Width};
use synergy_evaluation::locale::Lang;
use synergy_evaluation::portfolio::{DEFAULT_RANK_BY, Portfolio};
use synergy_evaluation::render::Format;
use synergy_evaluation::report::Report;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, OrgId, PartnershipId, Period, Role, Side, YearMonth};
use synergy_runtime::{AnyQuery, ApiError, PortfolioRequest, ReportRequest};
use synergy_strategy::ListedStatus;

use super::session::same_secret;
use super::users::{INVITATION_DAYS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, UserError};
use super::{
    FORM_COOKIE, LANG_COOKIE, SESSION_COOKIE, Viewer, Words, cookie, css_url, lang_of,
    session::random_token, set_cookie,
};
use crate::GatewayState;

/// The kinds of report the partnership page shows.
const KINDS: [ReportKind; 4] = [
    ReportKind::Market,
    ReportKind::Brand,
    ReportKind::Scorecard,
    ReportKind::Review,
];

/// The home page's headline KPIs of each partnership, in this order.
const HEADLINE: [&str; 5] = [
    "volume_cases",
    "volume_share_pct",
    "volume_yoy_pct",
    "revenue_yuan",
    "revenue_share_pct",
];

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => "简体中文",
        Lang::ZhTw => "繁體中文",
        Lang::En => "English",
    }
}

/// The page around `body`: the header names the organisation and the user, switches the
/// language and signs out.
fn page(w: &Words, title: &str, here: &str, viewer: Option<&Viewer>, body: Markup) -> Markup {
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

fn html_response(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// A page that says something went wrong, with the stable rule for a person to quote.
fn problem(
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
fn forbidden(lang: Lang, viewer: &Viewer) -> Response {
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

fn csrf_refused(lang: Lang, viewer: Option<&Viewer>) -> Response {
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

fn unavailable(lang: Lang, viewer: Option<&Viewer>, e: &dyn std::fmt::Display) -> Response {
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

fn see_other(to: &str) -> Response {
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

#[derive(Debug, Deserialize)]
pub struct PeriodArgs {
    period: Option<String>,
    kind: Option<String>,
}

/// The period asked for; `Err` with the words for a text that is no period.
fn asked_period(text: Option<&str>, w: &Words) -> Result<Option<Period>, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse::<Period>().map(Some).map_err(|_| {
            w.with(
                "invalid-period",
                &[("value", t), ("hint", &w.t("period-hint"))],
            )
        }),
    }
}

/// The latest month with market data of any of `partnerships`.
async fn latest_month(
    s: &GatewayState,
    partnerships: impl Iterator<Item = &PartnershipId>,
) -> Result<Option<YearMonth>, ApiError> {
    let mut latest = None;
    for p in partnerships {
        let answer = s
            .api
            .query(AnyQuery::Information(
                synergy_information::Query::MarketData {
                    partnership: p.clone(),
                    period: None,
                },
            ))
            .await?;
        let months = answer.as_array().into_iter().flatten();
        let newest = months
            .filter_map(|m| m.get("month")?.as_str()?.parse::<YearMonth>().ok())
            .max();
        latest = latest.max(newest);
    }
    Ok(latest)
}

fn today(s: &GatewayState, zone: &synergy_proto::TimeZone) -> Date {
    s.clock.now().date_in(zone)
}

/// A report's JSON read back into its [`Report`]; `None` when nothing is recorded yet.
async fn report(
    s: &GatewayState,
    partnership: &PartnershipId,
    kind: ReportKind,
    period: Period,
    as_of: Date,
) -> Result<Option<Report>, ApiError> {
    let json = match s
        .api
        .report(ReportRequest {
            partnership: partnership.clone(),
            period,
            kind,
            format: Format::Json,
            as_of,
            after: None,
        })
        .await
    {
        Ok(json) => json,
        Err(ApiError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let value = synergy_evaluation::json::Json::parse(&json)
        .map_err(|e| ApiError::NotReady(format!("the report's JSON does not read: {e}")))?;
    Report::from_json(&value)
        .map(Some)
        .map_err(|e| ApiError::NotReady(format!("the report does not read back: {e}")))
}

fn blocks_markup(blocks: &[Block], w: &Words, charts: &[String]) -> Markup {
    let t = &w.report;
    html! {
        @for block in blocks {
            @match block {
                Block::Heading(1, text) => h1 { (text) },
                Block::Heading(2, text) => h2 { (text) },
                Block::Heading(3, text) => h3 { (text) },
                Block::Heading(_, text) => h4 { (text) },
                Block::Text(text) => p.sub { (text) },
                Block::Table(table) => div.scroll {
                    table {
                        @if !table.title.is_empty() { caption { (table.title) } }
                        thead { tr { @for h in &table.head { th scope="col" { (h) } } } }
                        tbody {
                            @for row in &table.rows {
                                tr { @for c in row {
                                    @if c.is_number() { td.n { (c.show(t)) } } @else { td { (c.show(t)) } }
                                } }
                            }
                        }
                    }
                },
                Block::Analysis { id, heading, reason, text } => section.analysis id={ "analysis-" (id) } {
                    h3 { (heading) }
                    @if let Some(reason) = reason {
                        p { (t.get("analysis-revised", &[("reason", reason)]).unwrap_or_default()) }
                    }
                    // The distributor's own text, escaped and never interpreted.
                    div.md { (text) }
                },
                // evaluation's own SVG: every text in it is escaped where it is drawn.
                Block::Charts => @for svg in charts { figure.chart { (PreEscaped(svg)) } },
            }
        }
    }
}

fn period_form(
    w: &Words,
    action: &str,
    period: Option<Period>,
    kind: Option<ReportKind>,
) -> Markup {
    html! {
        form.inline #choose method="get" action=(action) {
            @if let Some(current) = kind {
                label { (w.t("kind-label"))
                    select name="kind" {
                        @for k in KINDS {
                            option value=(k.as_str()) selected[k == current] { (w.report.text(&format!("kind-{}", k.as_str()))) }
                        }
                    }
                }
            }
            label { (w.t("period-label"))
                input name="period" value=(period.map(|p| p.to_string()).unwrap_or_default()) placeholder="2008-H1" size="10";
            }
            button type="submit" { (w.t("show-button")) }
            span.hint { (w.t("period-hint")) }
        }
    }
}

/// `GET /app`: the viewer's partnerships with their headline KPIs of one period (the
/// latest month with data unless another is chosen) and each one's open exceptions.
pub async fn home(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Query(q): Query<PeriodArgs>,
) -> Response {
    let lang = lang_of(&headers);
    let caller = viewer.caller();
    let org = caller.principal.org.clone();
    let side = caller.principal.role.side();
    let asked = asked_period(q.period.as_deref(), &Words::new(lang));
    let mut listed = match s.api.partnerships(&org).await {
        Ok(l) => l,
        Err(e) => return unavailable(lang, Some(&viewer), &e),
    };
    // As `GET /v1/partnerships` answers: a role with a side sees the partnerships its
    // organisation is on that side of.
    listed.retain(|l| {
        side.is_none_or(|side| match side {
            Side::Manufacturer => l.manufacturer == org,
            Side::Distributor => l.distributor == org,
        })
    });
    let signed: Vec<_> = listed
        .iter()
        .filter(|l| l.status == ListedStatus::Signed)
        .collect();
    let period = match asked {
        Ok(Some(p)) => Some(p),
        Ok(None) => match latest_month(&s, signed.iter().map(|l| &l.partnership)).await {
            Ok(m) => m.map(Period::Month),
            Err(e) => return unavailable(lang, Some(&viewer), &e),
        },
        Err(_) => None,
    };
    let mut portfolio = None;
    let mut reviews = BTreeMap::new();
    if let Some(period) = period {
        let json = s
            .api
            .portfolio(PortfolioRequest {
                org: org.clone(),
                side,
                period,
                rank_by: DEFAULT_RANK_BY.to_owned(),
                after: None,
            })
            .await;
        match json.map(|j| Portfolio::from_json(&j, DEFAULT_RANK_BY)) {
            Ok(Ok(p)) => portfolio = Some(p),
            Ok(Err(e)) => return unavailable(lang, Some(&viewer), &e),
            Err(e) => return unavailable(lang, Some(&viewer), &e),
        }
        for l in &signed {
            let zone = match synergy_proto::TimeZone::new(&l.time_zone) {
                Ok(z) => z,
                Err(e) => return unavailable(lang, Some(&viewer), &e),
            };
            let as_of = today(&s, &zone);
            match report(&s, &l.partnership, ReportKind::Review, period, as_of).await {
                Ok(Some(r)) => {
                    reviews.insert(l.partnership.clone(), r);
                }
                Ok(None) => {}
                Err(e) => return unavailable(lang, Some(&viewer), &e),
            }
        }
    }
    let w = Words::new(lang);
    let title = w.t("home-title");
    let error = asked.err();
    let here = match period {
        Some(p) => format!("/app?period={p}"),
        None => "/app".to_owned(),
    };
    let rows = portfolio
        .as_ref()
        .map(|p| p.partnerships.as_slice())
        .unwrap_or_default();
    let t = &w.report;
    let body = html! {
        h1 { (title) }
        @if let Some(e) = &error { p.error #problem role="alert" { (e) } }
        @if let Some(p) = period { p.sub #period { (w.with("home-period", &[("period", &p.to_string())])) } }
        (period_form(&w, "/app", period, None))
        @if listed.is_empty() {
            p #none { (w.t("home-none")) }
        } @else {
            div.scroll {
                table #partnerships {
                    thead { tr {
                        th scope="col" { (w.t("col-partnership")) }
                        th scope="col" { (w.t("col-counterparty")) }
                        th scope="col" { (w.t("col-region")) }
                        @for key in HEADLINE { th scope="col" { (t.label(key)) } }
                    } }
                    tbody {
                        @for l in &listed {
                            @let row = rows.iter().find(|r| r.partnership == l.partnership);
                            tr {
                                td { a href={ "/app/partnerships/" (l.partnership) @if let Some(p) = period { "?period=" (p) } } { (l.partnership) } }
                                td { (l.counterparty) }
                                td { (l.region) }
                                @for key in HEADLINE {
                                    td.n { (row.and_then(|r| r.kpis.get(key)).map(|f| t.figure(f, key.ends_with("yoy_pct"))).unwrap_or_else(|| "—".to_owned())) }
                                }
                            }
                        }
                    }
                }
            }
            @for l in &signed {
                section.card id={ "exceptions-" (l.partnership) } {
                    h2 { (w.t("home-exceptions")) " · " (l.partnership) }
                    @let blocks = reviews.get(&l.partnership).map(|r| layout::section(r, "exceptions", t)).unwrap_or_default();
                    @let tables: Vec<Block> = blocks.into_iter().filter(|b| matches!(b, Block::Table(_))).collect();
                    @if tables.is_empty() { p { (w.t("exceptions-none")) } }
                    @else { (blocks_markup(&tables, &w, &[])) }
                }
            }
        }
    };
    html_response(StatusCode::OK, page(&w, &title, &here, Some(&viewer), body))
}

/// `GET /app/partnerships/{id}?kind=market&period=2008-H1`: one report of the partnership,
/// laid out and charted as the HTML report is. A partnership the viewer is no party of,
/// and one that does not exist, get the same 403 page.
pub async fn partnership_page(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<PeriodArgs>,
) -> Response {
    let lang = lang_of(&headers);
    let Ok(id) = PartnershipId::new(id) else {
        return forbidden(lang, &viewer);
    };
    let view = match crate::auth::partnership(&s, &id).await {
        Ok(v) => v,
        Err(p) if p.status == StatusCode::NOT_FOUND => return forbidden(lang, &viewer),
        Err(p) => return unavailable(lang, Some(&viewer), &p.body.message),
    };
    if viewer.caller().side_in(&view).is_err() {
        return forbidden(lang, &viewer);
    }
    let kind = q
        .kind
        .as_deref()
        .and_then(|k| KINDS.into_iter().find(|c| c.as_str() == k))
        .unwrap_or(ReportKind::Market);
    let asked = asked_period(q.period.as_deref(), &Words::new(lang));
    let period = match asked {
        Ok(Some(p)) => Some(p),
        Ok(None) => match latest_month(&s, std::iter::once(&id)).await {
            Ok(m) => m.map(Period::Month),
            Err(e) => return unavailable(lang, Some(&viewer), &e),
        },
        Err(_) => None,
    };
    let found = match period {
        Some(period) => match report(&s, &id, kind, period, today(&s, &view.time_zone)).await {
            Ok(r) => r,
            Err(e) => return unavailable(lang, Some(&viewer), &e),
        },
        None => None,
    };
    let versions = match period {
        Some(period) => match s
            .api
            .query(AnyQuery::Evaluation(
                synergy_evaluation::versions::Query::Versions {
                    partnership: id.clone(),
                    kind,
                    period,
                },
            ))
            .await
        {
            Ok(serde_json::Value::Array(v)) => v,
            Ok(_) => Vec::new(),
            Err(e) => return unavailable(lang, Some(&viewer), &e),
        },
        None => Vec::new(),
    };
    let w = Words::new(lang);
    let title = w.with("partnership-title", &[("id", id.as_str())]);
    let action = format!("/app/partnerships/{id}");
    let here = match period {
        Some(p) => format!("{action}?kind={}&period={p}", kind.as_str()),
        None => action.clone(),
    };
    let body = html! {
        p.sub { (title) " · " (view.manufacturer) " / " (view.distributor) }
        @if let Err(e) = &asked { p.error #problem role="alert" { (e) } }
        (period_form(&w, &action, period, Some(kind)))
        @match &found {
            Some(r) => {
                article #report {
                    (blocks_markup(
                        &layout::document(r, Width::Page, &w.report),
                        &w,
                        &chart::charts(r, &chart::Labels::of(&w.report)),
                    ))
                }
            }
            None => p #no-data { (w.t("no-data")) },
        }
        @if period.is_some() { (versions_markup(&w, &versions)) }
    };
    html_response(StatusCode::OK, page(&w, &title, &here, Some(&viewer), body))
}

/// The report's issued versions, newest first, each with who issued it and what it
/// restated (`synergy_evaluation::versions`).
fn versions_markup(w: &Words, versions: &[serde_json::Value]) -> Markup {
    let text = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    html! {
        section #versions {
            h2 { (w.t("versions-title")) }
            @if versions.is_empty() {
                p { (w.t("versions-none")) }
            } @else {
                div.scroll { table {
                    thead { tr {
                        th scope="col" { (w.t("col-version")) }
                        th scope="col" { (w.t("col-issued-at")) }
                        th scope="col" { (w.t("col-issued-by")) }
                        th scope="col" { (w.t("col-restatements")) }
                    } }
                    tbody {
                        @for v in versions.iter().rev() {
                            tr {
                                td.n { (v.get("version").map(|n| n.to_string()).unwrap_or_default()) }
                                td { (text(v, "issued_at")) }
                                td { (w.t(&format!("issuer-{}", text(v, "issued_by")))) " · " (text(v, "org")) " " (text(v, "user")) }
                                td {
                                    @for r in v.get("restatements").and_then(|r| r.as_array()).into_iter().flatten() {
                                        div { (text(r, "key")) ": " (text(r, "previous")) " → " (text(r, "current")) }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
        }
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
