//! `Campaign::evolve`: how each recorded event changes a campaign.

use synergy_proto::Cases;
use synergy_proto::events::marketing::MarketingEvent;

use super::{
    Campaign, CampaignPlan, CampaignTask, Closure, Lifecycle, PriceCheck, TaskCompletion,
    UpliftPromise,
};

impl Campaign {
    /// Applies one recorded event. Total and pure: events are facts already decided, so
    /// sums saturate rather than fail (decide refuses anything that would overflow).
    pub fn evolve(mut self, event: &MarketingEvent) -> Self {
        match event {
            MarketingEvent::CampaignPlanned {
                campaign,
                title,
                brand,
                skus,
                starts_on,
                ends_on,
                activity_plan,
            } => {
                self.id = Some(campaign.clone());
                self.lifecycle = Lifecycle::Planned;
                self.plan = Some(CampaignPlan {
                    title: title.clone(),
                    brand: brand.clone(),
                    skus: skus.clone(),
                    starts_on: *starts_on,
                    ends_on: *ends_on,
                    activity_plan: activity_plan.clone(),
                });
            }
            MarketingEvent::CampaignTaskAssigned {
                task,
                title,
                side,
                due_on,
                ..
            } => {
                self.tasks.insert(
                    task.clone(),
                    CampaignTask {
                        title: title.clone(),
                        side: *side,
                        due_on: *due_on,
                        completion: None,
                    },
                );
            }
            MarketingEvent::CampaignTaskCompleted {
                task,
                completed_on,
                note,
                ..
            } => {
                if let Some(t) = self.tasks.get_mut(task) {
                    t.completion = Some(TaskCompletion {
                        completed_on: *completed_on,
                        note: note.clone(),
                    });
                }
            }
            MarketingEvent::MaterialsDispatched {
                material, quantity, ..
            } => {
                let flow = self.materials.entry(material.clone()).or_default();
                flow.dispatched = flow.dispatched.saturating_add(*quantity);
            }
            MarketingEvent::MaterialsReceived {
                material, quantity, ..
            } => {
                let flow = self.materials.entry(material.clone()).or_default();
                flow.received = flow.received.saturating_add(*quantity);
            }
            MarketingEvent::OutletsSelected { outlets, .. } => {
                self.outlets.extend(outlets.iter().cloned());
            }
            MarketingEvent::RetailPriceChecked {
                sku,
                outlet,
                observed_price,
                guide_price,
                checked_on,
                ..
            } => self.price_checks.push(PriceCheck {
                sku: sku.clone(),
                outlet: outlet.clone(),
                observed_price: *observed_price,
                guide_price: *guide_price,
                checked_on: *checked_on,
            }),
            MarketingEvent::SupplyAllocated { sku, volume, .. } => {
                let total = self.supply.entry(sku.clone()).or_default();
                *total = Cases::from_units(total.units().saturating_add(volume.units()));
            }
            MarketingEvent::CampaignLaunched { launched_on, .. } => {
                self.lifecycle = Lifecycle::Launched;
                self.launched_on = Some(*launched_on);
            }
            MarketingEvent::CampaignClosed {
                closed_on,
                outcome,
                summary,
                ..
            } => {
                self.lifecycle = Lifecycle::Closed;
                self.closure = Some(Closure {
                    closed_on: *closed_on,
                    outcome: *outcome,
                    summary: summary.clone(),
                });
            }
            MarketingEvent::UpliftPromised {
                skus,
                first_month,
                last_month,
                uplift,
                reason,
                ..
            } => {
                let revision = self
                    .promise
                    .as_ref()
                    .map_or(1, |p| p.revision.saturating_add(1));
                self.promise = Some(UpliftPromise {
                    skus: skus.clone(),
                    first_month: *first_month,
                    last_month: *last_month,
                    uplift: *uplift,
                    revision,
                    reason: reason.clone(),
                });
            }
        }
        self
    }
}
