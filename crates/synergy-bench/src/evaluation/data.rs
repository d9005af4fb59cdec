//! A realistic log for the evaluation bench, built as proto commits (the domain rules are
//! not under test here, but every event is one the contexts would record and every one
//! folds into the read model).
//!
//! Every partnership has the same *structure*: the Changzhi catalogue, a signed agreement
//! with its rulebooks, a plan over all six years of history with yearly, quarterly and per-brand targets, two
//! campaigns a year, monthly market data, and a quarterly review meeting raising action
//! items that are closed later. Logs differ only in *density*: how many partnerships, how
//! many corrections a month and how many retail price checks — and price checks fill the
//! log up to its exact event count. So a partnership's read model has the same shape in a
//! 1,000-event log and in a 10,000,000-event one, and any difference in report latency
//! comes from the log's size, which is what the bench asks about.
//!
//! Partnership 0 is the Changzhi partnership itself: its 2007-01 … 2008-06 data in force
//! are the dataset's months exactly, so its 2008-H1 volume must fold to 15,300 cases
//! whatever the density (earlier revisions are deliberately wrong and then corrected).

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use synergy_changzhi::{self as changzhi, CATALOGUE, CommitBuilder, MONTHS, MonthRow};
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::events::marketing::CampaignOutcome;
use synergy_proto::events::strategy::Target;
use synergy_proto::events::support::MeetingKind;
use synergy_proto::events::{
    BrandEvent, InformationEvent, MarketingEvent, StrategyEvent, SupportEvent,
};
use synergy_proto::{
    ActionItemId, AggregateId, BrandId, CampaignId, Cases, Commit, Context, Date, Event, MeetingId,
    OrgId, OutletId, PartnershipId, Period, PlanId, Side, SkuId, TaskId, YearMonth, Yuan,
};

/// The first year of every partnership's history (the Changzhi dataset starts in 2007-01).
pub const FIRST_YEAR: i32 = 2007;
/// Years of history every partnership has, whatever the log's size.
pub const YEARS: i32 = 6;
/// Largest commit: a price-check survey uploaded at once.
pub const MAX_COMMIT_EVENTS: usize = 1000;
/// Outlets a price checker visits in rotation.
const OUTLETS: u64 = 400;

/// How dense a log is. Everything else is the same for every log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Density {
    pub partnerships: usize,
    /// Corrections of each month's data (each a new revision; the last one is right).
    pub corrections_per_month: u32,
    /// The log's exact number of events; retail price checks make up what the structure
    /// does not.
    pub total_events: u64,
}

fn months() -> impl Iterator<Item = YearMonth> {
    (FIRST_YEAR..FIRST_YEAR + YEARS)
        .flat_map(|y| (1..=12).filter_map(move |m| YearMonth::new(y, m).ok()))
}

fn month_count() -> u64 {
    YEARS as u64 * 12
}

fn date(y: i32, m: u8, d: u8) -> anyhow::Result<Date> {
    Date::new(y, m, d).with_context(|| format!("bench date {y}-{m}-{d}"))
}

fn day_in(month: YearMonth, day: u8) -> anyhow::Result<Date> {
    date(month.year(), month.month(), day.min(28))
}

fn cases(whole: i64) -> anyhow::Result<Cases> {
    Cases::from_whole(whole).context("bench volume out of range")
}

fn yuan(whole: i64) -> anyhow::Result<Yuan> {
    Yuan::from_whole(whole).context("bench amount out of range")
}

pub(crate) fn partnership_id(p: usize) -> anyhow::Result<PartnershipId> {
    if p == 0 {
        Ok(PartnershipId::new(changzhi::PARTNERSHIP)?)
    } else {
        Ok(PartnershipId::new(format!("hongyun-region-{p:02}"))?)
    }
}

/// The partnership whose reports the bench times (the Changzhi one).
pub fn reported_partnership() -> anyhow::Result<PartnershipId> {
    partnership_id(0)
}

fn distributor(p: usize) -> anyhow::Result<OrgId> {
    if p == 0 {
        Ok(OrgId::new(changzhi::DISTRIBUTOR)?)
    } else {
        Ok(OrgId::new(format!("distributor-{p:02}"))?)
    }
}

/// `x · (100 + pct)^n / 100^n` in integers, one year at a time.
fn grow(x: i64, pct: i64, years: i32) -> i64 {
    (0..years.max(0)).fold(x, |v, _| v * (100 + pct) / 100)
}

