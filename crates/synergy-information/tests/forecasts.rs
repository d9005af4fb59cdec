//! Demand forecasts (distributor) and supply plans (manufacturer).

mod common;

use common::*;
use synergy_domain::{ErrorKind, testing::given};
use synergy_information::{Command, ForecastCommand, Information, fold_forecasts};
use synergy_proto::{Cases, events::InformationEvent, events::information::VolumeLine};

fn forecast(month: &str, lines: Vec<VolumeLine>) -> Command {
    Command::Forecast(ForecastCommand::SubmitDemandForecast {
        partnership: pid(),
        month: ym(month),
        lines,
    })
}

fn supply(month: &str, lines: Vec<VolumeLine>) -> Command {
    Command::Forecast(ForecastCommand::ConfirmSupplyPlan {
        partnership: pid(),
        month: ym(month),
        lines,
    })
}

/// A line of `units` thousandths of a case, below zero.
fn negative(id: &str, units: i64) -> VolumeLine {
    VolumeLine {
        sku: sku(id),
        volume: Cases::from_units(units),
    }
}

fn forecast_submitted(month: &str, lines: Vec<VolumeLine>, on: &str) -> synergy_proto::Event {
    ev(InformationEvent::DemandForecastSubmitted {
        month: ym(month),
        lines,
        submitted_on: date(on),
    })
}

fn supply_confirmed(month: &str, lines: Vec<VolumeLine>, on: &str) -> synergy_proto::Event {
    ev(InformationEvent::SupplyPlanConfirmed {
        month: ym(month),
        lines,
        confirmed_on: date(on),
    })
}

/// The distributor's forecast of 1,600 cases of the soft pack for August, made on 1 July.
fn august_forecast() -> Vec<synergy_proto::Event> {
    vec![forecast_submitted(
        "2008-08",
        vec![vl(SOFT, 1_600)],
        "2008-07-01",
    )]
}

#[test]
fn the_distributor_forecasts_demand_with_lines_in_sku_order() {
    given([], dist())
        .when::<Information>(forecast("2008-08", vec![vl(SOFT, 1_600), vl(HARD, 1_000)]))
        .then([forecast_submitted(
            "2008-08",
            vec![vl(HARD, 1_000), vl(SOFT, 1_600)],
            "2008-07-05",
        )]);
}

#[test]
fn the_manufacturer_and_outsiders_may_not_forecast_demand() {
    given([], manu())
        .when::<Information>(forecast("2008-08", vec![vl(SOFT, 1)]))
        .refused_as("forecast.distributor_only", ErrorKind::Forbidden);
    given([], ctx(outsider(), "2008-07-05"))
        .when::<Information>(forecast("2008-08", vec![vl(SOFT, 1)]))
        .refused("partnership.parties_only");
}

#[test]
fn a_later_forecast_replaces_the_earlier_and_an_identical_one_is_a_no_op() {
    let history = august_forecast();
    given(history.clone(), dist())
        .when::<Information>(forecast("2008-08", vec![vl(SOFT, 1_700)]))
        .then([forecast_submitted(
            "2008-08",
            vec![vl(SOFT, 1_700)],
            "2008-07-05",
        )]);
    given(history.clone(), dist())
        .when::<Information>(forecast("2008-08", vec![vl(SOFT, 1_600)]))
        .then_nothing();

    let mut all = history.to_vec();
    all.push(forecast_submitted(
        "2008-08",
        vec![vl(HARD, 900)],
        "2008-07-05",
    ));
    let state = fold_forecasts(&all);
    let latest = state.forecast(ym("2008-08")).unwrap();
    assert_eq!(latest.volume(&sku(HARD)), Some(cases(900)));
    assert_eq!(latest.volume(&sku(SOFT)), None, "replaced, not merged");
    assert_eq!(latest.on, date("2008-07-05"));
}

#[test]
fn forecast_lines_are_checked() {
    given([], dist())
        .when::<Information>(forecast("2008-08", vec![]))
        .refused_at("forecast.lines_required", ErrorKind::Invalid, "lines");
    given([], dist())
        .when::<Information>(forecast("2008-08", vec![vl(SOFT, 1), vl(SOFT, 2)]))
        .refused_at(
            "forecast.one_line_per_sku",
            ErrorKind::Invalid,
            "lines[hongyun-soft]",
        );
    given([], dist())
        .when::<Information>(forecast("2008-08", vec![vl("yunyan-gold", 1)]))
        .refused_at(
            "forecast.sku_registered",
            ErrorKind::Invalid,
            "lines[yunyan-gold].sku",
        );
    given([], dist())
        .when::<Information>(forecast("2008-08", vec![negative(SOFT, -1)]))
        .refused_at(
            "forecast.non_negative",
            ErrorKind::Invalid,
            "lines[hongyun-soft].volume",
        );
    given([], dist())
        .when::<Information>(forecast("2008-08", vec![vl(SOFT, 0)]))
        .accepted();
}

