//! Monthly market data: the distributor's SKU lines plus the market totals of all brands.
//!
//! One aggregate per partnership (`market-data`) holds every month, so a file of several
//! months is decided — and committed — as one unit: all of it or none of it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synergy_domain::{CatalogueView, DecisionContext, DomainError};
use synergy_proto::{
    Cases, Date, PartnershipId, Period, SkuId, YearMonth, Yuan,
    events::information::{InformationEvent, MarketTotals, SkuLine},
};

use crate::authority::require_side;
use crate::lines::unregistered;

/// The stream of a partnership's market data.
pub const AGGREGATE: &str = "market-data";

/// One month of data as the distributor submits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthSubmission {
    pub month: YearMonth,
    /// One line per SKU of the partnership's catalogue (SKUs without sales may be left out).
    pub lines: Vec<SkuLine>,
    /// The `ALL` line: every brand in the region.
    pub market: MarketTotals,
}

/// Submit (or correct) the market data of one or more ended months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitMarketData {
    pub partnership: PartnershipId,
    pub months: Vec<MonthSubmission>,
    /// Why recorded months are being changed. Required as soon as any month differs from
    /// what is recorded; ignored for new and identical months.
    pub reason: Option<String>,
}

/// One recorded revision of a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthRecord {
    pub month: YearMonth,
    /// 1 for the first submission, +1 for each correction.
    pub revision: u32,
    /// Sorted by SKU.
    pub lines: Vec<SkuLine>,
    pub market: MarketTotals,
    pub submitted_on: Date,
    /// The correction's reason; `None` for revision 1.
    pub reason: Option<String>,
}

impl MonthRecord {
    pub fn line(&self, sku: &SkuId) -> Option<&SkuLine> {
        self.lines.iter().find(|l| &l.sku == sku)
    }

    /// Sum of the SKU lines' volumes. Accepted data never overflows (decide checks the sum).
    pub fn total_volume(&self) -> Option<Cases> {
        Cases::checked_sum(self.lines.iter().map(|l| l.volume)).ok()
    }

    /// Sum of the SKU lines' revenues.
    pub fn total_revenue(&self) -> Option<Yuan> {
        Yuan::checked_sum(self.lines.iter().map(|l| l.revenue)).ok()
    }
}

/// Every month's revisions for one partnership.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MarketData {
    /// Revisions of each month, oldest first; never empty for a present month.
    months: BTreeMap<YearMonth, Vec<MonthRecord>>,
}

impl MarketData {
    /// The latest (superseding) revision of `month`.
    pub fn latest(&self, month: YearMonth) -> Option<&MonthRecord> {
        self.months.get(&month).and_then(|revs| revs.last())
    }

    /// Every revision of `month`, oldest first (empty if never submitted).
    pub fn revisions(&self, month: YearMonth) -> &[MonthRecord] {
        self.months.get(&month).map_or(&[], Vec::as_slice)
    }

    /// The latest revision of every recorded month, chronologically.
    pub fn months(&self) -> impl Iterator<Item = &MonthRecord> {
        self.months.values().filter_map(|revs| revs.last())
    }

    /// The latest revision of each recorded month inside `period`.
    pub fn in_period(&self, period: Period) -> impl Iterator<Item = &MonthRecord> {
        self.months
            .range(period.first_month()..=period.last_month())
            .filter_map(|(_, revs)| revs.last())
    }

    pub fn evolve(mut self, event: &InformationEvent) -> Self {
        let (month, revision, lines, market, submitted_on, reason) = match event {
            InformationEvent::MarketDataSubmitted {
                month,
                revision,
                lines,
                market,
                submitted_on,
            } => (month, revision, lines, market, submitted_on, None),
            InformationEvent::MarketDataCorrected {
                month,
                revision,
                lines,
                market,
                submitted_on,
                reason,
            } => (month, revision, lines, market, submitted_on, Some(reason)),
            _ => return self,
        };
        self.months.entry(*month).or_default().push(MonthRecord {
            month: *month,
            revision: *revision,
            lines: lines.clone(),
            market: market.clone(),
            submitted_on: *submitted_on,
            reason: reason.cloned(),
        });
        self
    }

    /// Decides a submission; refuses with the first problem found.
    pub fn decide(
        &self,
        cmd: &SubmitMarketData,
        ctx: &DecisionContext,
    ) -> Result<Vec<InformationEvent>, DomainError> {
        self.review(cmd, ctx)
            .map_err(|mut problems| problems.swap_remove(0))
    }

