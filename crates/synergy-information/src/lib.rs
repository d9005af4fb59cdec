//! 信息協同, the information context of the 5+1 model as pure domain code: monthly market
//! data with its corrections ([`MarketData`]), demand forecasts and supply plans
//! ([`Forecasts`]), orders ([`OrderState`]) and the distributor's analysis of a month or
//! quarter ([`Analyses`]) — their commands, rules, `decide` / `evolve` and the reads
//! answered from their own streams. It never imports tokio, NATS, sled or
//! HTTP, and knows other contexts only through the read models in
//! [`synergy_domain::DecisionContext`].
//!
//! Streams: `market-data` (every month of a partnership, so a multi-month import is one
//! atomic commit), `forecasts`, `order:<id>` per order and `analysis:<period>` per month or
//! quarter analysed.

pub mod analysis;
mod authority;
mod declare;
pub mod forecasts;
mod lines;
pub mod market_data;
pub mod order;

use serde::{Deserialize, Serialize};
use synergy_domain::{BoundedContext, DecisionContext, DomainError};
use synergy_proto::{
    AggregateId, Context, Event, OrderId, PartnershipId, Period, PeriodKind, StreamId, YearMonth,
    events::InformationEvent,
};

pub use analysis::{Analyses, Analysis, SubmitAnalysis};
pub use declare::{CLI_GROUPS, COMMANDS, MARKET_DATA_SIDE};
pub use forecasts::{ForecastCommand, Forecasts, MonthPlan, VolumePlan};
pub use market_data::{MarketData, MonthRecord, MonthSubmission, SubmitMarketData};
pub use order::{Order, OrderCommand, OrderLine, OrderState, OrderStatus, OrderStep};

/// What a decision returns: the events to record, or the refusal.
pub(crate) type Decision = Result<Vec<InformationEvent>, DomainError>;

/// Every command of the information context, grouped by the aggregate it acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// Submit or correct one or more months of market data (stream `market-data`).
    SubmitMarketData(SubmitMarketData),
    /// A demand forecast or supply plan (stream `forecasts`).
    Forecast(ForecastCommand),
    /// A step of one order's life (stream `order:<id>`).
    Order(OrderCommand),
    /// The distributor's analysis of a month or quarter (stream `analysis:<period>`).
    SubmitAnalysis(SubmitAnalysis),
}

impl Command {
    pub fn partnership(&self) -> &PartnershipId {
        match self {
            Command::SubmitMarketData(c) => &c.partnership,
            Command::Forecast(c) => c.partnership(),
            Command::Order(c) => c.partnership(),
            Command::SubmitAnalysis(c) => &c.partnership,
        }
    }
}

/// The information context as the runtime drives it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Information;

/// The stream of a partnership's market data.
pub fn market_data_stream(partnership: &PartnershipId) -> StreamId {
    StreamId::new(
        Context::Information,
        partnership.clone(),
        AggregateId::singleton(market_data::AGGREGATE),
    )
}

/// The stream of a partnership's forecasts and supply plans.
pub fn forecasts_stream(partnership: &PartnershipId) -> StreamId {
    StreamId::new(
        Context::Information,
        partnership.clone(),
        AggregateId::singleton(forecasts::AGGREGATE),
    )
}

/// The stream of one order.
pub fn order_stream(partnership: &PartnershipId, order: &OrderId) -> StreamId {
    StreamId::new(
        Context::Information,
        partnership.clone(),
        AggregateId::compose(order::AGGREGATE, order.as_str()),
    )
}

/// The stream of the analysis of one month or quarter.
pub fn analysis_stream(partnership: &PartnershipId, period: Period) -> StreamId {
    StreamId::new(
        Context::Information,
        partnership.clone(),
        AggregateId::compose(analysis::AGGREGATE, &period.to_string()),
    )
}

/// The information events of a stream's history, skipping any other context's.
fn information_events<'a>(
    history: impl IntoIterator<Item = &'a Event>,
) -> impl Iterator<Item = &'a InformationEvent> {
    synergy_proto::events::events_of(history)
}

/// Folds a `market-data` stream.
pub fn fold_market_data<'a>(history: impl IntoIterator<Item = &'a Event>) -> MarketData {
    information_events(history).fold(MarketData::default(), MarketData::evolve)
}

/// Folds a `forecasts` stream.
pub fn fold_forecasts<'a>(history: impl IntoIterator<Item = &'a Event>) -> Forecasts {
    information_events(history).fold(Forecasts::default(), Forecasts::evolve)
}

/// Folds an `order:<id>` stream.
pub fn fold_order<'a>(history: impl IntoIterator<Item = &'a Event>) -> OrderState {
    information_events(history).fold(OrderState::default(), OrderState::evolve)
}

/// Folds `analysis:<period>` streams: one for a decision, several for a read.
pub fn fold_analyses<'a>(history: impl IntoIterator<Item = &'a Event>) -> Analyses {
    information_events(history).fold(Analyses::default(), Analyses::evolve)
}

