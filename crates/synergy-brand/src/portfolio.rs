//! The portfolio aggregate: one per partnership, holding the catalogue (SKUs), each brand's
//! life-cycle stage, the brand evaluations and the culture activities.
//!
//! It is a singleton so that a catalogue import of many SKUs is one atomic commit, and so
//! that "a brand needs a registered SKU before it is introduced" is checked against the
//! same state it is recorded in (no cross-stream race).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use synergy_domain::{CatalogueView, DecisionContext, DomainError, SkuView};
use synergy_proto::events::BrandEvent;
use synergy_proto::events::brand::{BrandStage, CultureActivityKind, PriceClass, Score};
use synergy_proto::{BrandId, Date, PartnershipId, Period, Side, SkuId, Yuan};

use crate::Command;

/// One line of a catalogue registration, as the manufacturer's catalogue file has it
/// (`brand,sku,name,price_class,guide_price_yuan`, `docs/import-formats.md`).
///
/// `price_class` is the raw number so that a wrong class is refused naming its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuEntry {
    pub brand: BrandId,
    pub sku: SkuId,
    pub name: String,
    /// 1 (一類) … 5 (五類).
    pub price_class: u8,
    /// Guide retail price per carton (條); above zero.
    pub guide_price: Yuan,
}

/// A registered SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sku {
    pub sku: SkuId,
    pub brand: BrandId,
    pub name: String,
    pub price_class: PriceClass,
    pub guide_price: Yuan,
}

/// One recorded move of a brand's stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageChange {
    pub from: BrandStage,
    pub to: BrandStage,
    pub changed_on: Date,
    pub reason: String,
}

/// A brand introduced into the region, with its current stage and how it got there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrandRecord {
    pub brand: BrandId,
    pub introduced_on: Date,
    pub stage: BrandStage,
    /// The day the current stage began (the introduction date until the first change).
    pub stage_since: Date,
    /// Every stage change, oldest first.
    pub changes: Vec<StageChange>,
}

impl BrandRecord {
    pub fn is_withdrawn(&self) -> bool {
        self.stage == BrandStage::Withdrawn
    }

    /// The day the brand was withdrawn, if it was.
    pub fn withdrawn_on(&self) -> Option<Date> {
        self.is_withdrawn().then_some(self.stage_since)
    }

    /// The stage the brand was in on `day` (`None` before its introduction).
    pub fn stage_on(&self, day: Date) -> Option<BrandStage> {
        if day < self.introduced_on {
            return None;
        }
        let mut stage = BrandStage::Introduction;
        for change in &self.changes {
            if change.changed_on <= day {
                stage = change.to;
            }
        }
        Some(stage)
    }
}

/// The current evaluation of one brand for one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub brand: BrandId,
    pub period: Period,
    pub overall: u8,
    pub scores: Vec<Score>,
    pub comment: String,
    /// 1 for the first evaluation of this brand and period; each superseding one adds 1.
    pub revision: u32,
}

/// A recorded culture activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CultureActivity {
    pub brand: Option<BrandId>,
    pub kind: CultureActivityKind,
    pub title: String,
    pub held_on: Date,
    pub participants: u32,
}

/// The folded state of a partnership's brand portfolio.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Portfolio {
    skus: BTreeMap<SkuId, Sku>,
    brands: BTreeMap<BrandId, BrandRecord>,
    evaluations: BTreeMap<(BrandId, Period), Evaluation>,
    activities: Vec<CultureActivity>,
}