    /// Like [`decide`](Self::decide), but lists every problem of the submission's data, so
    /// an import can report each rejected row rather than only the first.
    ///
    /// An authorization refusal or an empty submission is the only problem reported.
    pub fn review(
        &self,
        cmd: &SubmitMarketData,
        ctx: &DecisionContext,
    ) -> Result<Vec<InformationEvent>, Vec<DomainError>> {
        require_side(
            ctx,
            &cmd.partnership,
            crate::MARKET_DATA_SIDE,
            "market_data.distributor_only",
            "submitting market data",
        )
        .map_err(|e| vec![e])?;
        if cmd.months.is_empty() {
            return Err(vec![DomainError::invalid(
                "market_data.months_required",
                "months",
                "a market data submission needs at least one month",
            )]);
        }

        let today = ctx.today();
        let mut problems = Vec::new();
        if let Some(reason) = &cmd.reason
            && reason.trim().is_empty()
        {
            problems.push(DomainError::invalid(
                "market_data.correction_reason_not_blank",
                "reason",
                "the correction reason is blank; say why the recorded data changes",
            ));
        }
        let mut seen = BTreeMap::new();
        for sub in &cmd.months {
            if seen.insert(sub.month, ()).is_some() {
                problems.push(DomainError::invalid(
                    "market_data.one_entry_per_month",
                    month_field(sub.month),
                    format!(
                        "{} appears more than once in the submission; give each month once",
                        sub.month
                    ),
                ));
                continue;
            }
            check_month(sub, today, &ctx.catalogue, &mut problems);
        }
        if !problems.is_empty() {
            return Err(problems);
        }

        let reason = cmd.reason.as_deref().map(str::trim);
        let mut submissions: Vec<&MonthSubmission> = cmd.months.iter().collect();
        submissions.sort_by_key(|s| s.month);
        let mut events = Vec::new();
        let mut unexplained = Vec::new();
        for sub in submissions {
            let mut lines = sub.lines.clone();
            lines.sort_by(|a, b| a.sku.cmp(&b.sku));
            match self.latest(sub.month) {
                None => events.push(InformationEvent::MarketDataSubmitted {
                    month: sub.month,
                    revision: 1,
                    lines,
                    market: sub.market.clone(),
                    submitted_on: today,
                }),
                Some(prev) if prev.lines == lines && prev.market == sub.market => {}
                Some(prev) => {
                    let Some(reason) = reason else {
                        unexplained.push(prev);
                        continue;
                    };
                    let Some(revision) = prev.revision.checked_add(1) else {
                        problems.push(
                            DomainError::state(
                                "market_data.revision_overflow",
                                format!("{} cannot be corrected again", sub.month),
                            )
                            .at(month_field(sub.month)),
                        );
                        continue;
                    };
                    events.push(InformationEvent::MarketDataCorrected {
                        month: sub.month,
                        revision,
                        lines,
                        market: sub.market.clone(),
                        submitted_on: today,
                        reason: reason.to_owned(),
                    });
                }
            }
        }
        if let Some(first) = unexplained.first() {
            let listed: Vec<String> = unexplained
                .iter()
                .map(|r| format!("{} (revision {})", r.month, r.revision))
                .collect();
            problems.insert(
                0,
                DomainError::state(
                    "market_data.correction_needs_reason",
                    format!(
                        "{} already recorded with different data; a correction needs a reason \
                         (--reason) and then supersedes the recorded revision",
                        listed.join(", ")
                    ),
                )
                .at(month_field(first.month)),
            );
        }
        if problems.is_empty() {
            Ok(events)
        } else {
            Err(problems)
        }
    }
}

fn month_field(month: YearMonth) -> String {
    format!("months[{month}]")
}

