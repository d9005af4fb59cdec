//! A partnership's development plans: each plan with its status, signatures and targets in
//! the page's language, and under it the forms of the strategy context's plan commands
//! (`synergy plan …`) the viewer's side may issue — every one derived from its
//! declaration (`form`), so a plan command declared tomorrow gets its form here unchanged.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use synergy_domain::PartnershipView;
use synergy_domain::contract::{CommandSpec, Kind, Shape};
use synergy_evaluation::figure::Figure;
use synergy_proto::{Context, Date, PartnershipId, Side};
use synergy_runtime::{AnyQuery, commands};
use synergy_strategy::{Plan, PlanStatus};

use super::form::{self, Notice, Posted};
use super::pages::*;
use super::{Viewer, Words, lang_of};
use crate::GatewayState;

/// The plan commands: the strategy context's `synergy plan …` group.
pub fn commands() -> impl Iterator<Item = &'static CommandSpec> {
    commands::all().filter(|s| s.context == Context::Strategy && s.cli[0] == "plan")
}

/// `?done=<verb>`: the form just recorded, said above the forms.
#[derive(Debug, Deserialize)]
pub struct DoneArgs {
    done: Option<String>,
}

impl DoneArgs {
    /// The verb, if it names a declared command (nothing else is echoed back).
    pub fn done(self) -> Option<String> {
        self.done
            .filter(|v| commands::all().any(|s| s.verb == v.as_str()))
    }
}

/// The partnership a page of forms is about, with the viewer's side in it; the 403 page
/// for a partnership the viewer is no party of, or that does not exist.
pub(super) async fn party_of(
    s: &GatewayState,
    lang: synergy_evaluation::locale::Lang,
    viewer: &Viewer,
    id: &str,
) -> Result<(PartnershipView, Side), Response> {
    let Ok(id) = PartnershipId::new(id) else {
        return Err(forbidden(lang, viewer));
    };
    let view = match crate::auth::partnership(s, &id).await {
        Ok(v) => v,
        Err(p) if p.status == StatusCode::NOT_FOUND => return Err(forbidden(lang, viewer)),
        Err(p) => return Err(unavailable(lang, Some(viewer), &p.body.message)),
    };
    match viewer.caller().side_in(&view) {
        Ok(side) => Ok((view, side)),
        Err(_) => Err(forbidden(lang, viewer)),
    }
}

/// The links between a partnership's pages.
pub(super) fn tabs(w: &Words, id: &PartnershipId, here: &str) -> Markup {
    let pages = [
        ("", "tab-reports"),
        ("/plans", "tab-plans"),
        ("/campaigns", "tab-campaigns"),
    ];
    html! {
        nav.tabs aria-label=(w.t("tab-label")) {
            @for (path, key) in pages {
                a href={ "/app/partnerships/" (id) (path) } aria-current=[(path == here).then_some("page")] { (w.t(key)) }
            }
        }
    }
}

/// The values a date input starts with: today on the partnership's calendar.
pub(super) fn dates(
    s: &GatewayState,
    view: &PartnershipView,
    spec: &CommandSpec,
) -> BTreeMap<&'static str, String> {
    let today: Date = s.clock.now().date_in(&view.time_zone);
    spec.fields
        .iter()
        .filter(|f| f.kind == Kind::Text(Shape::Date))
        .map(|f| (f.name, today.to_string()))
        .collect()
}

/// `GET /app/partnerships/{id}/plans`.
pub async fn plans_page(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<DoneArgs>,
) -> Response {
    let notice = q.done().map(Notice::Done).unwrap_or_default();
    show(&s, &headers, &viewer, &id, notice).await
}