impl Portfolio {
    /// Folds a stream's brand events, oldest first.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a BrandEvent>) -> Self {
        events.into_iter().fold(Self::default(), Self::evolve)
    }

    // ---- reads -------------------------------------------------------------------------

    /// Every registered SKU, by id.
    pub fn skus(&self) -> impl Iterator<Item = &Sku> {
        self.skus.values()
    }

    pub fn sku(&self, sku: &SkuId) -> Option<&Sku> {
        self.skus.get(sku)
    }

    /// The SKUs of one brand, by id.
    pub fn skus_of<'a>(&'a self, brand: &'a BrandId) -> impl Iterator<Item = &'a Sku> + 'a {
        self.skus.values().filter(move |s| &s.brand == brand)
    }

    /// Whether the brand has at least one registered SKU.
    pub fn is_registered(&self, brand: &BrandId) -> bool {
        self.skus.values().any(|s| &s.brand == brand)
    }

    /// The catalogue as other contexts see it. Withdrawn brands' SKUs stay in it: stock
    /// may still sell through and be reported after a withdrawal.
    pub fn catalogue(&self) -> CatalogueView {
        CatalogueView {
            skus: self
                .skus
                .values()
                .map(|s| {
                    (
                        s.sku.clone(),
                        SkuView {
                            brand: s.brand.clone(),
                            name: s.name.clone(),
                            price_class: s.price_class,
                            guide_price: s.guide_price,
                        },
                    )
                })
                .collect(),
        }
    }

    /// Every brand introduced into the region, by id.
    pub fn brands(&self) -> impl Iterator<Item = &BrandRecord> {
        self.brands.values()
    }

    pub fn brand(&self, brand: &BrandId) -> Option<&BrandRecord> {
        self.brands.get(brand)
    }

    /// The brand's current stage, if it was introduced.
    pub fn stage_of(&self, brand: &BrandId) -> Option<BrandStage> {
        self.brands.get(brand).map(|b| b.stage)
    }

    /// Current evaluations (superseded ones are replaced), by brand then period.
    pub fn evaluations(&self) -> impl Iterator<Item = &Evaluation> {
        self.evaluations.values()
    }

    pub fn evaluation(&self, brand: &BrandId, period: Period) -> Option<&Evaluation> {
        self.evaluations.get(&(brand.clone(), period))
    }

    /// The brand's evaluations of periods lying wholly inside `within` (e.g. its monthly
    /// and quarterly evaluations inside a half-year report), in period order.
    pub fn evaluations_within<'a>(
        &'a self,
        brand: &'a BrandId,
        within: Period,
    ) -> impl Iterator<Item = &'a Evaluation> + 'a {
        self.evaluations
            .values()
            .filter(move |e| &e.brand == brand && within.covers(e.period))
    }

    /// Culture activities in the order they were recorded.
    pub fn activities(&self) -> &[CultureActivity] {
        &self.activities
    }

    /// Culture activities held in `period`, optionally only those about `brand`.
    pub fn activities_in<'a>(
        &'a self,
        period: Period,
        brand: Option<&'a BrandId>,
    ) -> impl Iterator<Item = &'a CultureActivity> + 'a {
        self.activities.iter().filter(move |a| {
            period.contains(a.held_on.year_month())
                && brand.is_none_or(|b| a.brand.as_ref() == Some(b))
        })
    }

    // ---- evolve ------------------------------------------------------------------------

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

    // ---- decide ------------------------------------------------------------------------

    /// Decides a command against this state. `Ok(vec![])` means accepted, nothing changes.
    pub fn decide(
        &self,
        command: &Command,
        ctx: &DecisionContext,
    ) -> Result<Vec<BrandEvent>, DomainError> {
        match command {
            Command::RegisterCatalogue { partnership, skus } => {
                require_manufacturer(
                    ctx,
                    partnership,
                    "portfolio.skus_by_manufacturer",
                    "registering SKUs",
                )?;
                self.register_catalogue(skus)
            }
            Command::IntroduceBrand {
                partnership,
                brand,
                introduced_on,
            } => {
                require_manufacturer(
                    ctx,
                    partnership,
                    "portfolio.brand_introduced_by_manufacturer",
                    "introducing a brand into the region",
                )?;
                self.introduce_brand(brand, *introduced_on, ctx.today())
            }
            Command::ChangeBrandStage {
                partnership,
                brand,
                to,
                changed_on,
                reason,
            } => {
                require_manufacturer(
                    ctx,
                    partnership,
                    "portfolio.stage_changed_by_manufacturer",
                    "changing a brand's stage",
                )?;
                self.change_stage(brand, *to, *changed_on, reason, ctx.today())
            }
            Command::EvaluateBrand {
                partnership,
                brand,
                period,
                overall,
                scores,
                comment,
                supersede,
            } => {
                acting_side(ctx, partnership)?;
                self.evaluate(
                    brand,
                    *period,
                    *overall,
                    scores,
                    comment,
                    *supersede,
                    ctx.today(),
                )
            }
            Command::RecordCultureActivity {
                partnership,
                brand,
                kind,
                title,
                held_on,
                participants,
            } => {
                acting_side(ctx, partnership)?;
                self.record_activity(
                    brand.as_ref(),
                    *kind,
                    title,
                    *held_on,
                    *participants,
                    ctx.today(),
                )
            }
        }
    }

    fn register_catalogue(&self, entries: &[SkuEntry]) -> Result<Vec<BrandEvent>, DomainError> {
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
            let at = |field: &str| format!("skus[{i}].{field}");
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
            let name = entry.name.trim();
            if name.is_empty() {
                return Err(DomainError::invalid(
                    "portfolio.sku_name_required",
                    at("name"),
                    format!("SKU {sku} has no name; give the name printed on the pack"),
                ));
            }
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
            let wanted = Sku {
                sku: sku.clone(),
                brand: entry.brand.clone(),
                name: name.to_owned(),
                price_class,
                guide_price: entry.guide_price,
            };
            let event = match self.skus.get(sku) {
                Some(existing) if existing.brand != wanted.brand => {
                    return Err(DomainError::state(
                        "portfolio.sku_brand_is_fixed",
                        format!(
                            "SKU {sku} belongs to brand {}; it cannot move to brand {}. \
                             Register the product under a new SKU id instead",
                            existing.brand, wanted.brand
                        ),
                    )
                    .at(at("brand")));
                }
                // Re-importing an unchanged catalogue is a safe retry.
                Some(existing) if existing == &wanted => continue,
                Some(_) => BrandEvent::SkuUpdated {
                    brand: wanted.brand,
                    sku: wanted.sku,
                    name: wanted.name,
                    price_class,
                    guide_price: wanted.guide_price,
                },
                None => BrandEvent::SkuRegistered {
                    brand: wanted.brand,
                    sku: wanted.sku,
                    name: wanted.name,
                    price_class,
                    guide_price: wanted.guide_price,
                },
            };
            if let Some(withdrawn_on) = self.withdrawn_on(&entry.brand) {
                return Err(DomainError::state(
                    "portfolio.withdrawn_is_final",
                    format!(
                        "brand {} was withdrawn on {withdrawn_on}; its SKUs can no longer be \
                         registered or changed (SKU {sku})",
                        entry.brand
                    ),
                )
                .at(at("brand")));
            }
            events.push(event);
        }
        Ok(events)
    }

    fn introduce_brand(
        &self,
        brand: &BrandId,
        introduced_on: Date,
        today: Date,
    ) -> Result<Vec<BrandEvent>, DomainError> {
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
        not_in_future(introduced_on, today, "introduced_on")?;
        Ok(vec![BrandEvent::BrandIntroduced {
            brand: brand.clone(),
            introduced_on,
        }])
    }

    fn change_stage(
        &self,
        brand: &BrandId,
        to: BrandStage,
        changed_on: Date,
        reason: &str,
        today: Date,
    ) -> Result<Vec<BrandEvent>, DomainError> {
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
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid(
                "portfolio.stage_change_reason_required",
                "reason",
                format!(
                    "say why brand {brand} moves from {} to {}",
                    from.as_str(),
                    to.as_str()
                ),
            ));
        }
        not_in_future(changed_on, today, "changed_on")?;
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
        today: Date,
    ) -> Result<Vec<BrandEvent>, DomainError> {
        let record = self.introduced(brand)?;
        check_score(overall, "overall", "the overall score")?;
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

    fn record_activity(
        &self,
        brand: Option<&BrandId>,
        kind: CultureActivityKind,
        title: &str,
        held_on: Date,
        participants: u32,
        today: Date,
    ) -> Result<Vec<BrandEvent>, DomainError> {
        let title = title.trim();
        if title.is_empty() {
            return Err(DomainError::invalid(
                "portfolio.activity_title_required",
                "title",
                "give the activity a title, e.g. \"Changzhi customer managers visit Kunming\"",
            ));
        }
        if participants == 0 {
            return Err(DomainError::invalid(
                "portfolio.activity_participants_positive",
                "participants",
                "an activity that was held had at least one participant; give their number",
            ));
        }
        not_in_future(held_on, today, "held_on")?;
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

    fn introduced(&self, brand: &BrandId) -> Result<&BrandRecord, DomainError> {
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

    fn withdrawn_on(&self, brand: &BrandId) -> Option<Date> {
        self.brands.get(brand).and_then(BrandRecord::withdrawn_on)
    }
}

/// Every stage in life-cycle order.
pub const STAGES: [BrandStage; 6] = [
    BrandStage::Introduction,
    BrandStage::Cultivation,
    BrandStage::Growth,
    BrandStage::Mature,
    BrandStage::Decline,
    BrandStage::Withdrawn,
];

/// The side the principal acts as; either side may act.
fn acting_side(ctx: &DecisionContext, partnership: &PartnershipId) -> Result<Side, DomainError> {
    let view = ctx.partnership(partnership)?;
    if &view.id != partnership {
        // The runtime passed the wrong partnership's view: deciding on it would let one
        // partnership's parties act on another's portfolio.
        return Err(DomainError::not_found(
            "partnership.must_exist",
            format!(
                "partnership {partnership} was asked for, but the facts given are about {}",
                view.id
            ),
        ));
    }
    view.active_side_of(&ctx.principal)
}

/// The seed: 煙廠主要做品牌 — the manufacturer owns the brand work.
fn require_manufacturer(
    ctx: &DecisionContext,
    partnership: &PartnershipId,
    rule: &'static str,
    action: &str,
) -> Result<(), DomainError> {
    let side = acting_side(ctx, partnership)?;
    if side == Side::Manufacturer {
        return Ok(());
    }
    Err(DomainError::forbidden(
        rule,
        format!(
            "{action} is the manufacturer's task in the 5+1 model (煙廠主要做品牌); {} is the \
             {side}",
            ctx.principal.org
        ),
    ))
}

fn check_score(score: u8, field: &str, what: &str) -> Result<(), DomainError> {
    if score > 100 {
        return Err(DomainError::invalid(
            "portfolio.score_0_to_100",
            field,
            format!("{what} is {score}; scores run from 0 to 100"),
        ));
    }
    Ok(())
}

fn not_in_future(day: Date, today: Date, field: &str) -> Result<(), DomainError> {
    if day > today {
        return Err(DomainError::invalid(
            "portfolio.date_not_in_future",
            field,
            format!("{day} is after today ({today}); record things once they have happened"),
        ));
    }
    Ok(())
}

fn withdrawn_is_final(brand: &BrandId, withdrawn_on: Date, what: &str) -> DomainError {
    DomainError::state(
        "portfolio.withdrawn_is_final",
        format!("brand {brand} was withdrawn on {withdrawn_on} and cannot be {what}"),
    )
    .at("brand")
}