/// An information stream folded: the market data's, the forecasts', an order's or an
/// analysis's, as its commands read it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InformationState {
    pub market_data: MarketData,
    pub forecasts: Forecasts,
    pub order: OrderState,
    pub analyses: Analyses,
}

impl BoundedContext for Information {
    const CONTEXT: Context = Context::Information;
    type Command = Command;
    type State = InformationState;

    fn stream_of(command: &Command) -> StreamId {
        match command {
            Command::SubmitMarketData(c) => market_data_stream(&c.partnership),
            Command::Forecast(c) => forecasts_stream(c.partnership()),
            Command::Order(c) => order_stream(c.partnership(), c.order()),
            Command::SubmitAnalysis(c) => analysis_stream(&c.partnership, c.period),
        }
    }

    fn evolve(state: InformationState, event: &Event) -> InformationState {
        let Event::Information(e) = event else {
            return state;
        };
        // A stream holds one kind's events, which the other kinds pass over.
        InformationState {
            market_data: state.market_data.evolve(e),
            forecasts: state.forecasts.evolve(e),
            order: state.order.evolve(e),
            analyses: state.analyses.evolve(e),
        }
    }

    fn decide(
        state: &InformationState,
        command: Command,
        ctx: &DecisionContext,
    ) -> Result<Vec<Event>, DomainError> {
        let events = match &command {
            Command::SubmitMarketData(c) => state.market_data.decide(c, ctx)?,
            Command::Forecast(c) => state.forecasts.decide(c, ctx)?,
            Command::Order(c) => state.order.decide(c, ctx)?,
            Command::SubmitAnalysis(c) => state.analyses.decide(c, ctx)?,
        };
        Ok(events.into_iter().map(Event::Information).collect())
    }
}

/// The reads the information context answers from its own streams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    /// The latest revision of every recorded month, or only of the months of `period`.
    MarketData {
        partnership: PartnershipId,
        period: Option<Period>,
    },
    /// Every revision of one month, oldest first: the trail of its corrections.
    MarketDataRevisions {
        partnership: PartnershipId,
        month: YearMonth,
    },
    /// The forecast and supply plan of every month, or only of the months of `period`.
    Forecasts {
        partnership: PartnershipId,
        period: Option<Period>,
    },
    /// One order with its quantities at every step.
    Order {
        partnership: PartnershipId,
        order: OrderId,
    },
    /// The distributor's analyses in force of `period` and of every month and quarter
    /// inside it, each month before the quarter it closes ([`Period::by_end`]).
    Analyses {
        partnership: PartnershipId,
        period: Period,
    },
}

impl Query {
    synergy_domain::every_variant_has! {
        /// The partnership the query reads.
        pub fn partnership -> PartnershipId:
            MarketData, MarketDataRevisions, Forecasts, Order, Analyses
    }

    /// The streams whose histories answer the query: one, or for analyses the stream of
    /// every month and quarter the period covers (16 for a year).
    pub fn streams(&self) -> Vec<StreamId> {
        match self {
            Query::MarketData { partnership, .. }
            | Query::MarketDataRevisions { partnership, .. } => {
                vec![market_data_stream(partnership)]
            }
            Query::Forecasts { partnership, .. } => vec![forecasts_stream(partnership)],
            Query::Order { partnership, order } => vec![order_stream(partnership, order)],
            Query::Analyses {
                partnership,
                period,
            } => [PeriodKind::Month, PeriodKind::Quarter]
                .into_iter()
                .filter(|kind| kind.months() <= period.month_count())
                .flat_map(|kind| {
                    let mut inside: Vec<Period> = period
                        .months()
                        .map(|m| Period::containing(kind, m))
                        .collect();
                    inside.dedup();
                    inside
                })
                .map(|p| analysis_stream(partnership, p))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    MarketData(Vec<MonthRecord>),
    Forecasts(Vec<MonthPlan>),
    /// `None` if the order was never placed.
    Order(Option<Order>),
    Analyses(Vec<Analysis>),
}

/// Answers `query` from the histories of [`Query::streams`].
pub fn answer<'a>(history: impl IntoIterator<Item = &'a Event>, query: &Query) -> Answer {
    match query {
        Query::MarketData { period, .. } => {
            let state = fold_market_data(history);
            let months = match period {
                Some(p) => state.in_period(*p).cloned().collect(),
                None => state.months().cloned().collect(),
            };
            Answer::MarketData(months)
        }
        Query::MarketDataRevisions { month, .. } => {
            Answer::MarketData(fold_market_data(history).revisions(*month).to_vec())
        }
        Query::Forecasts { period, .. } => {
            let state = fold_forecasts(history);
            let months = match period {
                Some(p) => state.in_period(*p).cloned().collect(),
                None => state.months().cloned().collect(),
            };
            Answer::Forecasts(months)
        }
        Query::Order { .. } => Answer::Order(fold_order(history).order().cloned()),
        Query::Analyses { period, .. } => Answer::Analyses(
            fold_analyses(history)
                .within(*period)
                .into_iter()
                .cloned()
                .collect(),
        ),
    }
}
