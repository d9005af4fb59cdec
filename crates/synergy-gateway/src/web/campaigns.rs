//! A partnership's campaigns: each with its plan, where it is, its tasks by side, its
//! materials and closure in the page's language, and under it the forms of the marketing
//! context's commands (the seed's division of labour) the viewer's side may issue, each
//! derived from its declaration (`form`).

use std::collections::BTreeSet;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{Markup, html};
use synergy_domain::contract::{Choosable, CommandSpec};
use synergy_marketing::{CAMPAIGN_AGGREGATE, Campaign, Lifecycle};
use synergy_proto::events::marketing::CampaignOutcome;
use synergy_proto::{CampaignId, Context, PartnershipId};
use synergy_runtime::history::HistoryQuery;
use synergy_runtime::{AnyQuery, ApiError, commands};

use super::form::{self, Notice, Posted};
use super::pages::*;
use super::plans::{DoneArgs, dates, party_of, tabs};
use super::{Viewer, Words, lang_of};
use crate::GatewayState;

/// The marketing context's commands.
pub fn commands() -> impl Iterator<Item = &'static CommandSpec> {
    commands::all().filter(|s| s.context == Context::Marketing)
}

/// The most commits of the marketing trail read to find the campaigns: 20 pages of the
/// trail's largest, far beyond a partnership's campaigns.
const MAX_PAGES: usize = 20;

