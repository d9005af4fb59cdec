//! The checks the portfolio commands share: who acts, required text, dates not in the
//! future, scores in range, and the brand a command refers to.

use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::{BrandId, Date, PartnershipId, Side};

use super::{BrandRecord, Portfolio};

/// The party deciding: the context and the side the principal acts as.
pub(super) struct Acting<'a> {
    ctx: &'a DecisionContext,
    side: Side,
}

impl<'a> Acting<'a> {
    /// The side the principal acts as in `partnership`; either side may act.
    pub(super) fn of(
        ctx: &'a DecisionContext,
        partnership: &PartnershipId,
    ) -> Result<Self, DomainError> {
        let view = ctx.partnership_named(partnership)?;
        let side = view.active_side_of(&ctx.principal)?;
        Ok(Self { ctx, side })
    }

    /// The seed: 煙廠主要做品牌 — the manufacturer owns the brand work.
    pub(super) fn require_manufacturer(
        &self,
        rule: &'static str,
        action: &str,
    ) -> Result<(), DomainError> {
        let side = self.side;
        if side == Side::Manufacturer {
            return Ok(());
        }
        Err(DomainError::forbidden(
            rule,
            format!(
                "{action} is the manufacturer's task in the 5+1 model (煙廠主要做品牌); {} is the \
                 {side}",
                self.ctx.principal.org
            ),
        ))
    }

    /// Today on the partnership's calendar.
    pub(super) fn today(&self) -> Date {
        self.ctx.today()
    }

    /// Things are recorded once they have happened.
    pub(super) fn not_in_future(&self, day: Date, field: &str) -> Result<(), DomainError> {
        let today = self.today();
        if day > today {
            return Err(DomainError::invalid(
                "portfolio.date_not_in_future",
                field,
                format!("{day} is after today ({today}); record things once they have happened"),
            ));
        }
        Ok(())
    }
}

/// `value` trimmed; refused under `rule` with `message` when nothing is left.
pub(super) fn required_text<'v>(
    value: &'v str,
    rule: &'static str,
    field: impl Into<String>,
    message: impl FnOnce() -> String,
) -> Result<&'v str, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid(rule, field, message()));
    }
    Ok(trimmed)
}

pub(super) fn check_score(score: u8, field: &str, what: &str) -> Result<(), DomainError> {
    if score > 100 {
        return Err(DomainError::invalid(
            "portfolio.score_0_to_100",
            field,
            format!("{what} is {score}; scores run from 0 to 100"),
        ));
    }
    Ok(())
}

pub(super) fn withdrawn_is_final(brand: &BrandId, withdrawn_on: Date, what: &str) -> DomainError {
    DomainError::state(
        "portfolio.withdrawn_is_final",
        format!("brand {brand} was withdrawn on {withdrawn_on} and cannot be {what}"),
    )
    .at("brand")
}

impl Portfolio {
    /// The brand must have been introduced into the region.
    pub(super) fn introduced(&self, brand: &BrandId) -> Result<&BrandRecord, DomainError> {
        self.brands.get(brand).ok_or_else(|| {
            DomainError::not_found(
                "portfolio.brand_must_be_introduced",
                format!(
                    "brand {brand} has not been introduced into the region; introduce it first"
                ),
            )
            .at("brand")
        })
    }

    pub(super) fn withdrawn_on(&self, brand: &BrandId) -> Option<Date> {
        self.brands.get(brand).and_then(BrandRecord::withdrawn_on)
    }
}
