//! `Portfolio::evolve`: how each recorded event changes the portfolio.

use synergy_proto::events::BrandEvent;
use synergy_proto::events::brand::BrandStage;

use super::{BrandRecord, CultureActivity, Evaluation, Portfolio, Sku, StageChange};

impl Portfolio {
    /// Applies one recorded event. Total: an event the rules would not have produced
    /// (an old stream, a hand-written fixture) is applied as faithfully as possible.
    pub fn evolve(mut self, event: &BrandEvent) -> Self {
        match event {
            BrandEvent::SkuRegistered {
                brand,
                sku,
                name,
                price_class,
                guide_price,
            }
            | BrandEvent::SkuUpdated {
                brand,
                sku,
                name,
                price_class,
                guide_price,
            } => {
                self.skus.insert(
                    sku.clone(),
                    Sku {
                        sku: sku.clone(),
                        brand: brand.clone(),
                        name: name.clone(),
                        price_class: *price_class,
                        guide_price: *guide_price,
                    },
                );
            }
            BrandEvent::BrandIntroduced {
                brand,
                introduced_on,
            } => {
                self.brands.insert(
                    brand.clone(),
                    BrandRecord {
                        brand: brand.clone(),
                        introduced_on: *introduced_on,
                        stage: BrandStage::Introduction,
                        stage_since: *introduced_on,
                        changes: Vec::new(),
                    },
                );
            }
            BrandEvent::BrandStageChanged {
                brand,
                from,
                to,
                changed_on,
                reason,
            } => {
                if let Some(record) = self.brands.get_mut(brand) {
                    record.stage = *to;
                    record.stage_since = *changed_on;
                    record.changes.push(StageChange {
                        from: *from,
                        to: *to,
                        changed_on: *changed_on,
                        reason: reason.clone(),
                    });
                }
            }
            BrandEvent::BrandEvaluated {
                brand,
                period,
                overall,
                scores,
                comment,
            } => {
                let key = (brand.clone(), *period);
                let revision = self.evaluations.get(&key).map_or(1, |e| e.revision + 1);
                self.evaluations.insert(
                    key,
                    Evaluation {
                        brand: brand.clone(),
                        period: *period,
                        overall: *overall,
                        scores: scores.clone(),
                        comment: comment.clone(),
                        revision,
                    },
                );
            }
            BrandEvent::CultureActivityHeld {
                brand,
                kind,
                title,
                held_on,
                participants,
            } => self.activities.push(CultureActivity {
                brand: brand.clone(),
                kind: *kind,
                title: title.clone(),
                held_on: *held_on,
                participants: *participants,
            }),
        }
        self
    }
}
