//! The checks the campaign commands share: who acts, required text, dates not in the
//! future, and the campaign, task, SKU and material a command refers to.

use synergy_domain::{DecisionContext, DomainError, PartnershipView, SkuView};
use synergy_proto::{CampaignId, Date, Side, SkuId, TaskId};

use super::{Campaign, CampaignTask, Lifecycle, MaterialFlow};
use crate::command::Command;

/// The party deciding: the context, the partnership it acts in and the side it acts as.
pub(super) struct Acting<'a> {
    pub(super) ctx: &'a DecisionContext,
    partnership: &'a PartnershipView,
    pub(super) side: Side,
}

impl<'a> Acting<'a> {
    /// The loaded partnership must be the command's, and every command needs a party of a
    /// partnership still in force, whoever's task it is.
    pub(super) fn of(command: &Command, ctx: &'a DecisionContext) -> Result<Self, DomainError> {
        let partnership = ctx.partnership(command.partnership())?;
        if &partnership.id != command.partnership() {
            return Err(DomainError::not_found(
                "partnership.must_exist",
                format!(
                    "the command is for partnership {} but partnership {} was loaded",
                    command.partnership(),
                    partnership.id
                ),
            ));
        }
        let side = partnership.active_side_of(&ctx.principal)?;
        Ok(Self {
            ctx,
            partnership,
            side,
        })
    }

    /// The principal must act as `side` to do `action`.
    pub(super) fn require(
        &self,
        side: Side,
        rule: &'static str,
        action: &str,
    ) -> Result<(), DomainError> {
        self.partnership
            .require_side(&self.ctx.principal, side, rule, action)
    }

    /// Business dates are reported after the fact; one in the future is a typo.
    pub(super) fn not_in_future(&self, field: &str, date: Date) -> Result<(), DomainError> {
        let today = self.ctx.today();
        if date > today {
            Err(DomainError::invalid(
                "campaign.date_not_in_future",
                field,
                format!(
                    "{field} {date} is after today ({today}); record things once they happened"
                ),
            ))
        } else {
            Ok(())
        }
    }

    /// The SKU as the catalogue has it now (its guide price is the one to compare with).
    pub(super) fn catalogue_sku(&self, sku: &SkuId) -> Result<&'a SkuView, DomainError> {
        self.ctx.catalogue.skus.get(sku).ok_or_else(|| {
            DomainError::not_found(
                "campaign.sku_in_catalogue",
                format!("SKU {sku} is no longer in the catalogue, so it has no guide price to compare with"),
            )
            .at("sku")
        })
    }
}

/// `value` trimmed; refused under `rule` when nothing is left.
pub(super) fn required_text<'v>(
    rule: &'static str,
    field: &str,
    value: &'v str,
    what: &str,
) -> Result<&'v str, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        Err(DomainError::invalid(
            rule,
            field,
            format!("{what} is empty; write it out"),
        ))
    } else {
        Ok(trimmed)
    }
}

/// A validated, trimmed material name (the key materials are counted by).
fn material_name(raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(DomainError::invalid(
            "campaign.material_named",
            "material",
            "name the material (e.g. posters, shelf talkers); it is empty",
        ));
    }
    Ok(name.to_owned())
}

impl Campaign {
    /// The campaign must exist and still be open.
    pub(super) fn require_open(&self, campaign: &CampaignId) -> Result<(), DomainError> {
        match self.lifecycle {
            Lifecycle::Unplanned => Err(DomainError::not_found(
                "campaign.must_exist",
                format!(
                    "campaign {campaign} has not been planned; the manufacturer plans it first"
                ),
            )),
            Lifecycle::Closed => Err(DomainError::state(
                "campaign.closed_accepts_nothing",
                format!("campaign {campaign} is closed; nothing about it can change any more"),
            )),
            Lifecycle::Planned | Lifecycle::Launched => Ok(()),
        }
    }

    /// The SKU must be one the campaign was planned for.
    pub(super) fn require_campaign_sku(
        &self,
        campaign: &CampaignId,
        sku: &SkuId,
    ) -> Result<(), DomainError> {
        let skus = self.plan.as_ref().map_or(&[][..], |p| &p.skus[..]);
        if skus.contains(sku) {
            Ok(())
        } else {
            let listed: Vec<&str> = skus.iter().map(SkuId::as_str).collect();
            Err(DomainError::invalid(
                "campaign.sku_of_campaign",
                "sku",
                format!(
                    "SKU {sku} is not part of campaign {campaign}; its SKUs are {}",
                    listed.join(", ")
                ),
            ))
        }
    }

    /// The task must have been assigned.
    pub(super) fn require_task(
        &self,
        campaign: &CampaignId,
        task: &TaskId,
    ) -> Result<&CampaignTask, DomainError> {
        self.tasks.get(task).ok_or_else(|| {
            DomainError::not_found(
                "campaign.task_must_exist",
                format!("campaign {campaign} has no task {task}; assign it first"),
            )
            .at("task")
        })
    }

    /// The material's trimmed name and its flow so far, once the name is given and the
    /// quantity is above zero (`verb`: what the refusal asks to do, at least once).
    pub(super) fn material_flow(
        &self,
        raw: &str,
        quantity: u64,
        verb: &str,
    ) -> Result<(String, MaterialFlow), DomainError> {
        let material = material_name(raw)?;
        if quantity == 0 {
            return Err(DomainError::invalid(
                "campaign.material_quantity_positive",
                "quantity",
                format!("{verb} at least one piece"),
            ));
        }
        let flow = self.materials.get(&material).copied().unwrap_or_default();
        Ok((material, flow))
    }
}
