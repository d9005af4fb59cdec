//! The marketing context of the 5+1 model (市場營銷協同), pure domain: the campaign
//! aggregate (`campaign:<id>`, planned → launched → closed), its commands, rules and reads,
//! with the seed's division of labour — the manufacturer plans, ships materials and monitors
//! retail prices and promises the value a campaign creates (創值); the distributor launches,
//! selects outlets, receives materials and secures supply. It must never import tokio, NATS, sled or HTTP; the partnership, the catalogue
//! and the clock come in through [`synergy_domain::DecisionContext`].

pub mod campaign;
pub mod command;
mod declare;
pub mod query;

use synergy_domain::{BoundedContext, DecisionContext, DomainError};
use synergy_proto::{Context, Event, StreamId};

pub use campaign::{
    Campaign, CampaignPlan, CampaignTask, Closure, Lifecycle, MAX_PROMISE_MONTHS, MAX_REASON_CHARS,
    MaterialFlow, PRICE_TOLERANCE_PCT, PriceCheck, TaskCompletion, UpliftPromise, ratio_pct,
};
pub use command::{CAMPAIGN_AGGREGATE, Command, campaign_aggregate_id, campaign_stream};
pub use declare::{CLI_GROUPS, COMMANDS};
pub use query::{Answer, Query, Ratio, answer};

/// The marketing context as the runtime drives it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Marketing;

/// Folds a campaign stream. Events of other contexts cannot be in a marketing stream
/// (commits are validated), so they are skipped rather than trusted.
pub fn fold<'a>(history: impl IntoIterator<Item = &'a Event>) -> Campaign {
    Campaign::from_history(synergy_proto::events::events_of(history))
}

impl BoundedContext for Marketing {
    const CONTEXT: Context = Context::Marketing;
    type Command = Command;
    type State = Campaign;

    fn stream_of(command: &Command) -> StreamId {
        command.stream()
    }

    fn evolve(state: Campaign, event: &Event) -> Campaign {
        match event {
            Event::Marketing(e) => state.evolve(e),
            _ => state,
        }
    }

    fn decide(
        state: &Campaign,
        command: Command,
        ctx: &DecisionContext,
    ) -> Result<Vec<Event>, DomainError> {
        let events = state.decide(command, ctx)?;
        Ok(events.into_iter().map(Event::from).collect())
    }
}
