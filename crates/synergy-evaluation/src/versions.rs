//! Evaluation's reads of its own streams: the issued versions of a report, each with who
//! issued it (the scheduler, or a person of a party), when, and its restatements; and the
//! exception rules in force with the pending proposal (`crate::rules`); the alerts
//! (`crate::alerts`) — read from the
//! streams' commits, so they are there at any time, whatever the read models hold.

use serde::{Deserialize, Serialize};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::evaluation::{ReportKind, Restatement};
use synergy_proto::{Commit, Event, OrgId, PartnershipId, Period, Role, StreamId, Timestamp};

use crate::issue::issued_stream;
use crate::schedule::SCHEDULER;

/// The evaluation context's queries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    /// Every issued version of one report, oldest first.
    Versions {
        partnership: PartnershipId,
        kind: ReportKind,
        period: Period,
    },
    /// The exception rules in force and the pending proposal (`crate::rules`).
    ExceptionRules { partnership: PartnershipId },
    /// The exceptions open, the alert log and the reminders (`crate::alerts`).
    Alerts { partnership: PartnershipId },
}

impl Query {
    pub fn partnership(&self) -> &PartnershipId {
        match self {
            Query::Versions { partnership, .. }
            | Query::ExceptionRules { partnership }
            | Query::Alerts { partnership } => partnership,
        }
    }

    /// The stream that answers it.
    pub fn stream(&self) -> StreamId {
        match self {
            Query::Versions {
                partnership,
                kind,
                period,
            } => issued_stream(partnership, *kind, *period),
            Query::ExceptionRules { partnership } => crate::rules::rules_stream(partnership),
            Query::Alerts { partnership } => crate::alerts::alerts_stream(partnership),
        }
    }
}

/// Who issued a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Issuer {
    /// Evaluation by itself, once the period was complete or its figures changed.
    Scheduler,
    /// A party (or an admin acting for one), by `report --issue` or the API.
    Person,
}

/// One issued version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionIssued {
    pub version: u32,
    /// When it was issued, on the issuing process's clock.
    pub issued_at: Timestamp,
    pub issued_by: Issuer,
    /// The organisation it was recorded for, the role and the user (or system) name.
    pub org: OrgId,
    pub role: String,
    pub user: String,
    /// What changed since the version before; empty for version 1.
    pub restatements: Vec<Restatement>,
}

/// The answer to a [`Query`].
// One answer is made per query and serialized at once, never held in numbers; boxing the
// rules would only hide their type from the gateway's typed read.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Answer {
    Versions(Vec<VersionIssued>),
    ExceptionRules(crate::rules::ExceptionRulesAgreed),
    Alerts(crate::alerts::Alerts),
}

/// Answers `query` from the commits of its stream, oldest first.
pub fn answer<'a>(commits: impl IntoIterator<Item = &'a Commit>, query: &Query) -> Answer {
    match query {
        Query::Versions { .. } => Answer::Versions(
            commits
                .into_iter()
                .flat_map(|c| c.events.iter().map(move |e| (c, e)))
                .filter_map(|(c, e)| match &e.event {
                    Event::Evaluation(EvaluationEvent::ReportIssued {
                        version,
                        restatements,
                        ..
                    }) => Some(VersionIssued {
                        version: *version,
                        issued_at: e.occurred_at,
                        issued_by: if c.actor.role == Role::Admin && c.actor.user == SCHEDULER {
                            Issuer::Scheduler
                        } else {
                            Issuer::Person
                        },
                        org: c.actor.org.clone(),
                        role: c.actor.role.as_str().to_owned(),
                        user: c.actor.user.clone(),
                        restatements: restatements.clone(),
                    }),
                    _ => None,
                })
                .collect(),
        ),
        Query::ExceptionRules { .. } => Answer::ExceptionRules(crate::rules::read(commits)),
        Query::Alerts { .. } => Answer::Alerts(crate::alerts::read(commits)),
    }
}