#[test]
fn the_manufacturer_confirms_a_supply_plan_for_a_forecast_month() {
    let history = august_forecast();
    given(history.clone(), manu())
        .when::<Information>(supply("2008-08", vec![vl(SOFT, 1_500), vl(HARD, 200)]))
        .then([supply_confirmed(
            "2008-08",
            vec![vl(HARD, 200), vl(SOFT, 1_500)],
            "2008-07-05",
        )]);
    let mut all = history.to_vec();
    all.push(supply_confirmed(
        "2008-08",
        vec![vl(SOFT, 1_500)],
        "2008-07-05",
    ));
    given(all.clone(), manu())
        .when::<Information>(supply("2008-08", vec![vl(SOFT, 1_500)]))
        .then_nothing();
    given(all.clone(), manu())
        .when::<Information>(supply("2008-08", vec![vl(SOFT, 1_550)]))
        .then([supply_confirmed(
            "2008-08",
            vec![vl(SOFT, 1_550)],
            "2008-07-05",
        )]);
    let state = fold_forecasts(&all);
    let plan = state.month(ym("2008-08")).unwrap();
    assert_eq!(
        plan.supply.as_ref().unwrap().volume(&sku(SOFT)),
        Some(cases(1_500))
    );
    assert_eq!(
        plan.forecast.as_ref().unwrap().volume(&sku(SOFT)),
        Some(cases(1_600))
    );
}

#[test]
fn the_distributor_may_not_confirm_a_supply_plan() {
    let history = august_forecast();
    given(history, dist())
        .when::<Information>(supply("2008-08", vec![vl(SOFT, 1_500)]))
        .refused_as("supply_plan.manufacturer_only", ErrorKind::Forbidden);
}

#[test]
fn a_supply_plan_answers_a_forecast() {
    let history = august_forecast();
    given(history, manu())
        .when::<Information>(supply("2008-09", vec![vl(SOFT, 1_500)]))
        .refused_at("supply_plan.needs_forecast", ErrorKind::State, "month");
}

#[test]
fn supply_plan_lines_are_checked() {
    let history = august_forecast();
    given(history.clone(), manu())
        .when::<Information>(supply("2008-08", vec![vl("yunyan-gold", 1)]))
        .refused_at(
            "supply_plan.sku_registered",
            ErrorKind::Invalid,
            "lines[yunyan-gold].sku",
        );
    for (lines, rule) in [
        (vec![], "supply_plan.lines_required"),
        (
            vec![vl(HARD, 1), vl(HARD, 1)],
            "supply_plan.one_line_per_sku",
        ),
        (vec![negative(SOFT, -5)], "supply_plan.non_negative"),
    ] {
        given(history.clone(), manu())
            .when::<Information>(supply("2008-08", lines))
            .refused(rule);
    }
}

#[test]
fn a_terminated_partnership_accepts_no_forecasts() {
    let mut c = dist();
    c.partnership = Some(partnership(true));
    given([], c)
        .when::<Information>(forecast("2008-08", vec![vl(SOFT, 1)]))
        .refused("partnership.terminated_accepts_nothing");
}

#[test]
fn months_are_listed_in_order_and_by_period() {
    let history = [
        forecast_submitted("2008-09", vec![vl(SOFT, 1)], "2008-07-01"),
        forecast_submitted("2008-08", vec![vl(SOFT, 1)], "2008-07-01"),
        supply_confirmed("2008-08", vec![vl(SOFT, 1)], "2008-07-02"),
        forecast_submitted("2008-12", vec![vl(SOFT, 1)], "2008-07-01"),
    ];
    let state = fold_forecasts(&history);
    let months: Vec<String> = state.months().map(|m| m.month.to_string()).collect();
    assert_eq!(months, ["2008-08", "2008-09", "2008-12"]);
    assert_eq!(state.in_period("2008-Q3".parse().unwrap()).count(), 2);
    assert!(state.supply_plan(ym("2008-09")).is_none());
    assert!(state.supply_plan(ym("2008-08")).is_some());
}