/// The dataset row a month is modelled on: the month itself inside 2007-01 … 2008-06,
/// otherwise the same calendar month of 2008 (H1) or 2007 (H2), grown per year after.
fn base_row(month: YearMonth) -> (&'static MonthRow, i32) {
    let m = usize::from(month.month()) - 1;
    if month.year() == 2007 {
        (&MONTHS[m], 0)
    } else if month.month() <= 6 {
        (&MONTHS[12 + m], month.year() - 2008)
    } else {
        (&MONTHS[m], month.year() - 2007)
    }
}

/// The true market data of a partnership's month: (SKU lines, market totals, day of the
/// next month it is submitted on). Partnership 0 in 2007-01 … 2008-06 is the dataset.
fn month_data(p: usize, month: YearMonth) -> anyhow::Result<(Vec<SkuLine>, MarketTotals, u8)> {
    let (row, years) = base_row(month);
    // Other partnerships are the same market scaled a little, so no two are identical.
    let scale = 100 + (p as i64 % 7) * 4;
    let ours = |x: i64| grow(x, 5, years) * scale / 100;
    let market = |x: i64| grow(x, 3, years) * scale / 100;
    let lines = row
        .lines
        .iter()
        .map(|l| {
            Ok(SkuLine {
                sku: SkuId::new(l.sku)?,
                volume: cases(ours(l.volume_cases))?,
                revenue: yuan(ours(l.revenue_yuan))?,
                closing_stock: cases(ours(l.closing_stock_cases))?,
                outlets_stocking: l.outlets_stocking,
                outlets_selling: l.outlets_selling,
                avg_retail_price: Yuan::from_units(l.avg_retail_price_fen),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let totals = MarketTotals {
        volume: cases(market(row.market_volume_cases))?,
        revenue: yuan(market(row.market_revenue_yuan))?,
        active_outlets: row.active_outlets,
    };
    Ok((lines, totals, row.submitted_day))
}

/// A wrong first figure (a typo in the first line's volume), corrected later.
fn mistaken(mut lines: Vec<SkuLine>, revision: u32) -> anyhow::Result<Vec<SkuLine>> {
    if let Some(first) = lines.first_mut() {
        let off = cases(i64::from(revision) * 10)?;
        first.volume = first.volume.checked_add(off).context("bench volume")?;
    }
    Ok(lines)
}

fn brand_of(sku: &str) -> &'static str {
    CATALOGUE
        .iter()
        .find(|r| r.sku == sku)
        .map_or("hongyun", |r| r.brand)
}

fn campaign_id(brand: &str, year: i32) -> anyhow::Result<CampaignId> {
    Ok(CampaignId::new(format!("{brand}-{year}"))?)
}

/// One partnership's history, produced a month at a time so that a 10M-event log never
/// sits in memory whole.
pub struct History {
    /// The partnership's number (0: Changzhi itself) and its commits.
    p: usize,
    b: CommitBuilder,
    density: Density,
    /// Price checks of this partnership, by slot (month × SKU), spread evenly.
    checks_total: u64,
    checks_slot0: u64,
    slots_total: u64,
    /// Action items to close: (day, item).
    to_close: Vec<(Date, ActionItemId)>,
    outlet: u64,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("partnership", self.b.partnership())
            .finish_non_exhaustive()
    }
}

/// Events that are not price checks, for one partnership (the same for every one).
pub fn structural_events(density: Density) -> anyhow::Result<u64> {
    let mut h = History::new(0, density, 0)?;
    let mut n = 0u64;
    n += h
        .setup()?
        .iter()
        .map(|c| c.events.len() as u64)
        .sum::<u64>();
    for month in months() {
        n += h
            .month(month)?
            .iter()
            .map(|c| c.events.len() as u64)
            .sum::<u64>();
    }
    Ok(n)
}

/// Every partnership's history, together exactly `density.total_events` events.
pub fn histories(density: Density) -> anyhow::Result<Vec<History>> {
    let per = structural_events(density)?;
    let structure = per * density.partnerships as u64;
    let Some(checks) = density.total_events.checked_sub(structure) else {
        bail!(
            "{} events cannot hold {} partnerships of {per} structural events each",
            density.total_events,
            density.partnerships
        );
    };
    (0..density.partnerships)
        .map(|p| {
            let mut h = History::new(p, density, checks)?;
            h.slots_total = density.partnerships as u64 * month_count() * CATALOGUE.len() as u64;
            h.checks_slot0 = p as u64 * month_count() * CATALOGUE.len() as u64;
            Ok(h)
        })
        .collect()
}

impl History {
    fn new(p: usize, density: Density, checks_total: u64) -> anyhow::Result<History> {
        Ok(History {
            p,
            b: CommitBuilder::of(
                partnership_id(p)?,
                OrgId::new(changzhi::MANUFACTURER)?,
                distributor(p)?,
                "synergy-bench",
                u32::try_from(p)?,
            ),
            density,
            checks_total,
            checks_slot0: 0,
            slots_total: 1,
            to_close: Vec::new(),
            outlet: 0,
        })
    }

    /// Price checks of global slot `k`: ⌊(k+1)·T/S⌋ − ⌊k·T/S⌋ spreads T checks over S
    /// slots as evenly as integers allow, summing to exactly T.
    fn checks_in_slot(&self, k: u64) -> u64 {
        let (t, s) = (u128::from(self.checks_total), u128::from(self.slots_total));
        let at = |k: u64| (u128::from(k) * t / s) as u64;
        at(k + 1) - at(k)
    }

    /// Catalogue, brands, the signed agreement and the active plan.
    pub fn setup(&mut self) -> anyhow::Result<Vec<Commit>> {
        let mut out = Vec::new();
        let registered = date(FIRST_YEAR, 1, 1)?;
        for row in &CATALOGUE {
            out.push(self.b.commit(
                Context::Brand,
                AggregateId::compose("sku", row.sku),
                Side::Manufacturer,
                registered,
                vec![row.registration().into()],
            ));
        }
        for (brand, on) in [
            ("hongyun", date(2006, 3, 1)?),
            ("yunyan", date(2006, 9, 1)?),
        ] {
            out.push(self.b.commit(
                Context::Brand,
                AggregateId::compose("brand", brand),
                Side::Manufacturer,
                registered,
                vec![
                    BrandEvent::BrandIntroduced {
                        brand: BrandId::new(brand)?,
                        introduced_on: on,
                    }
                    .into(),
                ],
            ));
        }
        let signed_on = date(FIRST_YEAR - 1, 12, 18)?;
        let region = if self.p == 0 {
            changzhi::REGION.to_owned()
        } else {
            format!("region {:02}", self.p)
        };
        out.push(self.b.signing(region, signed_on));
        out.push(self.plan(signed_on)?);
        Ok(out)
    }

    /// A plan over every year of history with yearly targets (all brands and per brand)
    /// and quarterly ones: 4 % above what the partnership then sells.
    fn plan(&mut self, signed_on: Date) -> anyhow::Result<Commit> {
        let plan = PlanId::new(format!("plan-{FIRST_YEAR}-{}", FIRST_YEAR + YEARS - 1))?;
        let mut events: Vec<Event> = vec![
            StrategyEvent::PlanDrafted {
                plan: plan.clone(),
                title: "三年發展規劃（滾動）".to_owned(),
                first_year: FIRST_YEAR,
                last_year: FIRST_YEAR + YEARS - 1,
            }
            .into(),
        ];
        let mut periods = Vec::new();
        for year in FIRST_YEAR..FIRST_YEAR + YEARS {
            periods.push((None, Period::year(year)?));
            for brand in ["hongyun", "yunyan"] {
                periods.push((Some(brand), Period::year(year)?));
            }
            for q in 1..=4 {
                periods.push((None, Period::quarter(year, q)?));
            }
        }
        for (brand, period) in periods {
            let (mut volume, mut revenue) = (0i64, 0i64);
            for month in period.months() {
                let (lines, _, _) = month_data(self.p, month)?;
                for l in lines
                    .iter()
                    .filter(|l| brand.is_none_or(|b| brand_of(l.sku.as_str()) == b))
                {
                    volume += l.volume.units() / Cases::ONE;
                    revenue += l.revenue.units() / Yuan::ONE;
                }
            }
            events.push(
                StrategyEvent::PlanTargetSet {
                    plan: plan.clone(),
                    target: Target {
                        brand: brand.map(BrandId::new).transpose()?,
                        period,
                        volume: Some(cases(volume * 104 / 100)?),
                        revenue: Some(yuan(revenue * 104 / 100)?),
                        volume_share: None,
                    },
                }
                .into(),
            );
        }
        events.push(
            StrategyEvent::PlanSubmitted {
                plan: plan.clone(),
                revision: 1,
            }
            .into(),
        );
        for (side, org) in [
            (Side::Manufacturer, self.b.manufacturer().clone()),
            (Side::Distributor, self.b.distributor().clone()),
        ] {
            events.push(
                StrategyEvent::PlanSigned {
                    plan: plan.clone(),
                    revision: 1,
                    side,
                    signed_by: org,
                    signed_on,
                }
                .into(),
            );
        }
        events.push(
            StrategyEvent::PlanActivated {
                plan: plan.clone(),
                revision: 1,
            }
            .into(),
        );
        Ok(self.b.commit(
            Context::Strategy,
            AggregateId::compose("plan", plan.as_str()),
            Side::Manufacturer,
            signed_on,
            events,
        ))
    }

    /// Everything recorded during `month`: a new year's campaigns, the month's price
    /// checks, the previous month's market data and its corrections, the quarterly review
    /// with its action items, and action items closed this month.
    pub fn month(&mut self, month: YearMonth) -> anyhow::Result<Vec<Commit>> {
        let mut out = Vec::new();
        if month.month() == 1 {
            self.campaigns_open(month.year(), &mut out)?;
        }
        self.price_checks(month, &mut out)?;
        if let Some(prev) = month.prev().filter(|m| m.year() >= FIRST_YEAR) {
            self.market_data(prev, &mut out)?;
        }
        let first = YearMonth::new(FIRST_YEAR, 1)?;
        if month.month() % 3 == 1 && month > first {
            self.review(month, &mut out)?;
        }
        self.close_items(month, &mut out)?;
        if month.month() == 12 {
            self.campaigns_close(month.year(), &mut out)?;
        }
        Ok(out)
    }

    fn campaign_commit(
        &mut self,
        campaign: &CampaignId,
        side: Side,
        day: Date,
        event: MarketingEvent,
    ) -> Commit {
        self.b.commit(
            Context::Marketing,
            AggregateId::compose("campaign", campaign.as_str()),
            side,
            day,
            vec![event.into()],
        )
    }

    fn campaigns_open(&mut self, year: i32, out: &mut Vec<Commit>) -> anyhow::Result<()> {
        let planned = date(year, 1, 2)?;
        for brand in ["hongyun", "yunyan"] {
            let campaign = campaign_id(brand, year)?;
            let skus = CATALOGUE
                .iter()
                .filter(|r| r.brand == brand)
                .map(|r| SkuId::new(r.sku))
                .collect::<Result<Vec<_>, _>>()?;
            let e = MarketingEvent::CampaignPlanned {
                campaign: campaign.clone(),
                title: format!("{brand} {year} 品牌培育"),
                brand: BrandId::new(brand)?,
                skus,
                starts_on: planned,
                ends_on: date(year, 12, 31)?,
                activity_plan: "陳列、價格監測、客戶經理培訓".to_owned(),
            };
            out.push(self.campaign_commit(&campaign, Side::Manufacturer, planned, e));
            for (task, title, side) in [
                ("display", "終端陳列", Side::Distributor),
                ("materials", "宣傳物料", Side::Manufacturer),
            ] {
                let e = MarketingEvent::CampaignTaskAssigned {
                    campaign: campaign.clone(),
                    task: TaskId::new(task)?,
                    title: title.to_owned(),
                    side,
                    due_on: date(year, 6, 30)?,
                };
                out.push(self.campaign_commit(&campaign, Side::Manufacturer, planned, e));
            }
            let e = MarketingEvent::CampaignLaunched {
                campaign: campaign.clone(),
                launched_on: date(year, 1, 5)?,
            };
            out.push(self.campaign_commit(&campaign, Side::Manufacturer, planned, e));
        }
        Ok(())
    }

    fn campaigns_close(&mut self, year: i32, out: &mut Vec<Commit>) -> anyhow::Result<()> {
        for brand in ["hongyun", "yunyan"] {
            let campaign = campaign_id(brand, year)?;
            for (task, side, done) in [
                ("display", Side::Distributor, date(year, 5, 20)?),
                ("materials", Side::Manufacturer, date(year, 7, 10)?),
            ] {
                let e = MarketingEvent::CampaignTaskCompleted {
                    campaign: campaign.clone(),
                    task: TaskId::new(task)?,
                    completed_on: done,
                    note: String::new(),
                };
                out.push(self.campaign_commit(&campaign, side, done, e));
            }
            let closed_on = date(year, 12, 31)?;
            let e = MarketingEvent::CampaignClosed {
                campaign: campaign.clone(),
                closed_on,
                outcome: CampaignOutcome::Succeeded,
                summary: "目標達成".to_owned(),
            };
            out.push(self.campaign_commit(&campaign, Side::Manufacturer, closed_on, e));
        }
        Ok(())
    }

    /// The month's retail price checks, uploaded per campaign in surveys of at most
    /// [`MAX_COMMIT_EVENTS`]. Observed prices sit between −5 % and +6 % of the guide
    /// price, so most are compliant and a few are not.
    fn price_checks(&mut self, month: YearMonth, out: &mut Vec<Commit>) -> anyhow::Result<()> {
        if self.checks_total == 0 {
            return Ok(());
        }
        let index = month
            .months_until(YearMonth::new(FIRST_YEAR, 1)?)
            .unsigned_abs();
        let mut by_brand: BTreeMap<&str, Vec<Event>> = BTreeMap::new();
        for (s, row) in CATALOGUE.iter().enumerate() {
            let slot = self.checks_slot0 + index * CATALOGUE.len() as u64 + s as u64;
            let n = self.checks_in_slot(slot);
            let campaign = campaign_id(row.brand, month.year())?;
            let sku = SkuId::new(row.sku)?;
            let guide = Yuan::from_units(row.guide_price_fen);
            let events = by_brand.entry(row.brand).or_default();
            for _ in 0..n {
                self.outlet += 1;
                let o = self.outlet;
                let off = (o % 12) as i64 - 5;
                events.push(
                    MarketingEvent::RetailPriceChecked {
                        campaign: campaign.clone(),
                        sku: sku.clone(),
                        outlet: OutletId::new(format!("outlet-{:03}", o % OUTLETS))?,
                        observed_price: Yuan::from_units(row.guide_price_fen * (100 + off) / 100),
                        guide_price: guide,
                        checked_on: day_in(month, 1 + (o % 28) as u8)?,
                    }
                    .into(),
                );
            }
        }
        let day = day_in(month, 28)?;
        for (brand, events) in by_brand {
            let campaign = campaign_id(brand, month.year())?;
            let mut events = events.into_iter().peekable();
            while events.peek().is_some() {
                let chunk: Vec<Event> = events.by_ref().take(MAX_COMMIT_EVENTS).collect();
                out.push(self.b.commit(
                    Context::Marketing,
                    AggregateId::compose("campaign", campaign.as_str()),
                    Side::Distributor,
                    day,
                    chunk,
                ));
            }
        }
        Ok(())
    }

    /// `month`'s data, submitted in the next month, then corrected: with corrections the
    /// first revisions are wrong and the last one is right.
    fn market_data(&mut self, month: YearMonth, out: &mut Vec<Commit>) -> anyhow::Result<()> {
        let (lines, market, day) = month_data(self.p, month)?;
        let next = month.next().context("bench month out of range")?;
        let submitted_on = day_in(next, day)?;
        let k = self.density.corrections_per_month;
        let aggregate = AggregateId::compose("market", &month.to_string());
        let first = if k == 0 {
            lines.clone()
        } else {
            mistaken(lines.clone(), 1)?
        };
        let e = InformationEvent::MarketDataSubmitted {
            month,
            revision: 1,
            lines: first,
            market: market.clone(),
            submitted_on,
        };
        out.push(self.b.commit(
            Context::Information,
            aggregate.clone(),
            Side::Distributor,
            submitted_on,
            vec![e.into()],
        ));
        for c in 1..=k {
            let revision = c + 1;
            let on = submitted_on.add_days(i64::from(c))?;
            let lines = if c == k {
                lines.clone()
            } else {
                mistaken(lines.clone(), revision)?
            };
            let e = InformationEvent::MarketDataCorrected {
                month,
                revision,
                lines,
                market: market.clone(),
                submitted_on: on,
                reason: "終端盤點後更正".to_owned(),
            };
            out.push(self.b.commit(
                Context::Information,
                aggregate.clone(),
                Side::Distributor,
                on,
                vec![e.into()],
            ));
        }
        Ok(())
    }

    /// The joint review of the previous quarter, held mid-month, raising two action items:
    /// one closed within three weeks, one after its due date.
    fn review(&mut self, month: YearMonth, out: &mut Vec<Commit>) -> anyhow::Result<()> {
        let reviewed = month.prev().context("bench month out of range")?;
        let period = Period::quarter(reviewed.year(), reviewed.quarter())?;
        let meeting = MeetingId::new(format!("review-{period}").to_lowercase())?;
        let aggregate = AggregateId::compose("meeting", meeting.as_str());
        let scheduled = day_in(month, 1)?;
        let held_on = day_in(month, 15)?;
        let e = SupportEvent::MeetingScheduled {
            meeting: meeting.clone(),
            kind: MeetingKind::RegularReview,
            title: format!("{period} 銷售例會"),
            scheduled_on: held_on,
            period: Some(period),
            agenda: vec![
                "為什麼會贏，或者為什麼會輸".to_owned(),
                "下一個目標".to_owned(),
            ],
        };
        out.push(self.b.commit(
            Context::Support,
            aggregate.clone(),
            Side::Manufacturer,
            scheduled,
            vec![e.into()],
        ));
        let e = SupportEvent::MeetingHeld {
            meeting: meeting.clone(),
            held_on,
            attendees: Vec::new(),
            minutes: format!("{period}: volume and share reviewed against the plan."),
            decisions: vec!["Submit monthly data by the 10th".to_owned()],
        };
        out.push(self.b.commit(
            Context::Support,
            aggregate,
            Side::Manufacturer,
            held_on,
            vec![e.into()],
        ));
        for (n, owner, due_days, close_days) in [
            (1, Side::Distributor, 30, 20),
            (2, Side::Manufacturer, 45, 60),
        ] {
            let item = ActionItemId::new(format!("{}-item-{n}", meeting.as_str()))?;
            let e = SupportEvent::ActionItemRaised {
                item: item.clone(),
                title: format!("{period} follow-up {n}"),
                owner,
                due_on: held_on.add_days(due_days)?,
                meeting: Some(meeting.clone()),
                raised_on: held_on,
            };
            out.push(self.b.commit(
                Context::Support,
                AggregateId::compose("action", item.as_str()),
                owner,
                held_on,
                vec![e.into()],
            ));
            self.to_close.push((held_on.add_days(close_days)?, item));
        }
        Ok(())
    }

    fn close_items(&mut self, month: YearMonth, out: &mut Vec<Commit>) -> anyhow::Result<()> {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.to_close)
            .into_iter()
            .partition(|(day, _)| day.year_month() <= month);
        self.to_close = later;
        for (closed_on, item) in due {
            let e = SupportEvent::ActionItemClosed {
                item: item.clone(),
                note: "done".to_owned(),
                closed_on,
            };
            out.push(self.b.commit(
                Context::Support,
                AggregateId::compose("action", item.as_str()),
                Side::Manufacturer,
                closed_on,
                vec![e.into()],
            ));
        }
        Ok(())
    }

    /// The months of history, in order, for [`month`](Self::month).
    pub fn months() -> impl Iterator<Item = YearMonth> {
        months()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synergy_evaluation::PartnershipModel;

    fn fold(density: Density) -> (u64, PartnershipModel) {
        let mut total = 0;
        let mut model = PartnershipModel::new(reported_partnership().expect("id"));
        for mut h in histories(density).expect("histories") {
            let mut commits = h.setup().expect("setup");
            for m in History::months() {
                commits.extend(h.month(m).expect("month"));
            }
            for c in &commits {
                c.validate().expect("valid commit");
                assert!(c.events.len() <= MAX_COMMIT_EVENTS);
                total += c.events.len() as u64;
                model.apply(c);
            }
        }
        (total, model)
    }

    #[test]
    fn logs_hold_exactly_their_event_count_and_fold_to_the_same_shape() {
        let small = Density {
            partnerships: 1,
            corrections_per_month: 0,
            total_events: 1_000,
        };
        let dense = Density {
            partnerships: 3,
            corrections_per_month: 2,
            total_events: 20_000,
        };
        let (n_small, m_small) = fold(small);
        let (n_dense, m_dense) = fold(dense);
        assert_eq!((n_small, n_dense), (1_000, 20_000));
        assert_eq!(m_small.months.len(), m_dense.months.len());
        assert_eq!(m_small.action_items.len(), m_dense.action_items.len());
        let cells = |m: &PartnershipModel| m.price_checks.values().map(|s| s.len()).sum::<usize>();
        assert_eq!(cells(&m_small), cells(&m_dense));
        // Corrections end on the true figures: the data in force is the same.
        for (month, d) in &m_small.months {
            assert_eq!(d.lines, m_dense.months[month].lines, "{month}");
        }
        assert_eq!(
            m_dense.months.values().next().map(|d| d.corrections),
            Some(2)
        );
    }

    #[test]
    fn too_small_a_log_is_refused() {
        let d = Density {
            partnerships: 5,
            corrections_per_month: 0,
            total_events: 1_000,
        };
        assert!(histories(d).is_err());
    }
}
