//! Checks every support aggregate shares: who may act, and what a piece of text must be.

use synergy_domain::{DecisionContext, DomainError, PartnershipView};
use synergy_proto::{PartnershipId, Side};

/// The longest title we record; long enough for any real title, short enough for lists.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest single note, agenda item, decision, reason or resolution.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// The longest minutes of one meeting.
pub const MAX_MINUTES_CHARS: usize = 50_000;

/// The partnership the command names, checked against the view the shell loaded, and the
/// side the principal acts as in it. A terminated partnership accepts nothing new, so every
/// support command goes through here.
pub(crate) fn acting_side<'c>(
    ctx: &'c DecisionContext,
    partnership: &PartnershipId,
) -> Result<(&'c PartnershipView, Side), DomainError> {
    let view = ctx.partnership(partnership)?;
    if &view.id != partnership {
        // The shell loaded the wrong read model; deciding against it would let one
        // partnership's parties act on another's stream.
        return Err(DomainError::not_found(
            "partnership.must_exist",
            format!(
                "partnership {partnership} was not loaded (the view given is of {}); retry the command",
                view.id
            ),
        ));
    }
    let side = view.active_side_of(&ctx.principal)?;
    Ok((view, side))
}

/// A required piece of text, trimmed: refused by `rule` when blank, and by `too_long_rule`
/// when longer than `max` characters.
pub(crate) fn required_text(
    value: &str,
    rule: &'static str,
    too_long_rule: &'static str,
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
    bounded_text(trimmed, too_long_rule, field, what, max)
}

/// An optional piece of text (blank means none), trimmed and bounded.
pub(crate) fn optional_text(
    value: &str,
    too_long_rule: &'static str,
    field: &str,
    what: &str,
    max: usize,
) -> Result<String, DomainError> {
    bounded_text(value.trim(), too_long_rule, field, what, max)
}

fn bounded_text(
    trimmed: &str,
    too_long_rule: &'static str,
    field: &str,
    what: &str,
    max: usize,
) -> Result<String, DomainError> {
    let len = trimmed.chars().count();
    if len > max {
        return Err(DomainError::invalid(
            too_long_rule,
            field,
            format!("{what} has {len} characters; keep it to {max} at most"),
        ));
    }
    Ok(trimmed.to_owned())
}
