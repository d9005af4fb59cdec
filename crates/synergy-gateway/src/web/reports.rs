//! The pages that read a partnership's figures: home (the viewer's partnerships with their
//! headline KPIs and open exceptions) and a partnership's reports with their issued
//! versions. Each handler reads what it needs through the `Api` first and then renders in
//! one synchronous step, since a Fluent bundle may not cross an `.await`.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use synergy_evaluation::chart;
use synergy_evaluation::layout::{self, Block, Width};
use synergy_evaluation::portfolio::{DEFAULT_RANK_BY, Portfolio};
use synergy_evaluation::render::Format;
use synergy_evaluation::report::Report;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, PartnershipId, Period, Side, YearMonth};
use synergy_runtime::{AnyQuery, ApiError, NotReady, PortfolioRequest, ReportRequest};
use synergy_strategy::ListedStatus;

use super::pages::*;
use super::{Viewer, Words, lang_of};
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

#[derive(Debug, Deserialize)]
pub struct PeriodArgs {
    period: Option<String>,
    kind: Option<String>,
}

/// The period asked for; `Err` with the words for a text that is no period.
pub(super) fn asked_period(text: Option<&str>, w: &Words) -> Result<Option<Period>, String> {
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
pub(super) async fn latest_month(
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

pub(super) fn today(s: &GatewayState, zone: &synergy_proto::TimeZone) -> Date {
    s.clock.now().date_in(zone)
}

/// A report's JSON read back into its [`Report`]; `None` when nothing is recorded yet.
pub(super) async fn report(
    s: &GatewayState,
    partnership: &PartnershipId,
    kind: ReportKind,
    period: Period,
    as_of: Date,
) -> Result<Option<Report>, ApiError> {
    report_after(s, partnership, kind, period, as_of, None).await
}

/// [`report`] once the read models hold the log up to `after` (read-your-writes after a
/// form recorded something).
pub(super) async fn report_after(
    s: &GatewayState,
    partnership: &PartnershipId,
    kind: ReportKind,
    period: Period,
    as_of: Date,
    after: Option<synergy_eventlog::Position>,
) -> Result<Option<Report>, ApiError> {
    let json = match s
        .api
        .report(ReportRequest {
            partnership: partnership.clone(),
            period,
            kind,
            format: Format::Json,
            as_of,
            after,
        })
        .await
    {
        Ok(json) => json,
        Err(ApiError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let value = synergy_evaluation::json::Json::parse(&json)
        .map_err(|e| ApiError::NotReady(NotReady::unreadable("the report's JSON", e)))?;
    Report::from_json(&value)
        .map(Some)
        .map_err(|e| ApiError::NotReady(NotReady::unreadable("the report", e)))
}

pub(super) fn blocks_markup(blocks: &[Block], w: &Words, charts: &[String]) -> Markup {
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
    let view = match super::plans::party_of(&s, lang, &viewer, &id).await {
        Ok((view, _)) => view,
        Err(page) => return page,
    };
    let id = view.id.clone();
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
    let may_upload = super::upload::may_upload(&viewer, &view);
    let w = Words::new(lang);
    let title = w.with("partnership-title", &[("id", id.as_str())]);
    let action = format!("/app/partnerships/{id}");
    let here = match period {
        Some(p) => format!("{action}?kind={}&period={p}", kind.as_str()),
        None => action.clone(),
    };
    let body = html! {
        (super::plans::tabs(&w, &id, ""))
        p.sub { (title) " · " (view.manufacturer) " / " (view.distributor)
            " · " a #to-review href={ "/app/partnerships/" (id) "/review" @if let Some(p) = period.filter(|p| p.kind() != synergy_proto::PeriodKind::Month) { "?period=" (p) } } { (w.t("meeting-open")) } }
        @if may_upload { p.actions { a #upload-link href={ (action) "/upload" } { (w.t("upload-link")) } } }
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
        @if period.is_some() { (versions_table(&w, &versions, None, None, html! {})) }
    };
    html_response(StatusCode::OK, page(&w, &title, &here, Some(&viewer), body))
}

/// A report's issued versions, newest first: who issued each and what it restated, in
/// words (`synergy_evaluation::versions`); `link` makes a version's number a link to its
/// frozen page, `refused` and `after` go above and below the table.
pub(super) fn versions_table(
    w: &Words,
    versions: &[serde_json::Value],
    link: Option<&dyn Fn(&str) -> String>,
    refused: Option<Markup>,
    after: Markup,
) -> Markup {
    let text = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    html! {
        section #versions {
            h2 { (w.t("versions-title")) }
            (refused.unwrap_or_default())
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
                            @let n = v.get("version").map(|n| n.to_string()).unwrap_or_default();
                            tr {
                                td.n {
                                    @if let Some(link) = link {
                                        a href=(link(&n)) { (w.with("meeting-version-link", &[("n", &n)])) }
                                    } @else { (n) }
                                }
                                td { (text(v, "issued_at")) }
                                td { (w.t(&format!("issuer-{}", text(v, "issued_by")))) " · " (text(v, "org")) " · " (text(v, "user").trim_start_matches("user:")) }
                                td {
                                    @let restated = v.get("restatements").and_then(|r| r.as_array()).cloned().unwrap_or_default();
                                    @if restated.is_empty() { (w.t("meeting-restated-none")) }
                                    @for r in &restated {
                                        div { (restatement(&w.report, r)) }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
            (after)
        }
    }
}

/// One restated figure in words: where it sits, its label, what it was and what it is.
fn restatement(t: &synergy_evaluation::locale::Texts, r: &serde_json::Value) -> String {
    let key = r.get("key").and_then(|k| k.as_str()).unwrap_or_default();
    let (scope, figure) = key.rsplit_once('.').unwrap_or(("", key));
    // `skus[hongyun-soft].kpis` → `hongyun-soft`; `kpis` is the pack's own.
    let scope = scope
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(row, _)| format!("{row} "))
        .unwrap_or_default();
    let value = |k: &str| match r.get(k).and_then(|v| v.as_str()) {
        None => "—".to_owned(),
        Some(v) => layout::figure_of(
            figure,
            &synergy_evaluation::json::Json::Number(v.to_owned()),
        )
        .map_or_else(|| v.to_owned(), |f| t.figure(&f, false)),
    };
    format!(
        "{scope}{}: {} → {}",
        t.label(figure),
        value("previous"),
        value("current")
    )
}
