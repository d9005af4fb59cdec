//! The brand context of the 5+1 model (品牌營銷協同, pure domain): one portfolio aggregate per
//! partnership holding the catalogue (SKUs with price class and guide price), each brand's
//! life-cycle stage, brand evaluations and culture activities, as `decide` / `evolve`.
//! It also builds the [`CatalogueView`] other contexts decide against. Never imports tokio,
//! NATS, sled or HTTP, and never another context's crate: partnership facts arrive in the
//! [`DecisionContext`].
//!
//! Decisions this crate makes where `docs/model.md` is silent:
//! - Registering SKUs, introducing a brand and moving its stage are the manufacturer's
//!   (the seed: 煙廠主要做品牌); evaluations and culture activities may be recorded by
//!   either side, because the distributor runs the market research and brand reports.
//! - A brand may skip stages forward (introduction → growth); it never moves back or stays.
//!   Withdrawal is final: no further stage move, no re-introduction, no SKU registered or
//!   changed, and no evaluation of a period starting after the withdrawal.
//! - One evaluation per brand and period. Resubmitting it unchanged is a no-op; a different
//!   one is refused unless the command sets `supersede`, and then it replaces the earlier
//!   one (its [`Evaluation::revision`] counts up). Only ended periods are evaluated.
//! - Recording the same culture activity (brand, kind, title, day, participants) twice is
//!   a retry and changes nothing.

mod declare;
mod portfolio;
mod query;

use serde::{Deserialize, Serialize};
use synergy_domain::{BoundedContext, CatalogueView, DecisionContext, DomainError};
use synergy_proto::events::BrandEvent;
use synergy_proto::events::brand::{BrandStage, CultureActivityKind, Score};
use synergy_proto::{AggregateId, BrandId, Context, Date, Event, PartnershipId, Period, StreamId};

pub use declare::{CLI_GROUPS, COMMANDS};
pub use portfolio::{
    BrandRecord, CultureActivity, Evaluation, Portfolio, STAGES, Sku, SkuEntry, StageChange,
};
pub use query::{Answer, Query, answer};

/// The aggregate id of the portfolio singleton (`brand/<partnership>/portfolio`).
pub const PORTFOLIO: &str = "portfolio";

/// The stream of a partnership's portfolio; every brand command and query goes there.
pub fn portfolio_stream(partnership: &PartnershipId) -> StreamId {
    StreamId::new(
        Context::Brand,
        partnership.clone(),
        AggregateId::singleton(PORTFOLIO),
    )
}

/// The brand events of a stream's history; other contexts' events are skipped.
pub fn brand_events<'a>(
    history: impl IntoIterator<Item = &'a Event>,
) -> impl Iterator<Item = &'a BrandEvent> {
    synergy_proto::events::events_of(history)
}

/// Folds the portfolio stream's history into state.
pub fn fold<'a>(history: impl IntoIterator<Item = &'a Event>) -> Portfolio {
    Portfolio::fold(brand_events(history))
}

/// The partnership's catalogue from its portfolio stream, for `DecisionContext::catalogue`.
pub fn catalogue_view<'a>(history: impl IntoIterator<Item = &'a Event>) -> CatalogueView {
    fold(history).catalogue()
}

/// Everything the brand context can be asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// The manufacturer registers or updates a catalogue of one or more SKUs, all or
    /// nothing (a catalogue import is one command).
    RegisterCatalogue {
        partnership: PartnershipId,
        skus: Vec<SkuEntry>,
    },
    /// The manufacturer introduces a brand with at least one registered SKU into the region.
    IntroduceBrand {
        partnership: PartnershipId,
        brand: BrandId,
        introduced_on: Date,
    },
    /// The manufacturer moves a brand to a later stage, or withdraws it (`to: Withdrawn`).
    ChangeBrandStage {
        partnership: PartnershipId,
        brand: BrandId,
        to: BrandStage,
        changed_on: Date,
        reason: String,
    },
    /// Either side records the evaluation of a brand for an ended period.
    EvaluateBrand {
        partnership: PartnershipId,
        brand: BrandId,
        period: Period,
        /// 0..=100.
        overall: u8,
        /// Each criterion once, each score 0..=100.
        scores: Vec<Score>,
        comment: String,
        /// Replace an existing, different evaluation of this brand and period.
        #[serde(default)]
        supersede: bool,
    },
    /// Either side records a culture activity that was held.
    RecordCultureActivity {
        partnership: PartnershipId,
        /// The brand it promoted, if it was about one.
        brand: Option<BrandId>,
        kind: CultureActivityKind,
        title: String,
        held_on: Date,
        participants: u32,
    },
}

impl Command {
    synergy_domain::every_variant_has! {
        pub fn partnership -> PartnershipId:
            RegisterCatalogue, IntroduceBrand, ChangeBrandStage, EvaluateBrand,
            RecordCultureActivity
    }
}

/// The brand context as the runtime drives it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Brand;

impl BoundedContext for Brand {
    const CONTEXT: Context = Context::Brand;
    type Command = Command;
    type State = Portfolio;

    fn stream_of(command: &Command) -> StreamId {
        portfolio_stream(command.partnership())
    }

    fn evolve(state: Portfolio, event: &Event) -> Portfolio {
        match event {
            Event::Brand(e) => state.evolve(e),
            _ => state,
        }
    }

    fn decide(
        state: &Portfolio,
        command: Command,
        ctx: &DecisionContext,
    ) -> Result<Vec<Event>, DomainError> {
        let events = state.decide(&command, ctx)?;
        Ok(events.into_iter().map(Event::from).collect())
    }
}
