//! The strategy context of the 5+1 model (戰略目標協同), as pure domain: the partnership
//! between one manufacturer and one distributor, the time zone it keeps its calendar in,
//! the rulebooks it adopts, and its development plans with their targets, signatures and
//! revisions, as `decide` / `evolve` over one aggregate per partnership. It owns the
//! partnership, so it is where other contexts' [`PartnershipView`] comes from; it must
//! never import tokio, NATS, sled or HTTP, nor any other context's crate.
//!
//! The whole partnership is one aggregate ([`AGGREGATE`]): "at most one active plan per
//! partnership covers a year" is then decided against a single, consistent history.

mod command;
mod decide;
mod declare;
mod listing;
mod state;
pub mod webhook;

pub use command::{AGGREGATE, Answer, Command, Query, stream_for};
pub use decide::MAX_PLAN_YEARS;
pub use declare::{CLI_GROUPS, COMMANDS};
pub use listing::{Listed, ListedStatus, listed};
pub use state::{
    Partnership, Plan, PlanStatus, Rulebook, Signature, StrategyState, Termination,
    TimeZoneProposal, partnership_view,
};
pub use synergy_domain::PartnershipView;
pub use webhook::{Webhook, check_url};

use synergy_domain::{BoundedContext, DecisionContext, DomainError};
use synergy_proto::{Context, Event, StreamId};

/// The strategy context as the runtime drives it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Strategy;

impl BoundedContext for Strategy {
    const CONTEXT: Context = Context::Strategy;
    type Command = Command;
    type State = StrategyState;

    fn stream_of(command: &Command) -> StreamId {
        command.stream()
    }

    fn evolve(state: StrategyState, event: &Event) -> StrategyState {
        match event {
            Event::Strategy(e) => state.evolve(e),
            _ => state,
        }
    }

    fn decide(
        state: &StrategyState,
        command: Command,
        ctx: &DecisionContext,
    ) -> Result<Vec<Event>, DomainError> {
        let events = state.decide(command, ctx)?;
        Ok(events.into_iter().map(Event::Strategy).collect())
    }
}

/// Answers `query` from the folded strategy stream of the query's partnership.
pub fn answer(state: &StrategyState, query: &Query) -> Answer {
    match query {
        Query::Partnership { .. } => Answer::Partnership(state.partnership().cloned()),
        Query::Plans { .. } => Answer::Plans(state.plans().cloned().collect()),
        Query::Plan { plan, .. } => Answer::Plan(state.plan(plan).cloned()),
        Query::ActivePlan { year, .. } => {
            Answer::ActivePlan(state.active_plan_for_year(*year).cloned())
        }
        Query::ActiveTargets { period, .. } => Answer::ActiveTargets(
            state
                .active_plan_for(*period)
                .map(|p| p.targets_for(*period).cloned().collect())
                .unwrap_or_default(),
        ),
        Query::Webhooks { partnership, org } => {
            Answer::Webhooks(state.webhooks_of(partnership, org.as_ref()).collect())
        }
    }
}
