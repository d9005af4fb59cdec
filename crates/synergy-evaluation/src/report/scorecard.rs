//! The collaboration scorecard: how well the two sides worked together.

use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, Period};

use super::{Report, SeriesPoint, empty};
use crate::figure::{Figure, Kpis};
use crate::kpi::{self, Scope};
use crate::model::PartnershipModel;

/// The collaboration scorecard: how well the two sides worked together.
pub fn scorecard(model: &PartnershipModel, period: Period, as_of: Date) -> Report {
    let mut r = empty(model, ReportKind::Scorecard, period, as_of);
    let mut k = Kpis::new();
    kpi::collaboration_kpis(model, period, as_of, &mut k);
    let (held, scheduled) = kpi::meetings(model, period);
    k.insert("meetings_scheduled", Figure::count(scheduled));
    k.insert("meetings_held", Figure::count(held));
    k.insert(
        "corrections",
        Figure::count(kpi::corrections(model, period)),
    );
    // 創值: campaign promises whose last month falls in the period, kept of those due.
    let (due, kept) = crate::value::promises_kept(model, period, as_of);
    k.insert("promises_due", Figure::count(due));
    k.insert("promises_kept", Figure::count(kept));
    let market = kpi::market_kpis(model, Scope::Partnership, period, as_of);
    for key in ["volume_attainment_pct", "revenue_attainment_pct"] {
        if let Some(v) = market.get(key) {
            k.insert(key, v.clone());
        }
    }
    r.kpis = k;
    r.series = period
        .months()
        .map(|month| {
            let mut values = Kpis::new();
            let data = model.month_submitted_by(month, as_of);
            values.insert(
                "submitted_on",
                data.map_or(Figure::Null, |d| {
                    Figure::Text(d.first_submitted_on.to_string())
                }),
            );
            values.insert(
                "on_time",
                match (data, kpi::counted_deadline(model, month)) {
                    (Some(_), None) => Figure::Text("history".into()),
                    (Some(d), Some(deadline)) => Figure::Text(
                        if d.first_submitted_on <= deadline {
                            "yes"
                        } else {
                            "no"
                        }
                        .into(),
                    ),
                    _ => Figure::Null,
                },
            );
            values.insert(
                "revision",
                data.map_or(Figure::Null, |d| Figure::count(d.revision)),
            );
            values.insert(
                "corrections",
                data.map_or(Figure::Null, |d| Figure::count(d.corrections)),
            );
            SeriesPoint { month, values }
        })
        .collect();
    r
}
