//! Which reports evaluation issues by itself, agreed by both parties (`set-issuing`), in
//! the stream `evaluation/<partnership>/issuing`.
//!
//! It changes what both sides receive without asking, so it is agreed as the time zone
//! is: a party's choice proposes it (`IssuingProposed`), and it is set (`IssuingSet`) once
//! the other party chooses the same; an operator (an admin acting for a party) sets it at
//! once; choosing the setting in force answers a pending proposal: it stays.

use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::evaluation::{IssuingSetting, ReportKind};
use synergy_proto::{AggregateId, Context, Event, PartnershipId, PeriodKind, Role, Side, StreamId};

/// The stream of a partnership's issuing setting.
pub fn setting_stream(partnership: &PartnershipId) -> StreamId {
    StreamId::new(
        Context::Evaluation,
        partnership.clone(),
        AggregateId::singleton("issuing"),
    )
}

/// `setting` with its kinds and lengths in their enums' order, each once.
pub fn normalised(setting: IssuingSetting) -> IssuingSetting {
    let lengths = [
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::Half,
        PeriodKind::Year,
    ];
    IssuingSetting {
        kinds: ReportKind::ALL
            .into_iter()
            .filter(|k| setting.kinds.contains(k))
            .collect(),
        lengths: lengths
            .into_iter()
            .filter(|l| setting.lengths.contains(l))
            .collect(),
    }
}

/// The setting in force and the pending proposal, from the stream's history.
fn fold<'a>(
    history: impl IntoIterator<Item = &'a Event>,
) -> (IssuingSetting, Option<(IssuingSetting, Side)>) {
    let (mut in_force, mut pending) = (IssuingSetting::default(), None);
    for e in history {
        match e {
            Event::Evaluation(EvaluationEvent::IssuingProposed {
                setting,
                proposed_by,
            }) => pending = Some((setting.clone(), *proposed_by)),
            Event::Evaluation(EvaluationEvent::IssuingSet { setting }) => {
                in_force = setting.clone();
                pending = None;
            }
            _ => {}
        }
    }
    (in_force, pending)
}

/// Decides `set-issuing`.
pub(crate) fn set_issuing<'a>(
    history: impl IntoIterator<Item = &'a Event>,
    partnership: &PartnershipId,
    setting: IssuingSetting,
    ctx: &DecisionContext,
) -> Result<Vec<EvaluationEvent>, DomainError> {
    let side = ctx
        .partnership(partnership)?
        .active_side_of(&ctx.principal)?;
    let setting = normalised(setting);
    let (in_force, pending) = fold(history);
    let is_in_force = setting == in_force;
    let pending = pending.as_ref();
    let agreed = ctx.principal.role == Role::Admin
        || is_in_force
        || pending.is_some_and(|(p, by)| *p == setting && *by != side);
    Ok(if is_in_force && pending.is_none() {
        Vec::new()
    } else if agreed {
        vec![EvaluationEvent::IssuingSet { setting }]
    } else if pending.is_some_and(|(p, by)| *p == setting && *by == side) {
        // Its own proposal again (a retry): still waiting for the other side.
        Vec::new()
    } else {
        vec![EvaluationEvent::IssuingProposed {
            setting,
            proposed_by: side,
        }]
    })
}
