//! Value realised (創值銷售: a sale is done only when the promised benefit is real): whether
//! the uplift a campaign promised showed in the market data. `docs/kpis.md`, "Value
//! realised", has the formula:
//!
//! - actual A = the promised SKUs' volume over the promised months;
//! - baseline B = their volume over the same months a year earlier × (market volume over
//!   the months ÷ market volume a year earlier): last year's sales at this year's market;
//! - realised R = A − B; realisation = R ÷ uplift; kept when R ≥ uplift.
//!
//! Everything is exact; cases are rounded half away from zero to three decimals and the
//! realisation to two once, when the JSON is written, and `kept` compares the exact figures.
//!
//! What counts, as of a day: a promised month counts once it has ended and its data was
//! sent by then, or its reporting deadline (the 10th of the next month) has passed without
//! it. The promise
//! is *due* once all its months count; before that its figures are those of the months that
//! count (progress against the whole uplift) and `kept` is null: a promise not yet due is
//! never broken. A figure whose input is missing — a month without data, now or a year
//! earlier, or a year-earlier market of zero — is null, and `kept` with it. A promised SKU
//! without a line in a recorded month sold nothing that month: a new product's baseline is
//! zero, and all its volume is uplift.

use std::cmp::Ordering;

use synergy_proto::{CampaignId, Date, Period, SkuId, YearMonth};

use crate::exact::Ratio;
use crate::figure::Figure;
use crate::json::Json;
use crate::kpi::{Months, deadline};
use crate::model::{CampaignState, PartnershipModel, PromiseState};
use crate::report::figure_json;

/// One campaign's promise judged as of a day. Volumes are exact, in thousandths of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRealised<'a> {
    pub campaign: &'a CampaignId,
    pub state: &'a CampaignState,
    /// The promised months that count by the day, from the first (none without a promise).
    pub months_included: Vec<YearMonth>,
    /// Every promised month counts: the promise can be judged kept or not.
    pub due: bool,
    /// A: the SKUs' volume over the months included.
    pub actual: Option<i128>,
    /// The SKUs' volume over the same months a year earlier.
    pub last_year: Option<i128>,
    /// The market's volume over the months included, and a year earlier.
    pub market: Option<i128>,
    pub market_last_year: Option<i128>,
    /// B = last year × market ÷ market last year.
    pub baseline: Option<Ratio>,
    /// R = A − B.
    pub realised: Option<Ratio>,
    /// R ÷ uplift, a fraction (× 100 for the percentage).
    pub realisation: Option<Ratio>,
    /// R ≥ uplift, once due; `None` before, or when R is unknown.
    pub kept: Option<bool>,
}

/// The campaign's promise as of `as_of`; `None` when the campaign does not exist. A
/// campaign without a promise answers with every figure null.
pub fn value_realised<'a>(
    model: &'a PartnershipModel,
    campaign: &'a CampaignId,
    as_of: Date,
) -> Option<ValueRealised<'a>> {
    let state = model.campaigns.get(campaign)?;
    let mut v = ValueRealised {
        campaign,
        state,
        months_included: Vec::new(),
        due: false,
        actual: None,
        last_year: None,
        market: None,
        market_last_year: None,
        baseline: None,
        realised: None,
        realisation: None,
        kept: None,
    };
    let Some(promise) = &state.promise else {
        return Some(v);
    };
    let Some(all) = Months::new(promise.first_month, promise.last_month) else {
        return Some(v);
    };
    v.months_included = all
        .iter()
        .take_while(|m| counts(model, *m, as_of))
        .collect();
    v.due = i64::try_from(v.months_included.len()).is_ok_and(|n| n == all.count());
    let now = v
        .months_included
        .last()
        .and_then(|last| Months::new(promise.first_month, *last));
    let before = now.and_then(|m| m.shift(-12));
    v.actual = now.and_then(|m| volume_of(model, &promise.skus, m));
    v.last_year = before.and_then(|m| volume_of(model, &promise.skus, m));
    v.market = now.and_then(|m| market_volume(model, m));
    v.market_last_year = before.and_then(|m| market_volume(model, m));
    // B = last year × (market ÷ market a year earlier); a zero market a year earlier has
    // no growth to apply, so B is unknown.
    v.baseline = (|| {
        let growth = Ratio::new(v.market?, v.market_last_year?)?;
        Ratio::new(v.last_year?, 1)?.times_ratio(growth)
    })();
    v.realised = (|| Ratio::new(v.actual?, 1)?.minus(v.baseline?))();
    let uplift = i128::from(promise.uplift.units());
    v.realisation = (|| v.realised?.times_ratio(Ratio::new(1, uplift)?))();
    v.kept = if v.due {
        (|| {
            let order = v.realised?.cmp_exact(Ratio::new(uplift, 1)?)?;
            Some(order != Ordering::Less)
        })()
    } else {
        None
    };
    Some(v)
}

