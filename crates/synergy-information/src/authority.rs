//! Who may act: every command names its partnership, and the 5+1 model gives each action
//! to one side.

use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::{PartnershipId, Side};

/// Requires the principal to act as `side` in the (still active) partnership `partnership`.
/// A view of another partnership is refused as if it did not exist
/// ([`DecisionContext::partnership_named`]).
pub(crate) fn require_side(
    ctx: &DecisionContext,
    partnership: &PartnershipId,
    side: Side,
    rule: &'static str,
    action: &str,
) -> Result<(), DomainError> {
    let view = ctx.partnership_named(partnership)?;
    view.require_side(&ctx.principal, side, rule, action)
}
