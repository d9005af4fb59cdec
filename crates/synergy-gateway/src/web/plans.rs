//! A partnership's development plans: each plan with its status, signatures and targets in
//! the page's language, and under it the forms of the strategy context's plan commands
//! (`synergy plan …`) the viewer's side may issue — every one derived from its
//! declaration (`form`), so a plan command declared tomorrow gets its form here unchanged.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use synergy_domain::PartnershipView;
use synergy_domain::contract::{CommandSpec, Kind, Shape};
use synergy_evaluation::figure::Figure;
use synergy_proto::{Context, Date, PartnershipId, Side};
use synergy_runtime::{AnyQuery, commands};
use synergy_strategy::{Plan, PlanStatus};

use super::form;
use super::pages::*;
use super::{Viewer, Words};
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

/// The plans page's forms and how it shows itself ([`form::page`], [`form::page_post`]).
pub struct Plans;

impl form::FormsPage for Plans {
    const SEGMENT: &'static str = "plans";
    type Shows = Vec<Plan>;

    fn commands() -> impl Iterator<Item = &'static CommandSpec> {
        commands()
    }

    async fn read(shown: &form::Shown<'_>) -> Result<Vec<Plan>, Response> {
        let (s, view, lang, viewer) = (shown.s, &shown.view, shown.lang, shown.viewer);
        let answer = s
            .api
            .query(AnyQuery::Strategy(synergy_strategy::Query::Plans {
                partnership: view.id.clone(),
            }))
            .await;
        match answer.map(serde_json::from_value) {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(e)) => Err(unavailable(lang, Some(viewer), &e)),
            Err(e) => Err(unavailable(lang, Some(viewer), &e)),
        }
    }

    fn body(shown: &form::Shown<'_>, w: &Words, plans: &Vec<Plan>) -> Markup {
        let per_plan = |c: &&&CommandSpec| c.path.contains("{plan}");
        html! {
            @if plans.is_empty() { p #no-plans { (w.t("plans-none")) } }
            @for plan in plans {
                section.card.plan id={ "plan-" (plan.id) } {
                    h2 { (plan.title) " " span.sub { (plan.id) } }
                    p.status {
                        span.badge { (w.t(&format!("plan-status-{}", plan.status.as_str()))) }
                        " " (w.with("plan-years", &[("first", &plan.first_year.to_string()), ("last", &plan.last_year.to_string())]))
                        " · " (w.with("plan-revision", &[("revision", &plan.revision.to_string())]))
                    }
                    (signatures(w, plan))
                    (targets(w, plan))
                    @if plan.status != PlanStatus::Withdrawn {
                        div.forms {
                            @for spec in shown.offered.iter().filter(per_plan) {
                                @let fixed = [shown.partnership.clone(), ("plan", plan.id.to_string())];
                                @let prefill = {
                                    let mut p = dates(shown.s, &shown.view, spec);
                                    p.insert("revision", plan.revision.to_string());
                                    p
                                };
                                (shown.form(spec, w, &fixed, &prefill))
                            }
                        }
                    }
                }
            }
            section.card #new-plan {
                h2 { (w.t("plans-new")) }
                div.forms {
                    @for spec in shown.offered.iter().filter(|c| !per_plan(c)) {
                        (shown.form(spec, w, std::slice::from_ref(&shown.partnership), &dates(shown.s, &shown.view, spec)))
                    }
                }
            }
        }
    }
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