/// The partnership's campaigns, in the order of their ids, from the marketing trail.
async fn campaign_ids(
    s: &GatewayState,
    partnership: &PartnershipId,
) -> Result<BTreeSet<CampaignId>, ApiError> {
    let mut ids = BTreeSet::new();
    let mut after = None;
    for _ in 0..MAX_PAGES {
        let page = s
            .api
            .history(HistoryQuery {
                partnership: partnership.clone(),
                context: Some(Context::Marketing),
                aggregate: None,
                from: None,
                to: None,
                after,
                limit: synergy_runtime::history::MAX_LIMIT,
            })
            .await?;
        let prefix = format!("{CAMPAIGN_AGGREGATE}:");
        ids.extend(page.entries.iter().filter_map(|e| {
            e.aggregate
                .strip_prefix(&prefix)
                .and_then(|id| CampaignId::new(id).ok())
        }));
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(ids)
}

/// `GET /app/partnerships/{id}/campaigns`.
pub async fn campaigns_page(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<DoneArgs>,
) -> Response {
    let notice = q.done().map(Notice::Done).unwrap_or_default();
    show(&s, &headers, &viewer, &id, notice).await
}

/// `POST /app/partnerships/{id}/campaigns/{verb}`: one marketing command's form.
pub async fn campaigns_post(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Path((id, verb)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = lang_of(&headers);
    let mut typed = form::typed(pairs);
    typed.insert("partnership".to_owned(), id.clone());
    let back = format!("/app/partnerships/{id}/campaigns");
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
    let ids = match campaign_ids(s, &view.id).await {
        Ok(ids) => ids,
        Err(e) => return unavailable(lang, Some(viewer), &e),
    };
    let mut campaigns = Vec::new();
    for campaign in ids {
        let answer = s
            .api
            .query(AnyQuery::Marketing(synergy_marketing::Query::Campaign {
                partnership: view.id.clone(),
                campaign,
            }))
            .await;
        match answer.map(serde_json::from_value::<Campaign>) {
            Ok(Ok(c)) => campaigns.push(c),
            Ok(Err(e)) => return unavailable(lang, Some(viewer), &e),
            Err(e) => return unavailable(lang, Some(viewer), &e),
        }
    }
    let w = Words::new(lang);
    let title = w.with("campaigns-title", &[("id", view.id.as_str())]);
    let here = format!("/app/partnerships/{}/campaigns", view.id);
    let csrf = &viewer.session.csrf;
    let failed = notice.failed();
    let partnership = ("partnership", view.id.to_string());
    let offered: Vec<&CommandSpec> = commands()
        .filter(|c| form::offered(c, Some(side)))
        .collect();
    let per_campaign = |c: &&&CommandSpec| c.path.contains("{campaign}");
    let body = html! {
        (tabs(&w, &view.id, "/campaigns"))
        h1 { (title) }
        p.sub { (view.manufacturer) " / " (view.distributor) " · " (w.with("form-your-side", &[("side", &w.role(viewer.session.user.role))])) }
        (notice.markup(&w))
        @if campaigns.is_empty() { p #no-campaigns { (w.t("campaigns-none")) } }
        @for c in &campaigns {
            @if let Some(id) = c.id() {
                section.card.campaign id={ "campaign-" (id) } {
                    (campaign_markup(&w, id, c))
                    @if c.lifecycle() != Lifecycle::Closed {
                        div.forms {
                            @for spec in offered.iter().filter(per_campaign) {
                                @let fixed = [partnership.clone(), ("campaign", id.to_string())];
                                (form::render(spec, &w, csrf, &format!("{here}/{}", spec.verb), &fixed, &dates(s, &view, spec), failed))
                            }
                        }
                    }
                }
            }
        }
        section.card #new-campaign {
            h2 { (w.t("campaigns-new")) }
            div.forms {
                @for spec in offered.iter().filter(|c| !per_campaign(c)) {
                    (form::render(spec, &w, csrf, &format!("{here}/{}", spec.verb), std::slice::from_ref(&partnership), &dates(s, &view, spec), failed))
                }
                @if offered.iter().all(|c| per_campaign(&c)) { p.hint { (w.t("campaigns-new-other-side")) } }
            }
        }
    };
    html_response(notice.status(), page(&w, &title, &here, Some(viewer), body))
}

fn campaign_markup(w: &Words, id: &CampaignId, c: &Campaign) -> Markup {
    let t = &w.report;
    html! {
        @if let Some(plan) = c.plan() {
            h2 { (plan.title) " " span.sub { (id) } }
            p.status {
                span.badge { (w.t(&format!("campaign-status-{}", c.lifecycle().as_str()))) }
                " " (w.with("campaign-window", &[("brand", plan.brand.as_str()), ("from", &plan.starts_on.to_string()), ("to", &plan.ends_on.to_string())]))
            }
            p.md { (plan.activity_plan) }
        }
        @if let Some(closure) = c.closure() {
            p.closure { (w.with("campaign-closed", &[("date", &closure.closed_on.to_string()), ("outcome", &outcome(w, closure.outcome))])) " " (closure.summary) }
        }
        @if !c.tasks().is_empty() {
            div.scroll { table.tasks {
                thead { tr {
                    th scope="col" { (w.t("col-task")) }
                    th scope="col" { (w.t("col-side")) }
                    th scope="col" { (w.t("col-due")) }
                    th scope="col" { (w.t("col-done")) }
                } }
                tbody {
                    @for (task_id, task) in c.tasks() {
                        tr {
                            td { (task.title) " " span.sub { (task_id) } }
                            td { (w.t(&format!("side-{}", task.side))) }
                            td { (task.due_on) }
                            td { (task.completion.as_ref().map_or_else(|| "—".to_owned(), |d| d.completed_on.to_string())) }
                        }
                    }
                }
            } }
        }
        @if !c.materials().is_empty() {
            ul.materials {
                @for (material, flow) in c.materials() {
                    li { (w.with("campaign-material", &[("material", material), ("dispatched", &flow.dispatched.to_string()), ("received", &flow.received.to_string())])) }
                }
            }
        }
        @if !c.supply().is_empty() {
            h3 { (w.t("campaign-supply")) }
            ul.supply {
                @for (sku, cases) in c.supply() {
                    li { (sku) ": " (t.figure(&synergy_evaluation::figure::Figure::cases(Some(cases.units().into())), false)) }
                }
            }
        }
    }
}

/// How a campaign ended, in words: the Fluent label of its declared choice.
fn outcome(w: &Words, outcome: CampaignOutcome) -> String {
    let value = CampaignOutcome::CHOICES
        .iter()
        .zip(CampaignOutcome::VALUES)
        .find(|(_, v)| **v == outcome)
        .map_or("", |(c, _)| c.value);
    w.t(&format!("choice-{value}"))
}