/// Checks one month's own data (independent of what is recorded).
fn check_month(
    sub: &MonthSubmission,
    today: Date,
    catalogue: &CatalogueView,
    problems: &mut Vec<DomainError>,
) {
    let month = sub.month;
    let mf = month_field(month);
    if month >= today.year_month() {
        problems.push(DomainError::invalid(
            "market_data.month_ended",
            mf.clone(),
            format!(
                "{month} has not ended yet (today is {today}); submit its data from {}",
                month
                    .last_day()
                    .add_days(1)
                    .unwrap_or_else(|_| month.last_day())
            ),
        ));
    }

    let market = &sub.market;
    let market_ok = non_negative(
        [
            (
                "volume",
                market.volume.to_string(),
                market.volume.is_negative(),
            ),
            (
                "revenue",
                market.revenue.to_string(),
                market.revenue.is_negative(),
            ),
        ],
        &format!("{mf}.market"),
        |name| format!("the market {name} of {month}"),
        problems,
    );

    let mut seen = BTreeMap::new();
    let mut lines_ok = true;
    for line in &sub.lines {
        let sku = &line.sku;
        let lf = format!("{mf}.lines[{sku}]");
        if sku.is_market_total() {
            lines_ok = false;
            problems.push(DomainError::invalid(
                "market_data.market_total_is_not_a_sku",
                format!("{lf}.sku"),
                format!(
                    "{month}: {} is the market-total line; give it as the month's market totals, not as a SKU line",
                    SkuId::MARKET_TOTAL
                ),
            ));
            continue;
        }
        if !catalogue.skus.contains_key(sku) {
            lines_ok = false;
            problems.push(DomainError::invalid(
                "market_data.sku_registered",
                format!("{lf}.sku"),
                format!("{month}: {}", unregistered(sku)),
            ));
        }
        if seen.insert(sku, ()).is_some() {
            lines_ok = false;
            problems.push(DomainError::invalid(
                "market_data.one_line_per_sku",
                lf.clone(),
                format!("{month} has more than one line for {sku}; give one line per SKU"),
            ));
        }
        let figures = [
            ("volume", line.volume.to_string(), line.volume.is_negative()),
            (
                "revenue",
                line.revenue.to_string(),
                line.revenue.is_negative(),
            ),
            (
                "closing_stock",
                line.closing_stock.to_string(),
                line.closing_stock.is_negative(),
            ),
            (
                "avg_retail_price",
                line.avg_retail_price.to_string(),
                line.avg_retail_price.is_negative(),
            ),
        ];
        if !non_negative(
            figures,
            &lf,
            |name| format!("{name} of {sku} in {month}"),
            problems,
        ) {
            lines_ok = false;
        }
        // A SKU's figures within its other figures and the market's.
        for (rule, name, broken) in [
            (
                "market_data.selling_within_stocking",
                "outlets_selling",
                (line.outlets_selling > line.outlets_stocking).then(|| {
                    format!(
                        "sells in {} outlets but is stocked in only {}; \
                         an outlet that sells it must stock it",
                        line.outlets_selling, line.outlets_stocking
                    )
                }),
            ),
            (
                "market_data.stocking_within_active_outlets",
                "outlets_stocking",
                (line.outlets_stocking > market.active_outlets).then(|| {
                    format!(
                        "is stocked in {} outlets but the market has only {} active outlets",
                        line.outlets_stocking, market.active_outlets
                    )
                }),
            ),
            (
                "market_data.sku_within_market",
                "volume",
                sold_beyond(line.volume, market.volume),
            ),
            (
                "market_data.sku_within_market",
                "revenue",
                earned_beyond(line.revenue, market.revenue),
            ),
        ] {
            if let Some(message) = broken {
                problems.push(DomainError::invalid(
                    rule,
                    format!("{lf}.{name}"),
                    format!("{month}: {sku} {message}"),
                ));
            }
        }
    }

    // Sums over negative or foreign lines would only restate problems already reported.
    if !(lines_ok && market_ok) {
        return;
    }
    // The SKUs together within the market; `None` where the sum overflows.
    let volume = Cases::checked_sum(sub.lines.iter().map(|l| l.volume))
        .ok()
        .map(|total| sold_beyond(total, market.volume));
    let revenue = Yuan::checked_sum(sub.lines.iter().map(|l| l.revenue))
        .ok()
        .map(|total| earned_beyond(total, market.revenue));
    for (what, checked) in [("volumes", volume), ("revenues", revenue)] {
        match checked {
            None => problems.push(DomainError::invalid(
                "market_data.arithmetic_overflow",
                format!("{mf}.lines"),
                format!("{month}: the sum of the SKU {what} is too large to record"),
            )),
            Some(Some(message)) => problems.push(DomainError::invalid(
                "market_data.skus_within_market",
                format!("{mf}.lines"),
                format!("{month}: the SKUs together {message}; the share cannot exceed 100 %"),
            )),
            Some(None) => {}
        }
    }
}

/// What is wrong when `sold` cases are more than the whole market's, if they are.
fn sold_beyond(sold: Cases, market: Cases) -> Option<String> {
    (sold > market)
        .then(|| format!("sold {sold} cases, more than the whole market's {market} cases"))
}

/// What is wrong when `earned` is more than the whole market's revenue, if it is.
fn earned_beyond(earned: Yuan, market: Yuan) -> Option<String> {
    (earned > market).then(|| format!("earned ¥{earned}, more than the whole market's ¥{market}"))
}

/// Reports each of `figures` (name, value, whether it is negative) that is negative, at
/// `{field}.{name}` and called `what(name)`; true when none is.
fn non_negative<const N: usize>(
    figures: [(&str, String, bool); N],
    field: &str,
    what: impl Fn(&str) -> String,
    problems: &mut Vec<DomainError>,
) -> bool {
    let mut ok = true;
    for (name, value, negative) in figures {
        if negative {
            ok = false;
            problems.push(DomainError::invalid(
                "market_data.non_negative",
                format!("{field}.{name}"),
                format!("{} is {value}; figures cannot be negative", what(name)),
            ));
        }
    }
    ok
}
