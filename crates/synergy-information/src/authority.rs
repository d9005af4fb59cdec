//! Who may act: every command names its partnership, and the 5+1 model gives each action
//! to one side.

use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::{PartnershipId, Side};

/// Requires the principal to act as `side` in the (still active) partnership `partnership`.
///
/// The shell loads the partnership view for the command's partnership; a view of another
/// partnership would let one partnership's parties act on another's data, so it is refused
/// as if the partnership did not exist.
pub(crate) fn require_side(
    ctx: &DecisionContext,
    partnership: &PartnershipId,
    side: Side,
    rule: &'static str,
    action: &str,
) -> Result<(), DomainError> {
    let view = ctx.partnership(partnership)?;
    if &view.id != partnership {
        return Err(DomainError::not_found(
            "partnership.must_exist",
            format!(
                "the command is for partnership {partnership} but the decision was given partnership {}",
                view.id
            ),
        ));
    }
    view.require_side(&ctx.principal, side, rule, action)
}
