//! The portfolio (`docs/portfolio.md`): every partnership in force that an organisation is
//! a party of for a period, side by side with its headline KPIs, ranked by one of them,
//! and the totals of them all.
//!
//! It is computed from the partnerships' read models alone, as the reports are: a
//! manufacturer's row per distributor, a distributor's row per manufacturer. The totals
//! are exact sums, and their shares and changes are computed from those sums and rounded
//! once, never averaged from the rows' rounded figures.

use std::cmp::Ordering;
use std::fmt::Write as _;

use synergy_domain::DomainError;
use synergy_proto::{Date, OrgId, PartnershipId, Period, Side};

use crate::exact::Ratio;
use crate::figure::{Figure, Kpis};
use crate::json::Json;
use crate::kpi::{self, Scope, Window};
use crate::layout::{Block, Cell, Width};
use crate::locale::{Lang, Texts};
use crate::model::{PartnershipInfo, PartnershipModel};
use crate::report::decode::{DecodeError, array, kpis, object, parsed, text};
use crate::report::figure_json;

/// How a portfolio is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Json,
    Csv,
    Markdown,
    Html,
    Xlsx,
}

/// The KPI ranked by when none is named.
pub const DEFAULT_RANK_BY: &str = "volume_share_pct";

/// The keys a portfolio may be ranked by: every single figure a partnership's `kpis`
/// carries (`docs/kpis.md`; `class_mix` is a mix, not one figure).
pub const RANK_KEYS: [&str; 29] = [
    "volume_cases",
    "revenue_yuan",
    "market_volume_cases",
    "market_revenue_yuan",
    "volume_share_pct",
    "revenue_share_pct",
    "volume_yoy_pct",
    "revenue_yoy_pct",
    "volume_pop_pct",
    "revenue_pop_pct",
    "revenue_per_case_yuan",
    "target_volume_cases",
    "volume_attainment_pct",
    "target_revenue_yuan",
    "revenue_attainment_pct",
    "target_volume_share_pct",
    "volume_share_attainment_pct",
    "closing_stock_cases",
    "stock_to_sales",
    "price_index",
    "price_compliance_pct",
    "forecast_accuracy_pct",
    "order_fill_pct",
    "data_on_time_pct",
    "actions_open",
    "actions_overdue",
    "meetings_held",
    "campaign_tasks_done_pct",
    "support_on_time_pct",
];

/// The stable rule a `rank_by` outside [`RANK_KEYS`] is refused with.
pub const UNKNOWN_RANK_KEY: &str = "portfolio.rank_by_unknown";

/// `key` as a ranking key, or the refusal naming it and the keys there are.
pub fn rank_key(key: &str) -> Result<&'static str, DomainError> {
    RANK_KEYS
        .iter()
        .find(|k| **k == key)
        .copied()
        .ok_or_else(|| {
            DomainError::invalid(
                UNKNOWN_RANK_KEY,
                "rank_by",
                format!(
                    "{key:?} is no KPI a portfolio can be ranked by; use one of {}",
                    RANK_KEYS.join(", ")
                ),
            )
        })
}

/// The partnership binds its parties for some of `period`: signed by its last day and not
/// terminated before its first.
pub fn in_force(info: &PartnershipInfo, period: Period) -> bool {
    info.signed_on <= period.last_month().last_day()
        && info
            .terminated_on
            .is_none_or(|ended| ended >= period.first_month().first_day())
}

/// One partnership of a portfolio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioRow {
    pub partnership: PartnershipId,
    /// The other party: the distributor of a manufacturer's portfolio, the manufacturer of
    /// a distributor's.
    pub counterparty: OrgId,
    pub region: String,
    /// 1 for the first.
    pub rank: u32,
    pub kpis: Kpis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portfolio {
    pub org: OrgId,
    pub period: Period,
    pub rank_by: &'static str,
    pub partnerships: Vec<PortfolioRow>,
    pub totals: Kpis,
}

