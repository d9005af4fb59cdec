//! Checks every support aggregate shares: who may act, that an aggregate is created once
//! and exists before it is acted on, that no act predates it, and what a piece of text must
//! be.

use synergy_domain::{DecisionContext, DomainError, PartnershipView};
use synergy_proto::events::SupportEvent;
use synergy_proto::{PartnershipId, Side};

/// The longest title we record; long enough for any real title, short enough for lists.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest single note, agenda item, decision, reason or resolution.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// The longest minutes of one meeting.
pub const MAX_MINUTES_CHARS: usize = 50_000;

/// The partnership the command names, checked against the view the shell loaded
/// ([`DecisionContext::partnership_named`]), and the side the principal acts as in it. A
/// terminated partnership accepts nothing new, so every support command goes through here.
pub(crate) fn acting_side<'c>(
    ctx: &'c DecisionContext,
    partnership: &PartnershipId,
) -> Result<(&'c PartnershipView, Side), DomainError> {
    let view = ctx.partnership_named(partnership)?;
    let side = view.active_side_of(&ctx.principal)?;
    Ok((view, side))
}

/// What a decision returns: the events to record, or the refusal.
pub(crate) type Decision = Result<Vec<SupportEvent>, DomainError>;

/// Refuses under `rule` when the aggregate already exists: an id is used once.
pub(crate) fn first_time<T>(
    existing: Option<&T>,
    rule: &'static str,
    message: impl FnOnce(&T) -> String,
) -> Result<(), DomainError> {
    match existing {
        Some(existing) => Err(DomainError::state(rule, message(existing))),
        None => Ok(()),
    }
}

/// The aggregate, which must exist; refused as not found under `rule` otherwise.
pub(crate) fn existing<'s, T>(
    state: Option<&'s T>,
    rule: &'static str,
    message: impl FnOnce() -> String,
) -> Result<&'s T, DomainError> {
    state.ok_or_else(|| DomainError::not_found(rule, message()))
}

/// Refuses under `rule` an act at `at`, before the aggregate `began`. Only a clock set back
/// could get here; recording it would date the act before the aggregate existed.
pub(crate) fn not_before<T: PartialOrd>(
    at: T,
    began: T,
    rule: &'static str,
    message: impl FnOnce() -> String,
) -> Result<(), DomainError> {
    if at < began {
        return Err(DomainError::state(rule, message()));
    }
    Ok(())
}

/// The text checks of one aggregate, which refuses every over-long text under one rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Texts {
    too_long_rule: &'static str,
}

impl Texts {
    pub(crate) const fn within_limit(too_long_rule: &'static str) -> Self {
        Self { too_long_rule }
    }

    /// A required piece of text, trimmed: refused by `rule` when blank, and as too long
    /// when longer than `max` characters.
    pub(crate) fn required(
        self,
        value: &str,
        rule: &'static str,
        field: &str,
        what: &str,
        max: usize,
    ) -> Result<String, DomainError> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(DomainError::invalid(
                rule,
                field,
                format!("{what} is required and may not be blank"),
            ));
        }
        self.bounded(trimmed, field, what, max)
    }

    /// Every item of a list, each required: item `i` is field `{field}[i]`, called
    /// "`{what}` i+1" in messages.
    pub(crate) fn required_each(
        self,
        items: &[String],
        rule: &'static str,
        field: &str,
        what: &str,
        max: usize,
    ) -> Result<Vec<String>, DomainError> {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                self.required(
                    item,
                    rule,
                    &format!("{field}[{i}]"),
                    &format!("{what} {}", i + 1),
                    max,
                )
            })
            .collect()
    }

    /// An optional piece of text (blank means none), trimmed and bounded.
    pub(crate) fn optional(
        self,
        value: &str,
        field: &str,
        what: &str,
        max: usize,
    ) -> Result<String, DomainError> {
        self.bounded(value.trim(), field, what, max)
    }

    fn bounded(
        self,
        trimmed: &str,
        field: &str,
        what: &str,
        max: usize,
    ) -> Result<String, DomainError> {
        let len = trimmed.chars().count();
        if len > max {
            return Err(DomainError::invalid(
                self.too_long_rule,
                field,
                format!("{what} has {len} characters; keep it to {max} at most"),
            ));
        }
        Ok(trimmed.to_owned())
    }
}