/// A promised month counts by `as_of` once it has ended and its data was sent by then, or
/// its reporting deadline has passed without it (then its figures are unknown, not zero).
fn counts(model: &PartnershipModel, month: YearMonth, as_of: Date) -> bool {
    month.last_day() < as_of
        && (model.month_submitted_by(month, as_of).is_some()
            || deadline(month).is_some_and(|d| d < as_of))
}

/// The SKUs' volume over the months, `None` unless every month is recorded.
fn volume_of(model: &PartnershipModel, skus: &[SkuId], months: Months) -> Option<i128> {
    months.iter().try_fold(0_i128, |total, month| {
        let data = model.months.get(&month)?;
        let in_month: i128 = skus
            .iter()
            .filter_map(|sku| data.lines.get(sku))
            .map(|line| i128::from(line.volume.units()))
            .sum();
        total.checked_add(in_month)
    })
}

/// The market's volume over the months, `None` unless every month is recorded.
fn market_volume(model: &PartnershipModel, months: Months) -> Option<i128> {
    months.iter().try_fold(0_i128, |total, month| {
        let data = model.months.get(&month)?;
        total.checked_add(i128::from(data.market.volume.units()))
    })
}

/// Every campaign whose promised months touch `period`, judged as of `as_of`, by id.
pub fn promises_in(
    model: &PartnershipModel,
    period: Period,
    as_of: Date,
) -> Vec<ValueRealised<'_>> {
    model
        .campaigns
        .iter()
        .filter(|(_, c)| c.promise.as_ref().is_some_and(|p| p.overlaps(period)))
        .filter_map(|(id, _)| value_realised(model, id, as_of))
        .collect()
}

/// (due, kept) promises whose last month falls in `period`, as of `as_of`. One not yet due
/// counts in neither; one due whose figures are unknown counts as due, not as kept.
pub fn promises_kept(model: &PartnershipModel, period: Period, as_of: Date) -> (usize, usize) {
    let ending = model.campaigns.iter().filter(|(_, c)| {
        c.promise
            .as_ref()
            .is_some_and(|p| period.contains(p.last_month))
    });
    ending
        .filter_map(|(id, _)| value_realised(model, id, as_of))
        .filter(|v| v.due)
        .fold((0, 0), |(due, kept), v| {
            (due + 1, kept + usize::from(v.kept == Some(true)))
        })
}

fn cases(units: Option<i128>) -> Json {
    figure_json(&Figure::cases(units))
}

fn cases_of(r: Option<Ratio>) -> Json {
    figure_json(&Figure::cases(r.and_then(|r| r.round(0))))
}

fn month_json(m: YearMonth) -> Json {
    Json::str(m.to_string())
}

impl ValueRealised<'_> {
    fn promise(&self) -> Option<&PromiseState> {
        self.state.promise.as_ref()
    }

    /// The members of `docs/kpis.md`'s value-realised object, rounded once here.
    pub fn to_json(&self) -> Json {
        let p = self.promise();
        let optional = |f: &dyn Fn(&PromiseState) -> Json| p.map_or(Json::Null, f);
        Json::Object(vec![
            ("campaign".into(), Json::str(self.campaign.as_str())),
            ("title".into(), Json::str(&self.state.title)),
            (
                "skus".into(),
                Json::Array(p.map_or_else(Vec::new, |p| {
                    p.skus.iter().map(|s| Json::str(s.as_str())).collect()
                })),
            ),
            (
                "first_month".into(),
                optional(&|p| month_json(p.first_month)),
            ),
            ("last_month".into(), optional(&|p| month_json(p.last_month))),
            (
                "uplift_cases".into(),
                optional(&|p| cases(Some(i128::from(p.uplift.units())))),
            ),
            (
                "revision".into(),
                optional(&|p| Json::Number(p.revision.to_string())),
            ),
            (
                "reason".into(),
                optional(&|p| p.reason.as_ref().map_or(Json::Null, Json::str)),
            ),
            ("due".into(), Json::Bool(self.due)),
            (
                "months_included".into(),
                Json::Array(
                    self.months_included
                        .iter()
                        .map(|m| month_json(*m))
                        .collect(),
                ),
            ),
            ("actual_cases".into(), cases(self.actual)),
            ("last_year_cases".into(), cases(self.last_year)),
            ("market_volume_cases".into(), cases(self.market)),
            (
                "market_volume_last_year_cases".into(),
                cases(self.market_last_year),
            ),
            ("baseline_cases".into(), cases_of(self.baseline)),
            ("realised_cases".into(), cases_of(self.realised)),
            (
                "realisation_pct".into(),
                figure_json(&Figure::percent(self.realisation)),
            ),
            ("kept".into(), self.kept.map_or(Json::Null, Json::Bool)),
        ])
    }

    /// The read of one campaign's value realised: the partnership and the day it is judged
    /// on, then the members of [`ValueRealised::to_json`].
    pub fn read_json(&self, partnership: &str, as_of: Date) -> Json {
        let mut members = vec![
            ("partnership".to_owned(), Json::str(partnership)),
            ("as_of".to_owned(), Json::str(as_of.to_string())),
        ];
        if let Json::Object(rest) = self.to_json() {
            members.extend(rest);
        }
        Json::Object(members)
    }
}
