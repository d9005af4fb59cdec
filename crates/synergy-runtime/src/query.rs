//! Reads of the contexts (the five, and evaluation's issued versions): each context's own queries, answered from its own streams
//! by its pure `answer` function, the same way on sled and on NATS.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use synergy_eventlog::{EventLog, Filter, StoredCommit};
use synergy_proto::{Context, Event, PartnershipId};
use tracing::Instrument;

use crate::executor::{ExecuteError, Executor};

/// A query of any context, as it travels between processes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnyQuery {
    Strategy(synergy_strategy::Query),
    Marketing(synergy_marketing::Query),
    Brand(synergy_brand::Query),
    Information(synergy_information::Query),
    Support(synergy_support::Query),
    /// Evaluation's read of its own issued streams (appended: the variant index travels).
    Evaluation(synergy_evaluation::Query),
}

impl AnyQuery {
    /// The context whose streams answer the query (and whose service, on NATS).
    pub fn context(&self) -> Context {
        match self {
            AnyQuery::Strategy(_) => Context::Strategy,
            AnyQuery::Marketing(_) => Context::Marketing,
            AnyQuery::Brand(_) => Context::Brand,
            AnyQuery::Information(_) => Context::Information,
            AnyQuery::Support(_) => Context::Support,
            AnyQuery::Evaluation(_) => Context::Evaluation,
        }
    }

    /// The partnership the query reads.
    pub fn partnership(&self) -> &PartnershipId {
        match self {
            AnyQuery::Strategy(q) => q.partnership(),
            AnyQuery::Marketing(q) => q.partnership(),
            AnyQuery::Brand(q) => q.partnership(),
            AnyQuery::Information(q) => q.partnership(),
            AnyQuery::Support(q) => q.partnership(),
            AnyQuery::Evaluation(q) => q.partnership(),
        }
    }

    /// A short name of the query, for logs and traces.
    pub fn name(&self) -> String {
        let debug = match self {
            AnyQuery::Strategy(q) => format!("{q:?}"),
            AnyQuery::Marketing(q) => format!("{q:?}"),
            AnyQuery::Brand(q) => format!("{q:?}"),
            AnyQuery::Information(q) => format!("{q:?}"),
            AnyQuery::Support(q) => format!("{q:?}"),
            AnyQuery::Evaluation(q) => format!("{q:?}"),
        };
        debug
            .split([' ', '{', '('])
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

fn events_of(commits: &[StoredCommit]) -> impl Iterator<Item = &Event> {
    commits
        .iter()
        .flat_map(|c| c.commit.events.iter().map(|e| &e.event))
}

/// The answer as JSON, without the variant name the context's `Answer` enum adds: a list,
/// an object, or `null` when the query names one item that does not exist.
fn unwrap_answer(answer: impl Serialize) -> Result<Value, ExecuteError> {
    match serde_json::to_value(answer) {
        Ok(Value::Object(map)) if map.len() == 1 => {
            Ok(map.into_iter().next().map(|(_, v)| v).unwrap_or_default())
        }
        Ok(other) => Ok(other),
        Err(e) => Err(ExecuteError::Internal(format!(
            "an answer does not convert to JSON: {e}"
        ))),
    }
}

impl<L: EventLog> Executor<L> {
    /// Answers `query` from the log as it is now.
    pub async fn query(&self, query: &AnyQuery) -> Result<Value, ExecuteError> {
        let span = tracing::info_span!(
            "query",
            context = %query.context(),
            partnership = %query.partnership(),
            name = %query.name(),
        );
        async move {
            let log = self.log();
            match query {
                AnyQuery::Strategy(q) => {
                    let stream = synergy_strategy::stream_for(q.partnership());
                    let history = log.read_aggregate(&stream, 1).await?;
                    let state = synergy_strategy::StrategyState::fold(events_of(&history));
                    unwrap_answer(synergy_strategy::answer(&state, q))
                }
                AnyQuery::Marketing(q) => {
                    let history = log.read_aggregate(&q.stream(), 1).await?;
                    unwrap_answer(synergy_marketing::answer(events_of(&history), q))
                }
                AnyQuery::Brand(q) => {
                    let history = log.read_aggregate(&q.stream(), 1).await?;
                    let portfolio = synergy_brand::fold(events_of(&history));
                    unwrap_answer(synergy_brand::answer(&portfolio, q))
                }
                AnyQuery::Information(q) => {
                    // Several streams only for analyses, one per period and folded by
                    // period: their histories may follow one another in any order.
                    let mut history = Vec::new();
                    for stream in q.streams() {
                        history.extend(log.read_aggregate(&stream, 1).await?);
                    }
                    unwrap_answer(synergy_information::answer(events_of(&history), q))
                }
                AnyQuery::Support(q) => {
                    let history = match q.stream() {
                        Some(stream) => log.read_aggregate(&stream, 1).await?,
                        None => {
                            log.read_matching(Filter {
                                context: Some(Context::Support),
                                partnership: Some(q.partnership().clone()),
                            })
                            .await?
                        }
                    };
                    // An overview's days are the partnership's; a query of one item
                    // judges no day and needs no zone.
                    let zone = match q {
                        synergy_support::Query::Overview { partnership, .. } => self
                            .partnership(partnership)
                            .await?
                            .map(|view| view.time_zone)
                            .unwrap_or_default(),
                        _ => synergy_proto::TimeZone::default(),
                    };
                    unwrap_answer(synergy_support::answer(q, events_of(&history), &zone))
                }
                AnyQuery::Evaluation(q) => {
                    let history = log.read_aggregate(&q.stream(), 1).await?;
                    unwrap_answer(synergy_evaluation::answer(
                        history.iter().map(|c| &c.commit),
                        q,
                    ))
                }
            }
        }
        .instrument(span)
        .await
    }
}
