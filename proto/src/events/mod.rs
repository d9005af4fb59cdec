//! Every event of every context. One enum per context; [`Event`] wraps them.
//!
//! Postcard is not self-describing: a variant's index is its wire tag. New variants
//! and new contexts are appended at the end, never inserted or reordered; a change to
//! a variant's fields is a new schema version with an upcast in [`crate::codec`].

pub mod brand;
pub mod evaluation;
pub mod information;
pub mod marketing;
pub mod strategy;
pub mod support;

use serde::{Deserialize, Serialize};

pub use brand::BrandEvent;
pub use evaluation::EvaluationEvent;
pub use information::InformationEvent;
pub use marketing::MarketingEvent;
pub use strategy::StrategyEvent;
pub use support::SupportEvent;

use crate::principal::Context;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    Strategy(StrategyEvent),
    Marketing(MarketingEvent),
    Brand(BrandEvent),
    Information(InformationEvent),
    Support(SupportEvent),
    Evaluation(EvaluationEvent),
}

impl Event {
    /// The context that owns (and alone may publish) this event.
    pub fn context(&self) -> Context {
        match self {
            Event::Strategy(_) => Context::Strategy,
            Event::Marketing(_) => Context::Marketing,
            Event::Brand(_) => Context::Brand,
            Event::Information(_) => Context::Information,
            Event::Support(_) => Context::Support,
            Event::Evaluation(_) => Context::Evaluation,
        }
    }

    /// The event's name, e.g. `MarketDataSubmitted`, for logs and `synergy tail`.
    pub fn name(&self) -> &'static str {
        macro_rules! names {
            ($e:expr, $ty:ident { $($v:ident),* $(,)? }) => {
                match $e { $($ty::$v { .. } => stringify!($v),)* }
            };
        }
        match self {
            Event::Strategy(e) => names!(
                e,
                StrategyEvent {
                    PartnershipSigned,
                    RulebookAdopted,
                    PartnershipTerminated,
                    PlanDrafted,
                    PlanTargetSet,
                    PlanTargetRemoved,
                    PlanSubmitted,
                    PlanSigned,
                    PlanActivated,
                    PlanRevised,
                    PlanWithdrawn,
                    PartnershipProposed,
                    PartnershipProposalDeclined,
                    PartnershipProposalWithdrawn,
                    TimeZoneProposed,
                    TimeZoneSet,
                    WebhookRegistered,
                    WebhookRemoved,
                }
            ),
            Event::Marketing(e) => names!(
                e,
                MarketingEvent {
                    CampaignPlanned,
                    CampaignTaskAssigned,
                    CampaignTaskCompleted,
                    MaterialsDispatched,
                    MaterialsReceived,
                    OutletsSelected,
                    RetailPriceChecked,
                    SupplyAllocated,
                    CampaignLaunched,
                    CampaignClosed,
                    UpliftPromised,
                }
            ),
            Event::Brand(e) => names!(
                e,
                BrandEvent {
                    SkuRegistered,
                    SkuUpdated,
                    BrandIntroduced,
                    BrandStageChanged,
                    BrandEvaluated,
                    CultureActivityHeld,
                }
            ),
            Event::Information(e) => names!(
                e,
                InformationEvent {
                    MarketDataSubmitted,
                    MarketDataCorrected,
                    DemandForecastSubmitted,
                    SupplyPlanConfirmed,
                    OrderPlaced,
                    OrderConfirmed,
                    OrderShipped,
                    OrderReceived,
                    AnalysisSubmitted,
                }
            ),
            Event::Support(e) => names!(
                e,
                SupportEvent {
                    MeetingScheduled,
                    MeetingHeld,
                    MeetingCancelled,
                    ActionItemRaised,
                    ActionItemProgressed,
                    ActionItemClosed,
                    ActionItemReopened,
                    SupportRequestOpened,
                    SupportRequestAcknowledged,
                    SupportRequestResolved,
                    RecommendationAccepted,
                    RecommendationDismissed,
                }
            ),
            Event::Evaluation(e) => names!(
                e,
                EvaluationEvent {
                    ReportIssued,
                    ExceptionRulesSet,
                    IssuingProposed,
                    IssuingSet,
                    ExceptionRulesProposed,
                    ExceptionRaised,
                    ExceptionCleared,
                    DataReminder,
                }
            ),
        }
    }
}

/// One context's events, as an [`Event`] wraps them.
pub trait ContextEvent {
    /// The context's event inside `event`, if `event` is one of this context's.
    fn picked(event: &Event) -> Option<&Self>;
}

/// One context's events in a stream's history, every other context's skipped:
/// `events_of::<BrandEvent>(history)`.
pub fn events_of<'a, E: ContextEvent + 'a>(
    history: impl IntoIterator<Item = &'a Event>,
) -> impl Iterator<Item = &'a E> {
    history.into_iter().filter_map(E::picked)
}

macro_rules! from_context_event {
    ($($ty:ident => $variant:ident),* $(,)?) => {
        $(impl From<$ty> for Event {
            fn from(e: $ty) -> Event {
                Event::$variant(e)
            }
        }

        impl ContextEvent for $ty {
            fn picked(event: &Event) -> Option<&Self> {
                match event {
                    Event::$variant(e) => Some(e),
                    _ => None,
                }
            }
        })*
    };
}

from_context_event!(
    StrategyEvent => Strategy,
    MarketingEvent => Marketing,
    BrandEvent => Brand,
    InformationEvent => Information,
    SupportEvent => Support,
    EvaluationEvent => Evaluation,
);
