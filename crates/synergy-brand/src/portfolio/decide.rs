//! `Portfolio::decide`: a dispatch to one function per command. The checks the commands
//! share are in [`super::guards`].

use std::collections::{BTreeMap, BTreeSet};

use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::events::BrandEvent;
use synergy_proto::events::brand::{BrandStage, CultureActivityKind, PriceClass, Score};
use synergy_proto::{BrandId, Date, Period, SkuId};

use super::guards::{Acting, check_score, required_text, withdrawn_is_final};
use super::{BrandRecord, CultureActivity, Portfolio, STAGES, Sku, SkuEntry};
use crate::Command;

/// What a decision returns: the events to record, or the refusal.
type Decision = Result<Vec<BrandEvent>, DomainError>;

impl Portfolio {
    /// Decides a command against this state. `Ok(vec![])` means accepted, nothing changes.
    pub fn decide(&self, command: &Command, ctx: &DecisionContext) -> Decision {
        let acting = Acting::of(ctx, command.partnership())?;
        match command {
            Command::RegisterCatalogue { skus, .. } => self.register_catalogue(skus, &acting),
            Command::IntroduceBrand {
                brand,
                introduced_on,
                ..
            } => self.introduce_brand(brand, *introduced_on, &acting),
            Command::ChangeBrandStage {
                brand,
                to,
                changed_on,
                reason,
                ..
            } => self.change_stage(brand, *to, *changed_on, reason, &acting),
            Command::EvaluateBrand {
                brand,
                period,
                overall,
                scores,
                comment,
                supersede,
                ..
            } => self.evaluate(
                brand, *period, *overall, scores, comment, *supersede, &acting,
            ),
            Command::RecordCultureActivity {
                brand,
                kind,
                title,
                held_on,
                participants,
                ..
            } => self.record_activity(
                brand.as_ref(),
                *kind,
                title,
                *held_on,
                *participants,
                &acting,
            ),
        }
    }

    /// The manufacturer registers or updates a catalogue of SKUs, all or nothing.
    fn register_catalogue(&self, entries: &[SkuEntry], acting: &Acting) -> Decision {
        acting.require_manufacturer("portfolio.skus_by_manufacturer", "registering SKUs")?;
        if entries.is_empty() {
            return Err(DomainError::invalid(
                "portfolio.catalogue_not_empty",
                "skus",
                "the catalogue has no SKUs; list at least one",
            ));
        }
        let mut first_seen: BTreeMap<&SkuId, usize> = BTreeMap::new();
        let mut events = Vec::new();
        // All-or-nothing: any refused line refuses the whole catalogue, so events are only
        // returned after every line has passed.
        for (i, entry) in entries.iter().enumerate() {
            let wanted = catalogue_line(i, entry, &mut first_seen)?;
            if let Some(event) = self.sku_event(i, wanted)? {
                events.push(event);
            }
        }
        Ok(events)
    }

    /// What registering `wanted` (catalogue line `i`) records: nothing when it is
    /// registered unchanged, else a registration or an update.
    fn sku_event(&self, i: usize, wanted: Sku) -> Result<Option<BrandEvent>, DomainError> {
        let sku = &wanted.sku;
        let existing = self.skus.get(sku);
        if let Some(existing) = existing {
            if existing.brand != wanted.brand {
                return Err(DomainError::state(
                    "portfolio.sku_brand_is_fixed",
                    format!(
                        "SKU {sku} belongs to brand {}; it cannot move to brand {}. \
                         Register the product under a new SKU id instead",
                        existing.brand, wanted.brand
                    ),
                )
                .at(line_field(i, "brand")));
            }
            // Re-importing an unchanged catalogue is a safe retry.
            if existing == &wanted {
                return Ok(None);
            }
        }
        if let Some(withdrawn_on) = self.withdrawn_on(&wanted.brand) {
            return Err(DomainError::state(
                "portfolio.withdrawn_is_final",
                format!(
                    "brand {} was withdrawn on {withdrawn_on}; its SKUs can no longer be \
                     registered or changed (SKU {sku})",
                    wanted.brand
                ),
            )
            .at(line_field(i, "brand")));
        }
        let updated = existing.is_some();
        let Sku {
            sku,
            brand,
            name,
            price_class,
            guide_price,
        } = wanted;
        Ok(Some(if updated {
            BrandEvent::SkuUpdated {
                brand,
                sku,
                name,
                price_class,
                guide_price,
            }
        } else {
            BrandEvent::SkuRegistered {
                brand,
                sku,
                name,
                price_class,
                guide_price,
            }
        }))
    }