/// A partnership's model and the day its figures are judged on (today on its calendar).
pub type Member<'a> = (&'a PartnershipModel, Date);

/// Sums that stay exact until the totals' ratios are rounded once.
#[derive(Default)]
struct Sums {
    volume: Option<i128>,
    revenue: Option<i128>,
    market_volume: Option<i128>,
    market_revenue: Option<i128>,
    /// Like with like: the current sales of the partnerships that have a comparable year
    /// earlier, and that year's.
    yoy_volume: Option<(i128, i128)>,
    yoy_revenue: Option<(i128, i128)>,
}

fn add(total: &mut Option<i128>, value: Option<i128>) {
    if let Some(v) = value {
        *total = Some(total.unwrap_or(0) + v);
    }
}

fn add_pair(total: &mut Option<(i128, i128)>, value: Option<(i128, i128)>) {
    if let Some((c, b)) = value {
        let (tc, tb) = total.get_or_insert((0, 0));
        *tc += c;
        *tb += b;
    }
}

impl Sums {
    fn add(&mut self, model: &PartnershipModel, period: Period, as_of: Date) {
        let window = Window::new(period, as_of);
        let current = window
            .current
            .and_then(|m| kpi::sales(model, Scope::Partnership, m));
        let market = window.current.and_then(|m| kpi::market(model, m));
        add(&mut self.volume, current.map(|s| s.volume));
        add(&mut self.revenue, current.map(|s| s.revenue));
        add(&mut self.market_volume, market.map(|m| m.0));
        add(&mut self.market_revenue, market.map(|m| m.1));
        let base = kpi::comparable(model, Scope::Partnership, window, -12);
        add_pair(
            &mut self.yoy_volume,
            current.zip(base).map(|(c, b)| (c.volume, b.volume)),
        );
        add_pair(
            &mut self.yoy_revenue,
            current.zip(base).map(|(c, b)| (c.revenue, b.revenue)),
        );
    }

    fn kpis(&self) -> Kpis {
        let share = |ours: Option<i128>, all: Option<i128>| Ratio::new(ours?, all?);
        let change = |pair: Option<(i128, i128)>| pair.and_then(|(c, b)| Ratio::new(c - b, b));
        let mut k = Kpis::new();
        k.insert("volume_cases", Figure::cases(self.volume));
        k.insert("revenue_yuan", Figure::yuan(self.revenue));
        k.insert("market_volume_cases", Figure::cases(self.market_volume));
        k.insert("market_revenue_yuan", Figure::yuan(self.market_revenue));
        k.insert(
            "volume_share_pct",
            Figure::percent(share(self.volume, self.market_volume)),
        );
        k.insert(
            "revenue_share_pct",
            Figure::percent(share(self.revenue, self.market_revenue)),
        );
        k.insert("volume_yoy_pct", Figure::percent(change(self.yoy_volume)));
        k.insert("revenue_yoy_pct", Figure::percent(change(self.yoy_revenue)));
        k
    }
}

/// A figure as a comparable number; `None` (ranked last) when there is none.
fn rank_value(kpis: &Kpis, key: &str) -> Option<i128> {
    match kpis.get(key)? {
        Figure::Amount { units, .. } => Some(*units),
        Figure::Count(n) => Some(i128::from(*n)),
        _ => None,
    }
}

