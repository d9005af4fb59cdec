//! Partnership proposals (`docs/trust.md`): the agreements the viewer's organisation
//! proposed or was invited to, each with the forms that answer it (accept, decline,
//! withdraw: the strategy context's commands only the organisations a proposal names may
//! issue), and the form that proposes a new one (signing the agreement as one party). Which
//! party may answer how is the context's rule, so both parties see the answers and the
//! wrong one is refused naming the rule.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;
use synergy_domain::contract::{CommandSpec, Who};
use synergy_proto::{Context, Side};
use synergy_runtime::commands;
use synergy_strategy::ListedStatus;

use super::form::{self, Notice, Posted};
use super::pages::*;
use super::plans::DoneArgs;
use super::{Viewer, Words, lang_of};
use crate::GatewayState;

const HERE: &str = "/app/proposals";

/// The strategy commands of signing and answering a proposal.
pub fn commands() -> impl Iterator<Item = &'static CommandSpec> {
    commands::all().filter(|s| {
        s.context == Context::Strategy && matches!(s.who, Who::Signatory | Who::Proposal)
    })
}

/// `GET /app/proposals`.
pub async fn proposals_page(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Query(q): Query<DoneArgs>,
) -> Response {
    let notice = q.done().map(Notice::Done).unwrap_or_default();
    show(&s, &headers, &viewer, notice).await
}

/// `POST /app/proposals/{verb}`.
pub async fn proposals_post(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    axum::extract::Path(verb): axum::extract::Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let lang = lang_of(&headers);
    let typed = form::typed(pairs);
    match form::post(&s, lang, &viewer, commands(), &verb, typed, HERE).await {
        Posted::Answer(r) => r,
        Posted::Show(notice) => show(&s, &headers, &viewer, notice).await,
    }
}

async fn show(s: &GatewayState, headers: &HeaderMap, viewer: &Viewer, notice: Notice) -> Response {
    let lang = lang_of(headers);
    let caller = viewer.caller();
    let org = caller.principal.org.clone();
    let side = caller.principal.role.side();
    let mut listed = match s.api.partnerships(&org).await {
        Ok(l) => l,
        Err(e) => return unavailable(lang, Some(viewer), &e),
    };
    listed.retain(|l| l.status == ListedStatus::Proposed);
    let w = Words::new(lang);
    let title = w.t("proposals-title");
    let csrf = &viewer.session.csrf;
    let failed = notice.failed();
    let offered: Vec<&CommandSpec> = commands().filter(|c| form::offered(c, side)).collect();
    // A new agreement names the viewer's organisation on its side, signed today.
    let today = s
        .clock
        .now()
        .date_in(&synergy_proto::TimeZone::default())
        .to_string();
    let mut prefill = BTreeMap::from([("signed_on", today)]);
    match side {
        Some(Side::Manufacturer) => prefill.insert("manufacturer", org.to_string()),
        Some(Side::Distributor) => prefill.insert("distributor", org.to_string()),
        None => None,
    };
    let body = html! {
        h1 { (title) }
        p.sub { (w.t("proposals-intro")) }
        (notice.markup(&w))
        @if listed.is_empty() { p #no-proposals { (w.t("proposals-none")) } }
        @for l in &listed {
            section.card.proposal id={ "proposal-" (l.partnership) } {
                h2 { (l.partnership) }
                p { (w.with("proposal-terms", &[
                    ("manufacturer", l.manufacturer.as_str()),
                    ("distributor", l.distributor.as_str()),
                    ("region", &l.region),
                    ("date", &l.signed_on.to_string()),
                ])) }
                div.forms {
                    @for spec in offered.iter().filter(|c| c.who == Who::Proposal) {
                        @let fixed = [("partnership", l.partnership.to_string())];
                        (form::render(spec, &w, csrf, &format!("{HERE}/{}", spec.verb), &fixed, &BTreeMap::new(), failed))
                    }
                }
            }
        }
        @if offered.iter().any(|c| c.who == Who::Signatory) {
            section.card #new-proposal {
                h2 { (w.t("proposals-new")) }
                div.forms {
                    @for spec in offered.iter().filter(|c| c.who == Who::Signatory) {
                        (form::render(spec, &w, csrf, &format!("{HERE}/{}", spec.verb), &[], &prefill, failed))
                    }
                }
            }
        }
    };
    html_response(notice.status(), page(&w, &title, HERE, Some(viewer), body))
}