    /// The manufacturer introduces a brand with at least one registered SKU.
    fn introduce_brand(&self, brand: &BrandId, introduced_on: Date, acting: &Acting) -> Decision {
        acting.require_manufacturer(
            "portfolio.brand_introduced_by_manufacturer",
            "introducing a brand into the region",
        )?;
        if let Some(record) = self.brands.get(brand) {
            if let Some(withdrawn_on) = record.withdrawn_on() {
                return Err(withdrawn_is_final(brand, withdrawn_on, "introduced again"));
            }
            if record.introduced_on == introduced_on {
                return Ok(vec![]);
            }
            return Err(DomainError::state(
                "portfolio.brand_introduced_once",
                format!(
                    "brand {brand} was already introduced on {}; it is in the {} stage. \
                     Move its stage instead",
                    record.introduced_on,
                    record.stage.as_str()
                ),
            )
            .at("brand"));
        }
        if !self.is_registered(brand) {
            return Err(DomainError::state(
                "portfolio.introduction_needs_sku",
                format!(
                    "brand {brand} has no registered SKU; register its catalogue before \
                     introducing it"
                ),
            )
            .at("brand"));
        }
        acting.not_in_future(introduced_on, "introduced_on")?;
        Ok(vec![BrandEvent::BrandIntroduced {
            brand: brand.clone(),
            introduced_on,
        }])
    }

    /// The manufacturer moves a brand to a later stage, or withdraws it.
    fn change_stage(
        &self,
        brand: &BrandId,
        to: BrandStage,
        changed_on: Date,
        reason: &str,
        acting: &Acting,
    ) -> Decision {
        acting.require_manufacturer(
            "portfolio.stage_changed_by_manufacturer",
            "changing a brand's stage",
        )?;
        let record = self.introduced(brand)?;
        if let Some(withdrawn_on) = record.withdrawn_on() {
            return Err(withdrawn_is_final(
                brand,
                withdrawn_on,
                "moved to another stage",
            ));
        }
        let from = record.stage;
        if to <= from {
            let forward: Vec<&str> = STAGES
                .iter()
                .filter(|s| **s > from)
                .map(|s| s.as_str())
                .collect();
            return Err(DomainError::state(
                "portfolio.stage_moves_forward",
                format!(
                    "brand {brand} is in the {} stage; it can move only forward ({}), \
                     not to {}",
                    from.as_str(),
                    forward.join(", "),
                    to.as_str()
                ),
            )
            .at("to"));
        }
        let reason = required_text(
            reason,
            "portfolio.stage_change_reason_required",
            "reason",
            || {
                format!(
                    "say why brand {brand} moves from {} to {}",
                    from.as_str(),
                    to.as_str()
                )
            },
        )?;
        acting.not_in_future(changed_on, "changed_on")?;
        if changed_on < record.stage_since {
            return Err(DomainError::invalid(
                "portfolio.stage_dates_in_order",
                "changed_on",
                format!(
                    "brand {brand} entered the {} stage on {}; a change on {changed_on} \
                     would precede it",
                    from.as_str(),
                    record.stage_since
                ),
            ));
        }
        Ok(vec![BrandEvent::BrandStageChanged {
            brand: brand.clone(),
            from,
            to,
            changed_on,
            reason: reason.to_owned(),
        }])
    }

    /// Either side records the evaluation of a brand for an ended period.
    // The command's fields, borrowed one by one: bundling them again would only re-create
    // the command variant.
    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &self,
        brand: &BrandId,
        period: Period,
        overall: u8,
        scores: &[Score],
        comment: &str,
        supersede: bool,
        acting: &Acting,
    ) -> Decision {
        let record = self.introduced(brand)?;
        check_score(overall, "overall", "the overall score")?;
        let normalized = normalized_scores(scores)?;
        require_evaluable(brand, record, period, acting.today())?;
        let comment = comment.trim();
        if let Some(existing) = self.evaluation(brand, period) {
            if existing.overall == overall
                && existing.scores == normalized
                && existing.comment == comment
            {
                return Ok(vec![]);
            }
            if !supersede {
                return Err(DomainError::state(
                    "portfolio.one_evaluation_per_brand_per_period",
                    format!(
                        "brand {brand} already has an evaluation for {period} \
                         (overall {}); to replace it, resubmit with supersede",
                        existing.overall
                    ),
                )
                .at("period"));
            }
        }
        Ok(vec![BrandEvent::BrandEvaluated {
            brand: brand.clone(),
            period,
            overall,
            scores: normalized,
            comment: comment.to_owned(),
        }])
    }

    /// Either side records a culture activity that was held; the same one again is a retry.
    fn record_activity(
        &self,
        brand: Option<&BrandId>,
        kind: CultureActivityKind,
        title: &str,
        held_on: Date,
        participants: u32,
        acting: &Acting,
    ) -> Decision {
        let title = required_text(title, "portfolio.activity_title_required", "title", || {
            "give the activity a title, e.g. \"Changzhi customer managers visit Kunming\""
                .to_owned()
        })?;
        if participants == 0 {
            return Err(DomainError::invalid(
                "portfolio.activity_participants_positive",
                "participants",
                "an activity that was held had at least one participant; give their number",
            ));
        }
        acting.not_in_future(held_on, "held_on")?;
        if let Some(brand) = brand
            && !self.is_registered(brand)
        {
            return Err(DomainError::not_found(
                "portfolio.activity_brand_registered",
                format!(
                    "brand {brand} has no registered SKU in this partnership; name a \
                     registered brand or none"
                ),
            )
            .at("brand"));
        }
        let activity = CultureActivity {
            brand: brand.cloned(),
            kind,
            title: title.to_owned(),
            held_on,
            participants,
        };
        // The same activity recorded twice is a retry, not a second activity.
        if self.activities.contains(&activity) {
            return Ok(vec![]);
        }
        Ok(vec![BrandEvent::CultureActivityHeld {
            brand: activity.brand,
            kind,
            title: activity.title,
            held_on,
            participants,
        }])
    }
}