/// `POST /app/partnerships/{id}/plans/{verb}`: one plan command's form.
pub async fn plans_post(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Path((id, verb)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = lang_of(&headers);
    let mut typed = form::typed(pairs);
    // The page's partnership, whatever the form says.
    typed.insert("partnership".to_owned(), id.clone());
    let back = format!("/app/partnerships/{id}/plans");
    match form::post(&s, lang, &viewer, commands(), &verb, typed, &back).await {
        Posted::Answer(r) => r,
        Posted::Show(notice) => show(&s, &headers, &viewer, &id, notice).await,
    }
}

async fn show(
    s: &GatewayState,
    headers: &HeaderMap,
    viewer: &Viewer,
    id: &str,
    notice: Notice,
) -> Response {
    let lang = lang_of(headers);
    let (view, side) = match party_of(s, lang, viewer, id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let answer = s
        .api
        .query(AnyQuery::Strategy(synergy_strategy::Query::Plans {
            partnership: view.id.clone(),
        }))
        .await;
    let plans: Vec<Plan> = match answer.map(serde_json::from_value) {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return unavailable(lang, Some(viewer), &e),
        Err(e) => return unavailable(lang, Some(viewer), &e),
    };
    let w = Words::new(lang);
    let title = w.with("plans-title", &[("id", view.id.as_str())]);
    let here = format!("/app/partnerships/{}/plans", view.id);
    let csrf = &viewer.session.csrf;
    let failed = notice.failed();
    let partnership = ("partnership", view.id.to_string());
    let offered: Vec<&CommandSpec> = commands()
        .filter(|c| form::offered(c, Some(side)))
        .collect();
    let per_plan = |c: &&&CommandSpec| c.path.contains("{plan}");
    let body = html! {
        (tabs(&w, &view.id, "/plans"))
        h1 { (title) }
        p.sub { (view.manufacturer) " / " (view.distributor) " · " (w.with("form-your-side", &[("side", &w.role(viewer.session.user.role))])) }
        (notice.markup(&w))
        @if plans.is_empty() { p #no-plans { (w.t("plans-none")) } }
        @for plan in &plans {
            section.card.plan id={ "plan-" (plan.id) } {
                h2 { (plan.title) " " span.sub { (plan.id) } }
                p.status {
                    span.badge { (w.t(&format!("plan-status-{}", plan.status.as_str()))) }
                    " " (w.with("plan-years", &[("first", &plan.first_year.to_string()), ("last", &plan.last_year.to_string())]))
                    " · " (w.with("plan-revision", &[("revision", &plan.revision.to_string())]))
                }
                (signatures(&w, plan))
                (targets(&w, plan))
                @if plan.status != PlanStatus::Withdrawn {
                    div.forms {
                        @for spec in offered.iter().filter(per_plan) {
                            @let fixed = [partnership.clone(), ("plan", plan.id.to_string())];
                            @let prefill = {
                                let mut p = dates(s, &view, spec);
                                p.insert("revision", plan.revision.to_string());
                                p
                            };
                            (form::render(spec, &w, csrf, &format!("{here}/{}", spec.verb), &fixed, &prefill, failed))
                        }
                    }
                }
            }
        }
        section.card #new-plan {
            h2 { (w.t("plans-new")) }
            div.forms {
                @for spec in offered.iter().filter(|c| !per_plan(c)) {
                    (form::render(spec, &w, csrf, &format!("{here}/{}", spec.verb), std::slice::from_ref(&partnership), &dates(s, &view, spec), failed))
                }
            }
        }
    };
    html_response(notice.status(), page(&w, &title, &here, Some(viewer), body))
}

fn signatures(w: &Words, plan: &Plan) -> Markup {
    html! {
        ul.signatures {
            @for side in [Side::Manufacturer, Side::Distributor] {
                @let signed = plan.signatures.iter().find(|s| s.side == side);
                li id={ "signature-" (plan.id) "-" (side) } {
                    (w.t(&format!("side-{side}"))) ": "
                    @match signed {
                        Some(s) => (w.with("plan-signed-by", &[("org", s.signed_by.as_str()), ("date", &s.signed_on.to_string())])),
                        None => (w.t("plan-not-signed")),
                    }
                }
            }
        }
    }
}

fn targets(w: &Words, plan: &Plan) -> Markup {
    let t = &w.report;
    let dash = || "—".to_owned();
    html! {
        @if plan.targets.is_empty() {
            p.targets-none { (w.t("plan-no-targets")) }
        } @else {
            div.scroll { table.targets {
                thead { tr {
                    th scope="col" { (w.t("col-period")) }
                    th scope="col" { (w.t("col-brand")) }
                    th scope="col" { (w.t("col-volume")) }
                    th scope="col" { (w.t("col-revenue")) }
                    th scope="col" { (w.t("col-share")) }
                } }
                tbody {
                    @for target in &plan.targets {
                        tr {
                            td { (target.period) }
                            td { (target.brand.as_ref().map_or_else(|| w.t("all-brands"), |b| b.to_string())) }
                            td.n { (target.volume.map_or_else(dash, |v| t.figure(&Figure::cases(Some(v.units().into())), false))) }
                            td.n { (target.revenue.map_or_else(dash, |v| t.figure(&Figure::yuan(Some(v.units().into())), false))) }
                            td.n { (target.volume_share.map_or_else(dash, |v| format!("{v} %"))) }
                        }
                    }
                }
            } }
        }
    }
}
