//! A partnership's campaigns: each with its plan, where it is, its tasks by side, its
//! materials and closure in the page's language, and under it the forms of the marketing
//! context's commands (the seed's division of labour) the viewer's side may issue, each
//! derived from its declaration (`form`).

use std::collections::BTreeSet;

use axum::response::Response;
use maud::{Markup, html};
use synergy_domain::contract::{Choosable, CommandSpec};
use synergy_marketing::{CAMPAIGN_AGGREGATE, Campaign, Lifecycle};
use synergy_proto::events::marketing::CampaignOutcome;
use synergy_proto::{CampaignId, Context, PartnershipId};
use synergy_runtime::history::HistoryQuery;
use synergy_runtime::{AnyQuery, ApiError, commands};

use super::Words;
use super::form;
use super::pages::*;
use super::plans::dates;
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

/// The campaigns page's forms and how it shows itself ([`form::page`], [`form::page_post`]).
pub struct Campaigns;

impl form::FormsPage for Campaigns {
    const SEGMENT: &'static str = "campaigns";
    type Shows = Vec<Campaign>;

    fn commands() -> impl Iterator<Item = &'static CommandSpec> {
        commands()
    }

    async fn read(shown: &form::Shown<'_>) -> Result<Vec<Campaign>, Response> {
        let (s, view, lang, viewer) = (shown.s, &shown.view, shown.lang, shown.viewer);
        let ids = match campaign_ids(s, &view.id).await {
            Ok(ids) => ids,
            Err(e) => return Err(unavailable(lang, Some(viewer), &e)),
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
                Ok(Err(e)) => return Err(unavailable(lang, Some(viewer), &e)),
                Err(e) => return Err(unavailable(lang, Some(viewer), &e)),
            }
        }
        Ok(campaigns)
    }

    fn body(shown: &form::Shown<'_>, w: &Words, campaigns: &Vec<Campaign>) -> Markup {
        let per_campaign = |c: &&&CommandSpec| c.path.contains("{campaign}");
        html! {
            @if campaigns.is_empty() { p #no-campaigns { (w.t("campaigns-none")) } }
            @for c in campaigns {
                @if let Some(id) = c.id() {
                    section.card.campaign id={ "campaign-" (id) } {
                        (campaign_markup(w, id, c))
                        @if c.lifecycle() != Lifecycle::Closed {
                            div.forms {
                                @for spec in shown.offered.iter().filter(per_campaign) {
                                    @let fixed = [shown.partnership.clone(), ("campaign", id.to_string())];
                                    (shown.form(spec, w, &fixed, &dates(shown.s, &shown.view, spec)))
                                }
                            }
                        }
                    }
                }
            }
            section.card #new-campaign {
                h2 { (w.t("campaigns-new")) }
                div.forms {
                    @for spec in shown.offered.iter().filter(|c| !per_campaign(c)) {
                        (shown.form(spec, w, std::slice::from_ref(&shown.partnership), &dates(shown.s, &shown.view, spec)))
                    }
                    @if shown.offered.iter().all(|c| per_campaign(&c)) { p.hint { (w.t("campaigns-new-other-side")) } }
                }
            }
        }
    }
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