/// The field `field` of catalogue line `i`, as refusals name it.
fn line_field(i: usize, field: &str) -> String {
    format!("skus[{i}].{field}")
}

/// Catalogue line `i` as the SKU it registers: an id that is not reserved and not listed
/// before (`first_seen`), a name, a price class and a guide price above zero.
fn catalogue_line<'e>(
    i: usize,
    entry: &'e SkuEntry,
    first_seen: &mut BTreeMap<&'e SkuId, usize>,
) -> Result<Sku, DomainError> {
    let at = |field: &str| line_field(i, field);
    let sku = &entry.sku;
    // Case-insensitive: a spreadsheet's "all" or "All" would otherwise be a real
    // SKU that market data could never report apart from the market-total line.
    if sku.as_str().eq_ignore_ascii_case(SkuId::MARKET_TOTAL) {
        return Err(DomainError::invalid(
            "portfolio.sku_all_reserved",
            at("sku"),
            format!(
                "SKU id {sku:?} is reserved for the market-total line of market data; \
                 give this SKU another id"
            ),
        ));
    }
    if let Some(first) = first_seen.insert(sku, i) {
        return Err(DomainError::invalid(
            "portfolio.sku_once_per_catalogue",
            at("sku"),
            format!(
                "SKU {sku} is listed twice (skus[{first}] and skus[{i}]); \
                 list each SKU once"
            ),
        ));
    }
    let name = required_text(
        &entry.name,
        "portfolio.sku_name_required",
        at("name"),
        || format!("SKU {sku} has no name; give the name printed on the pack"),
    )?;
    let price_class = PriceClass::new(entry.price_class).map_err(|e| {
        DomainError::invalid(
            "portfolio.price_class_1_to_5",
            at("price_class"),
            format!("SKU {sku}: {e}; use 1 (一類) to 5 (五類)"),
        )
    })?;
    if entry.guide_price.units() <= 0 {
        return Err(DomainError::invalid(
            "portfolio.guide_price_positive",
            at("guide_price"),
            format!(
                "SKU {sku}: the guide retail price per carton must be above 0 yuan, \
                 not {}",
                entry.guide_price
            ),
        ));
    }
    Ok(Sku {
        sku: sku.clone(),
        brand: entry.brand.clone(),
        name: name.to_owned(),
        price_class,
        guide_price: entry.guide_price,
    })
}

/// The scores with their criteria trimmed: each criterion named, scored once, 0..=100.
fn normalized_scores(scores: &[Score]) -> Result<Vec<Score>, DomainError> {
    let mut criteria = BTreeSet::new();
    let mut normalized = Vec::with_capacity(scores.len());
    for (i, s) in scores.iter().enumerate() {
        let field = format!("scores[{i}].criterion");
        let criterion = s.criterion.trim();
        if criterion.is_empty() {
            return Err(DomainError::invalid(
                "portfolio.criterion_named",
                field,
                "every score needs the criterion it scores",
            ));
        }
        if !criteria.insert(criterion) {
            return Err(DomainError::invalid(
                "portfolio.criterion_once",
                field,
                format!("criterion {criterion:?} is scored twice; score each criterion once"),
            ));
        }
        check_score(
            s.score,
            &format!("scores[{i}].score"),
            &format!("the score of {criterion:?}"),
        )?;
        normalized.push(Score {
            criterion: criterion.to_owned(),
            score: s.score,
        });
    }
    Ok(normalized)
}

/// Only an ended period is evaluated, not one that ended before the brand's introduction
/// nor one that began after its withdrawal (the period of the withdrawal still may be).
fn require_evaluable(
    brand: &BrandId,
    record: &BrandRecord,
    period: Period,
    today: Date,
) -> Result<(), DomainError> {
    let last_day = period.last_month().last_day();
    if last_day >= today {
        return Err(DomainError::invalid(
            "portfolio.evaluate_ended_periods",
            "period",
            format!("{period} ends on {last_day}; evaluate it after it has ended"),
        ));
    }
    if last_day < record.introduced_on {
        return Err(DomainError::invalid(
            "portfolio.evaluate_after_introduction",
            "period",
            format!(
                "brand {brand} was introduced on {}, after {period} ended",
                record.introduced_on
            ),
        ));
    }
    if let Some(withdrawn_on) = record.withdrawn_on() {
        // The period in which the brand was withdrawn may still be evaluated.
        if period.first_month().first_day() > withdrawn_on {
            return Err(withdrawn_is_final(
                brand,
                withdrawn_on,
                &format!("evaluated for {period}"),
            )
            .at("period"));
        }
    }
    Ok(())
}