/// The portfolio of `org` for `period`, ranked by `rank_by` (one of [`RANK_KEYS`]):
/// of `members`, those in force for the period that `org` is a party of — on `side` only,
/// when one is named (a manufacturer's token sees the partnerships its organisation makes
/// as manufacturer).
pub fn portfolio<'a>(
    org: &OrgId,
    side: Option<Side>,
    period: Period,
    rank_by: &str,
    members: impl IntoIterator<Item = Member<'a>>,
) -> Result<Portfolio, DomainError> {
    let rank_by = rank_key(rank_by)?;
    let mut sums = Sums::default();
    let mut rows = Vec::new();
    for (model, as_of) in members {
        let Some(info) = &model.info else { continue };
        let (ours, counterparty) = if info.manufacturer == *org {
            (Side::Manufacturer, &info.distributor)
        } else if info.distributor == *org {
            (Side::Distributor, &info.manufacturer)
        } else {
            continue;
        };
        if side.is_some_and(|s| s != ours) {
            continue;
        }
        if !in_force(info, period) {
            continue;
        }
        sums.add(model, period, as_of);
        rows.push(PortfolioRow {
            partnership: model.partnership.clone(),
            counterparty: counterparty.clone(),
            region: info.region.clone(),
            rank: 0,
            kpis: kpi::market_kpis(model, Scope::Partnership, period, as_of),
        });
    }
    rows.sort_by(|a, b| {
        let order = match (rank_value(&a.kpis, rank_by), rank_value(&b.kpis, rank_by)) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        order.then_with(|| a.partnership.cmp(&b.partnership))
    });
    for (i, row) in rows.iter_mut().enumerate() {
        row.rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
    Ok(Portfolio {
        org: org.clone(),
        period,
        rank_by,
        partnerships: rows,
        totals: sums.kpis(),
    })
}

fn kpis_json(k: &Kpis) -> Json {
    Json::Object(
        k.iter()
            .map(|(key, v)| ((*key).to_owned(), figure_json(v)))
            .collect(),
    )
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

impl Portfolio {
    /// The JSON of `docs/portfolio.md`: `{org, period, partnerships, totals}`.
    pub fn to_json(&self) -> Json {
        let rows = self
            .partnerships
            .iter()
            .map(|r| {
                Json::Object(vec![
                    ("partnership".into(), Json::str(r.partnership.as_str())),
                    ("counterparty".into(), Json::str(r.counterparty.as_str())),
                    ("region".into(), Json::str(&r.region)),
                    ("rank".into(), Json::Number(r.rank.to_string())),
                    ("kpis".into(), kpis_json(&r.kpis)),
                ])
            })
            .collect();
        Json::Object(vec![
            ("org".into(), Json::str(self.org.as_str())),
            ("period".into(), Json::str(self.period.to_string())),
            ("partnerships".into(), Json::Array(rows)),
            ("totals".into(), kpis_json(&self.totals)),
        ])
    }

    /// One row per figure, as the reports' CSV: `scope,id,key,value` (an empty value is
    /// null), the partnerships in rank order, then the totals.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("scope,id,key,value\n");
        let _ = writeln!(out, "portfolio,{},period,{}", self.org, self.period);
        let _ = writeln!(out, "portfolio,{},rank_by,{}", self.org, self.rank_by);
        let line = |out: &mut String, scope: &str, id: &str, key: &str, value: &str| {
            let _ = writeln!(out, "{scope},{},{key},{}", csv_field(id), csv_field(value));
        };
        for r in &self.partnerships {
            let id = r.partnership.as_str();
            line(&mut out, "partnership", id, "rank", &r.rank.to_string());
            line(
                &mut out,
                "partnership",
                id,
                "counterparty",
                r.counterparty.as_str(),
            );
            line(&mut out, "partnership", id, "region", &r.region);
            for (key, figure) in &r.kpis {
                if let Figure::Mix(mix) = figure {
                    for (class, f) in mix {
                        let value = f.plain().unwrap_or_default();
                        line(
                            &mut out,
                            "partnership",
                            id,
                            &format!("{key}.{class}"),
                            &value,
                        );
                    }
                } else {
                    let value = figure.plain().unwrap_or_default();
                    line(&mut out, "partnership", id, key, &value);
                }
            }
        }
        for (key, figure) in &self.totals {
            let value = figure.plain().unwrap_or_default();
            line(&mut out, "totals", self.org.as_str(), key, &value);
        }
        out
    }

    /// The portfolio laid out for people, as a report is (`layout`): the title, the totals,
    /// then the partnerships in rank order with the figures in reading order.
    pub fn document(&self, width: Width, t: &Texts) -> Vec<Block> {
        let mut out = vec![
            Block::Heading(
                1,
                format!(
                    "{} — {} — {}",
                    t.text("kind-portfolio"),
                    self.org,
                    self.period
                ),
            ),
            Block::Text(
                t.get("ranked-by", &[("kpi", &t.label(self.rank_by))])
                    .unwrap_or_default(),
            ),
            Block::Heading(2, t.text("heading-totals")),
            Block::Table(crate::layout::kpi_table(t, &self.totals)),
        ];
        let heading = t.text("heading-partnerships");
        let lead = [
            t.label("rank"),
            t.label("partnership"),
            t.label("counterparty"),
            t.label("region"),
        ];
        let rows: Vec<(Vec<Cell>, &Kpis)> = self
            .partnerships
            .iter()
            .map(|r| {
                (
                    vec![
                        Cell::Figure {
                            figure: Figure::Count(i64::from(r.rank)),
                            signed: false,
                        },
                        Cell::Text(r.partnership.to_string()),
                        Cell::Text(r.counterparty.to_string()),
                        Cell::Text(r.region.clone()),
                    ],
                    &r.kpis,
                )
            })
            .collect();
        let tables = crate::layout::figure_tables(t, &heading, &lead, &rows, width);
        if tables.is_empty() {
            out.push(Block::Heading(2, heading));
            out.push(Block::Text(t.text("none")));
        } else {
            out.push(Block::Heading(2, heading));
            out.extend(tables.into_iter().map(Block::Table));
        }
        out
    }

    /// The portfolio its JSON ([`to_json`](Portfolio::to_json)) was made from, ranked by
    /// `rank_by` (which the JSON does not repeat).
    pub fn from_json(body: &str, rank_by: &str) -> Result<Portfolio, DecodeError> {
        let json = Json::parse(body).map_err(|e| DecodeError(e.to_string()))?;
        let rank_by = rank_key(rank_by).map_err(|e| DecodeError(e.message))?;
        let partnerships = array(&json, "partnerships")?
            .iter()
            .map(|row| {
                let rank = match row.get("rank") {
                    Some(Json::Number(n)) => n.parse().ok(),
                    _ => None,
                }
                .ok_or_else(|| DecodeError("rank is not a number".into()))?;
                Ok(PortfolioRow {
                    partnership: parsed(row, "partnership")?,
                    counterparty: parsed(row, "counterparty")?,
                    region: text(row, "region")?.to_owned(),
                    rank,
                    kpis: kpis(object(row, "kpis")?)?,
                })
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(Portfolio {
            org: parsed(&json, "org")?,
            period: parsed(&json, "period")?,
            rank_by,
            partnerships,
            totals: kpis(object(&json, "totals")?)?,
        })
    }

    /// The portfolio in `format`: JSON and CSV the same in every language, the others in
    /// `lang`.
    pub fn render(&self, format: Output, lang: Lang) -> Result<Vec<u8>, crate::xlsx::XlsxError> {
        Ok(match format {
            Output::Json => self.to_json().to_text().into_bytes(),
            Output::Csv => self.to_csv().into_bytes(),
            Output::Markdown => self.to_markdown(lang).into_bytes(),
            Output::Html => self.to_html(lang).into_bytes(),
            Output::Xlsx => self.to_xlsx(lang)?,
        })
    }

    pub fn to_markdown(&self, lang: Lang) -> String {
        let t = &Texts::new(lang);
        crate::render::blocks_markdown(&self.document(Width::Page, t), t)
    }

    pub fn to_html(&self, lang: Lang) -> String {
        let t = &Texts::new(lang);
        crate::render::blocks_html(&self.document(Width::Page, t), t, &[])
    }

    pub fn to_xlsx(&self, lang: Lang) -> Result<Vec<u8>, crate::xlsx::XlsxError> {
        let t = &Texts::new(lang);
        crate::xlsx::blocks_xlsx(&self.document(Width::Sheet, t), t)
    }
}
