//! 市場預測及訂單組織貨源: the distributor's demand forecast per month and the supply plan
//! the manufacturer confirms against it.
//!
//! Both live in one aggregate (`forecasts`) because a supply plan answers a forecast: the
//! manufacturer can only confirm supply for a month the distributor has forecast.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::{
    Cases, Date, PartnershipId, Period, Side, SkuId, YearMonth,
    events::information::{InformationEvent, VolumeLine},
};

use crate::Decision;
use crate::authority::require_side;
use crate::lines::{LineRules, check_volume_lines, registered_in, to_lines, to_map};

/// The stream of a partnership's forecasts and supply plans.
pub const AGGREGATE: &str = "forecasts";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ForecastCommand {
    /// The distributor forecasts demand for a month; a later forecast replaces it.
    SubmitDemandForecast {
        partnership: PartnershipId,
        month: YearMonth,
        lines: Vec<VolumeLine>,
    },
    /// The manufacturer confirms the supply it will organise for a forecast month; a later
    /// confirmation replaces it.
    ConfirmSupplyPlan {
        partnership: PartnershipId,
        month: YearMonth,
        lines: Vec<VolumeLine>,
    },
}

impl ForecastCommand {
    synergy_domain::every_variant_has! {
        pub fn partnership -> PartnershipId: SubmitDemandForecast, ConfirmSupplyPlan
    }
}

/// Volumes per SKU for one month, as last submitted or confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VolumePlan {
    /// Sorted by SKU.
    pub lines: Vec<VolumeLine>,
    /// The day it was submitted (forecast) or confirmed (supply plan).
    pub on: Date,
}

impl VolumePlan {
    pub fn volume(&self, sku: &SkuId) -> Option<Cases> {
        self.lines.iter().find(|l| &l.sku == sku).map(|l| l.volume)
    }
}

/// A month's forecast and supply plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthPlan {
    pub month: YearMonth,
    pub forecast: Option<VolumePlan>,
    pub supply: Option<VolumePlan>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Forecasts {
    months: BTreeMap<YearMonth, MonthPlan>,
}

const FORECAST_LINES: LineRules = LineRules {
    what: "a demand forecast",
    lines_required: "forecast.lines_required",
    one_line_per_sku: "forecast.one_line_per_sku",
    volume_rule: "forecast.non_negative",
    positive: false,
};

const SUPPLY_LINES: LineRules = LineRules {
    what: "a supply plan",
    lines_required: "supply_plan.lines_required",
    one_line_per_sku: "supply_plan.one_line_per_sku",
    volume_rule: "supply_plan.non_negative",
    positive: false,
};

impl Forecasts {
    pub fn month(&self, month: YearMonth) -> Option<&MonthPlan> {
        self.months.get(&month)
    }

    /// The latest demand forecast for `month`.
    pub fn forecast(&self, month: YearMonth) -> Option<&VolumePlan> {
        self.months.get(&month).and_then(|m| m.forecast.as_ref())
    }

    /// The latest confirmed supply plan for `month`.
    pub fn supply_plan(&self, month: YearMonth) -> Option<&VolumePlan> {
        self.months.get(&month).and_then(|m| m.supply.as_ref())
    }

    /// Every month with a forecast or a supply plan, chronologically.
    pub fn months(&self) -> impl Iterator<Item = &MonthPlan> {
        self.months.values()
    }

    pub fn in_period(&self, period: Period) -> impl Iterator<Item = &MonthPlan> {
        self.months
            .range(period.first_month()..=period.last_month())
            .map(|(_, m)| m)
    }

    pub fn evolve(mut self, event: &InformationEvent) -> Self {
        let (month, plan, is_forecast) = match event {
            InformationEvent::DemandForecastSubmitted {
                month,
                lines,
                submitted_on,
            } => (month, plan_of(lines, *submitted_on), true),
            InformationEvent::SupplyPlanConfirmed {
                month,
                lines,
                confirmed_on,
            } => (month, plan_of(lines, *confirmed_on), false),
            _ => return self,
        };
        let entry = self.months.entry(*month).or_insert_with(|| MonthPlan {
            month: *month,
            forecast: None,
            supply: None,
        });
        if is_forecast {
            entry.forecast = Some(plan);
        } else {
            entry.supply = Some(plan);
        }
        self
    }

    pub fn decide(
        &self,
        cmd: &ForecastCommand,
        ctx: &DecisionContext,
    ) -> Result<Vec<InformationEvent>, DomainError> {
        match cmd {
            ForecastCommand::SubmitDemandForecast {
                partnership,
                month,
                lines,
            } => self.submit_forecast(partnership, *month, lines, ctx),
            ForecastCommand::ConfirmSupplyPlan {
                partnership,
                month,
                lines,
            } => self.confirm_supply(partnership, *month, lines, ctx),
        }
    }

    fn submit_forecast(
        &self,
        partnership: &PartnershipId,
        month: YearMonth,
        lines: &[VolumeLine],
        ctx: &DecisionContext,
    ) -> Decision {
        require_side(
            ctx,
            partnership,
            Side::Distributor,
            "forecast.distributor_only",
            "forecasting demand",
        )?;
        let registered = registered_in(&ctx.catalogue, "forecast.sku_registered");
        let map = check_volume_lines(lines, FORECAST_LINES, registered)?;
        Ok(changed(self.forecast(month), &map)
            .map(|lines| InformationEvent::DemandForecastSubmitted {
                month,
                lines,
                submitted_on: ctx.today(),
            })
            .into_iter()
            .collect())
    }

    fn confirm_supply(
        &self,
        partnership: &PartnershipId,
        month: YearMonth,
        lines: &[VolumeLine],
        ctx: &DecisionContext,
    ) -> Decision {
        require_side(
            ctx,
            partnership,
            Side::Manufacturer,
            "supply_plan.manufacturer_only",
            "confirming the supply plan",
        )?;
        if self.forecast(month).is_none() {
            return Err(DomainError::state(
                "supply_plan.needs_forecast",
                format!(
                    "there is no demand forecast for {month}; the distributor forecasts \
                     first and the supply plan answers it"
                ),
            )
            .at("month"));
        }
        let registered = registered_in(&ctx.catalogue, "supply_plan.sku_registered");
        let map = check_volume_lines(lines, SUPPLY_LINES, registered)?;
        Ok(changed(self.supply_plan(month), &map)
            .map(|lines| InformationEvent::SupplyPlanConfirmed {
                month,
                lines,
                confirmed_on: ctx.today(),
            })
            .into_iter()
            .collect())
    }
}

/// The lines to record for `map`, or `None` when `current` holds exactly them already: a
/// resubmission of the same plan changes nothing.
fn changed(current: Option<&VolumePlan>, map: &BTreeMap<SkuId, Cases>) -> Option<Vec<VolumeLine>> {
    if current.is_some_and(|plan| to_map(&plan.lines) == *map) {
        None
    } else {
        Some(to_lines(map))
    }
}

fn plan_of(lines: &[VolumeLine], on: Date) -> VolumePlan {
    VolumePlan {
        lines: to_lines(&to_map(lines)),
        on,
    }
}
