//! The partnership's exception rules (`set-exception-rules`), agreed by both parties in the
//! stream `evaluation/<partnership>/exception-rules`, and the read of them.
//!
//! The thresholds decide what the review pack calls an exception and what evaluation
//! recommends to both sides, so one side alone must not move them: a party's choice
//! proposes them (`ExceptionRulesProposed`), they are set (`ExceptionRulesSet`) once the
//! other party chooses the same, and an operator (an admin acting for a party) sets them at
//! once. A threshold left out keeps the one in force, so choosing nothing chooses the rules
//! in force, which answers a pending proposal (the proposer's way to withdraw it).
//!
//! The model folds `ExceptionRulesSet` wherever it is recorded (`model::fold`), so the
//! rules drive exceptions and recommendations from the commit that sets them on.

use serde::{Deserialize, Serialize};
use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::evaluation::ExceptionRules;
use synergy_proto::{
    AggregateId, Commit, Context, Event, OrgId, PartnershipId, Percent, Role, Side, StreamId,
    Timestamp,
};

/// The stream of a partnership's exception rules.
pub fn rules_stream(partnership: &PartnershipId) -> StreamId {
    StreamId::new(
        Context::Evaluation,
        partnership.clone(),
        AggregateId::singleton("exception-rules"),
    )
}

/// The thresholds a party chooses; `None` keeps the one in force.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesChoice {
    pub share_drop_points: Option<Percent>,
    pub min_volume_attainment: Option<Percent>,
    pub price_index_low: Option<Percent>,
    pub price_index_high: Option<Percent>,
    pub max_stock_to_sales: Option<Percent>,
}

impl RulesChoice {
    /// The rules chosen, each threshold left out taken from `in_force`.
    pub fn over(&self, in_force: &ExceptionRules) -> ExceptionRules {
        ExceptionRules {
            share_drop_points: self.share_drop_points.unwrap_or(in_force.share_drop_points),
            min_volume_attainment: self
                .min_volume_attainment
                .unwrap_or(in_force.min_volume_attainment),
            price_index_low: self.price_index_low.unwrap_or(in_force.price_index_low),
            price_index_high: self.price_index_high.unwrap_or(in_force.price_index_high),
            max_stock_to_sales: self
                .max_stock_to_sales
                .unwrap_or(in_force.max_stock_to_sales),
        }
    }
}

/// The largest share drop, in points: a share cannot fall by more than all of it.
pub const MAX_SHARE_DROP_POINTS: Percent = Percent::from_units(10_000);
/// The highest attainment bar, in percent of the target.
pub const MAX_ATTAINMENT: Percent = Percent::from_units(20_000);

/// Refuses rules no report could judge by, naming the field.
pub fn check(rules: &ExceptionRules) -> Result<(), DomainError> {
    if rules.share_drop_points.is_negative() || rules.share_drop_points > MAX_SHARE_DROP_POINTS {
        return Err(DomainError::invalid(
            "exception_rules.share_drop_out_of_range",
            "share_drop_points",
            format!(
                "a share drop of {} points cannot happen: choose 0 to {MAX_SHARE_DROP_POINTS} \
                 points",
                rules.share_drop_points
            ),
        ));
    }
    if rules.min_volume_attainment.is_negative() || rules.min_volume_attainment > MAX_ATTAINMENT {
        return Err(DomainError::invalid(
            "exception_rules.attainment_out_of_range",
            "min_volume_attainment",
            format!(
                "an attainment bar of {} % is out of range: choose 0 to {MAX_ATTAINMENT} %",
                rules.min_volume_attainment
            ),
        ));
    }
    if rules.price_index_low.is_negative() || rules.price_index_low >= rules.price_index_high {
        return Err(DomainError::invalid(
            "exception_rules.price_band_empty",
            "price_index_low",
            format!(
                "the price index band {}–{} is empty: price_index_low must be at least 0 and \
                 below price_index_high",
                rules.price_index_low, rules.price_index_high
            ),
        ));
    }
    if rules.max_stock_to_sales <= Percent::ZERO {
        return Err(DomainError::invalid(
            "exception_rules.stock_to_sales_not_positive",
            "max_stock_to_sales",
            "a stock-to-sales ceiling of 0 would call any stock an exception: choose a ratio \
             above 0, e.g. 1.50",
        ));
    }
    Ok(())
}

/// The rules in force and the pending proposal, from the stream's history.
fn fold<'a>(
    history: impl IntoIterator<Item = &'a Event>,
) -> (ExceptionRules, Option<(ExceptionRules, Side)>) {
    let (mut in_force, mut pending) = (ExceptionRules::default(), None);
    for e in history {
        match e {
            Event::Evaluation(EvaluationEvent::ExceptionRulesProposed { rules, proposed_by }) => {
                pending = Some((rules.clone(), *proposed_by));
            }
            Event::Evaluation(EvaluationEvent::ExceptionRulesSet { rules }) => {
                in_force = rules.clone();
                pending = None;
            }
            _ => {}
        }
    }
    (in_force, pending)
}

/// Decides `set-exception-rules`.
pub(crate) fn set_exception_rules<'a>(
    history: impl IntoIterator<Item = &'a Event>,
    partnership: &PartnershipId,
    choice: &RulesChoice,
    ctx: &DecisionContext,
) -> Result<Vec<EvaluationEvent>, DomainError> {
    let side = ctx
        .partnership(partnership)?
        .active_side_of(&ctx.principal)?;
    let (in_force, pending) = fold(history);
    let rules = choice.over(&in_force);
    check(&rules)?;
    let is_in_force = rules == in_force;
    let pending = pending.as_ref();
    let agreed = ctx.principal.role == Role::Admin
        || is_in_force
        || pending.is_some_and(|(p, by)| *p == rules && *by != side);
    Ok(if is_in_force && pending.is_none() {
        Vec::new()
    } else if agreed {
        vec![EvaluationEvent::ExceptionRulesSet { rules }]
    } else if pending.is_some_and(|(p, by)| *p == rules && *by == side) {
        // Its own proposal again (a retry): still waiting for the other side.
        Vec::new()
    } else {
        vec![EvaluationEvent::ExceptionRulesProposed {
            rules,
            proposed_by: side,
        }]
    })
}

/// Who recorded a commit, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedBy {
    /// When it was recorded.
    pub at: Timestamp,
    /// The organisation it was recorded for, the role and the user.
    pub org: OrgId,
    pub role: String,
    pub user: String,
}

/// The rules in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RulesInForce {
    pub rules: ExceptionRules,
    /// Who set them (the party that accepted, or the operator) and when; `null` while the
    /// defaults hold.
    pub set: Option<RecordedBy>,
}

/// A proposal waiting for the other party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RulesProposed {
    pub rules: ExceptionRules,
    /// The side that proposed them; the other side accepts by choosing the same.
    pub proposed_by: Side,
    pub proposed: RecordedBy,
}

/// The exception rules of a partnership: in force, and proposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExceptionRulesAgreed {
    pub in_force: RulesInForce,
    /// The proposal waiting for the other party, if any.
    pub pending: Option<RulesProposed>,
}

/// Reads the rules from the commits of their stream, oldest first.
pub fn read<'a>(commits: impl IntoIterator<Item = &'a Commit>) -> ExceptionRulesAgreed {
    let mut agreed = ExceptionRulesAgreed {
        in_force: RulesInForce {
            rules: ExceptionRules::default(),
            set: None,
        },
        pending: None,
    };
    for c in commits {
        for e in &c.events {
            let by = || RecordedBy {
                at: e.occurred_at,
                org: c.actor.org.clone(),
                role: c.actor.role.as_str().to_owned(),
                user: c.actor.user.clone(),
            };
            match &e.event {
                Event::Evaluation(EvaluationEvent::ExceptionRulesProposed {
                    rules,
                    proposed_by,
                }) => {
                    agreed.pending = Some(RulesProposed {
                        rules: rules.clone(),
                        proposed_by: *proposed_by,
                        proposed: by(),
                    });
                }
                Event::Evaluation(EvaluationEvent::ExceptionRulesSet { rules }) => {
                    agreed.in_force = RulesInForce {
                        rules: rules.clone(),
                        set: Some(by()),
                    };
                    agreed.pending = None;
                }
                _ => {}
            }
        }
    }
    agreed
}
