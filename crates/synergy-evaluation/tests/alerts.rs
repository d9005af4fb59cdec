//! Alerts, given / when / then: a partnership's model, today and the alert stream's state
//! are given; the judgement says which exceptions are raised and cleared and which month
//! is reminded. What it records is folded back into the state, as the alert stream holds it.

mod common;

use common::{Month, World, d, manufacturer, view, ym};
use synergy_evaluation::alerts::{self, AlertState};
use synergy_evaluation::model::PartnershipModel;
use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::events::{InformationEvent, StrategyEvent};
use synergy_proto::{Cases, Context, Event, Yuan};

/// What the judgement records on `today` as `(kind, period, rule, subject)`, oldest kind
/// first; folded into `state`.
/// A signing day after December 2007's deadline: its data was never due to the partnership.
const AFTER_DECEMBER: &str = "2008-01-11";

fn record(state: &mut AlertState, model: &PartnershipModel, today: &str) -> Vec<String> {
    let events = alerts::judge(state, model, d(today));
    let wrapped: Vec<Event> = events.iter().cloned().map(Event::Evaluation).collect();
    let folded = AlertState::fold(wrapped.iter());
    state.open.extend(folded.open);
    state.reminded.extend(folded.reminded);
    for e in &events {
        if let EvaluationEvent::ExceptionCleared {
            period,
            rule,
            subject,
        } = e
        {
            state.open.remove(&alerts::AlertKey {
                period: *period,
                rule: rule.clone(),
                subject: subject.clone(),
            });
        }
    }
    events.iter().map(words).collect()
}

fn words(e: &EvaluationEvent) -> String {
    match e {
        EvaluationEvent::ExceptionRaised {
            period,
            rule,
            subject,
            ..
        } => format!("raised {period} {rule} {subject}"),
        EvaluationEvent::ExceptionCleared {
            period,
            rule,
            subject,
        } => format!("cleared {period} {rule} {subject}"),
        EvaluationEvent::DataReminder { month, as_of, due } => {
            format!("reminder {month} on {as_of} due {due}")
        }
        other => panic!("not an alert: {other:?}"),
    }
}

/// Signed after December's deadline (whose data is history), January and February 2008 in
/// on time, as `feb` says.
fn jan_feb(feb: Month<'_>) -> World {
    let mut w = World::signed(AFTER_DECEMBER);
    w.report("2008-01", "2008-02-05", Month::default());
    w.report("2008-02", "2008-03-05", feb);
    w
}

/// `month` corrected on `on` to `ours` cases of SKU `a` in a market of 1,000, as its
/// `revision`.
fn correct(w: &mut World, month: &str, revision: u32, on: &str, ours: &str) {
    let volume = Cases::parse(ours).unwrap();
    w.ev(
        Context::Information,
        on,
        InformationEvent::MarketDataCorrected {
            month: ym(month),
            revision,
            lines: vec![SkuLine {
                sku: "a".parse().unwrap(),
                volume,
                revenue: Yuan::from_units(volume.units() / 10),
                closing_stock: Cases::parse("1").unwrap(),
                outlets_stocking: 10,
                outlets_selling: 5,
                avg_retail_price: Yuan::parse("10").unwrap(),
            }],
            market: MarketTotals {
                volume: Cases::parse("1000").unwrap(),
                revenue: Yuan::parse("100").unwrap(),
                active_outlets: 100,
            },
            submitted_on: d(on),
            reason: "recount".into(),
        }
        .into(),
    );
}

#[test]
fn months_within_the_rules_raise_nothing() {
    let w = jan_feb(Month::default());
    assert!(record(&mut AlertState::default(), &w.model, "2008-03-20").is_empty());
}

#[test]
fn a_share_drop_past_the_rule_raises_it_for_the_partnership_and_the_brand_once() {
    let w = jan_feb(Month {
        ours: "80",
        ..Month::default()
    });
    let mut state = AlertState::default();
    assert_eq!(
        record(&mut state, &w.model, "2008-03-20"),
        [
            "raised 2008-02 share_down brand:x",
            "raised 2008-02 share_down partnership"
        ]
    );
    assert!(record(&mut state, &w.model, "2008-03-21").is_empty());
    // Years later the months since are late, but February is not raised again.
    let later = record(&mut state, &w.model, "2010-01-01");
    assert!(later.iter().all(|e| e.contains("data_late")), "{later:?}");
    assert_eq!(later.len(), 21, "2008-03 … 2009-11");
}

#[test]
fn a_share_drop_within_the_rule_raises_nothing() {
    // 10.00 % to 9.10 %: 0.90 points, the rule is more than 1.00.
    let w = jan_feb(Month {
        ours: "91",
        ..Month::default()
    });
    assert!(record(&mut AlertState::default(), &w.model, "2008-03-20").is_empty());
}

#[test]
fn the_raised_event_carries_the_pack_figures_and_sentence() {
    let w = jan_feb(Month {
        ours: "80",
        ..Month::default()
    });
    let events = alerts::judge(&AlertState::default(), &w.model, d("2008-03-20"));
    let EvaluationEvent::ExceptionRaised {
        value,
        threshold,
        message,
        ..
    } = &events[1]
    else {
        panic!("{events:?}")
    };
    assert_eq!(value.as_deref(), Some("-2.00"));
    assert_eq!(threshold.as_deref(), Some("1.00"));
    assert!(message.starts_with("volume share fell from 10.00 % to 8.00 %"));
}

#[test]
fn a_correction_back_clears_what_it_raised_and_a_second_drop_raises_again() {
    let mut w = jan_feb(Month {
        ours: "80",
        ..Month::default()
    });
    let mut state = AlertState::default();
    assert_eq!(record(&mut state, &w.model, "2008-03-20").len(), 2);
    correct(&mut w, "2008-02", 2, "2008-03-25", "100");
    assert_eq!(
        record(&mut state, &w.model, "2008-03-26"),
        [
            "cleared 2008-02 share_down brand:x",
            "cleared 2008-02 share_down partnership"
        ]
    );
    assert!(state.open.is_empty());
    correct(&mut w, "2008-02", 3, "2008-03-27", "50");
    assert_eq!(record(&mut state, &w.model, "2008-03-28").len(), 2);
}

#[test]
fn attainment_below_the_rule_raises_it_and_at_the_rule_does_not() {
    for (ours, fires) in [("80", true), ("90", false)] {
        let mut w = World::signed(AFTER_DECEMBER);
        w.volume_plan(&[("2008-01", "100")]);
        w.report(
            "2008-01",
            "2008-02-05",
            Month {
                ours,
                ..Month::default()
            },
        );
        let raised = record(&mut AlertState::default(), &w.model, "2008-02-20");
        let expected: &[&str] = if fires {
            &["raised 2008-01 attainment_low partnership"]
        } else {
            &[]
        };
        assert_eq!(raised, expected, "{ours} cases of a target of 100");
    }
}

#[test]
fn a_price_index_outside_the_band_raises_it_and_inside_does_not() {
    for (retail, fires) in [("12", true), ("10.50", false), ("9", true)] {
        let mut w = World::signed(AFTER_DECEMBER);
        w.report(
            "2008-01",
            "2008-02-05",
            Month {
                retail,
                ..Month::default()
            },
        );
        let raised = record(&mut AlertState::default(), &w.model, "2008-02-20");
        let expected: &[&str] = if fires {
            &[
                "raised 2008-01 price_index brand:x",
                "raised 2008-01 price_index partnership",
            ]
        } else {
            &[]
        };
        assert_eq!(raised, expected, "retail {retail} on a guide of 10");
    }
}

#[test]
fn stock_above_the_rule_raises_it_and_at_the_rule_does_not() {
    for (closing_stock, fires) in [("200", true), ("150", false)] {
        let mut w = World::signed(AFTER_DECEMBER);
        w.report(
            "2008-01",
            "2008-02-05",
            Month {
                closing_stock,
                ..Month::default()
            },
        );
        let raised = record(&mut AlertState::default(), &w.model, "2008-02-20");
        let expected: &[&str] = if fires {
            &[
                "raised 2008-01 stock_high brand:x",
                "raised 2008-01 stock_high partnership",
            ]
        } else {
            &[]
        };
        assert_eq!(raised, expected, "closing stock {closing_stock}");
    }
}

#[test]
fn missing_data_is_reminded_from_the_5th_to_the_10th_once_then_late() {
    let w = World::signed("2007-12-01");
    let mut state = AlertState::default();
    // December's data never came.
    assert!(record(&mut state, &w.model, "2008-01-04").is_empty());
    assert_eq!(
        record(&mut state, &w.model, "2008-01-05"),
        ["reminder 2007-12 on 2008-01-05 due 2008-01-10"]
    );
    assert!(record(&mut state, &w.model, "2008-01-06").is_empty());
    assert!(record(&mut state, &w.model, "2008-01-10").is_empty());
    assert_eq!(
        record(&mut state, &w.model, "2008-01-11"),
        ["raised 2007-12 data_late 2007-12"]
    );
}

#[test]
fn the_due_day_itself_still_reminds() {
    let w = World::signed("2007-12-01");
    assert_eq!(
        record(&mut AlertState::default(), &w.model, "2008-01-10"),
        ["reminder 2007-12 on 2008-01-10 due 2008-01-10"]
    );
}

#[test]
fn data_in_before_the_5th_is_not_reminded_and_not_late() {
    let mut w = World::signed("2007-12-01");
    w.report("2007-12", "2008-01-03", Month::default());
    let mut state = AlertState::default();
    for day in ["2008-01-05", "2008-01-10", "2008-01-11", "2008-02-01"] {
        assert!(record(&mut state, &w.model, day).is_empty(), "{day}");
    }
}

#[test]
fn late_data_stays_late_and_missing_data_arriving_late_keeps_its_alert() {
    let mut w = World::signed("2007-12-01");
    let mut state = AlertState::default();
    assert_eq!(
        record(&mut state, &w.model, "2008-01-11"),
        ["raised 2007-12 data_late 2007-12"]
    );
    w.report("2007-12", "2008-01-15", Month::default());
    // Lateness is judged the day after the deadline, whatever came in since.
    assert!(record(&mut state, &w.model, "2008-01-16").is_empty());
    let fired = alerts::firing(&w.model, d("2008-01-16"));
    let late = fired.values().next().unwrap();
    assert_eq!(late.value, None);
    assert_eq!(late.threshold.as_deref(), Some("2008-01-10"));
    assert_eq!(
        late.message,
        "2007-12 market data not submitted; it was due by 2008-01-10"
    );
}

#[test]
fn history_before_the_signing_is_never_late_nor_reminded() {
    let mut w = World::signed("2008-03-11");
    w.report("2008-01", "2008-03-11", Month::default());
    // February was never submitted, but was due before the signing.
    let mut state = AlertState::default();
    for day in ["2008-03-11", "2008-03-31"] {
        assert!(record(&mut state, &w.model, day).is_empty(), "{day}");
    }
    // March's data is due to the partnership.
    assert_eq!(
        record(&mut state, &w.model, "2008-04-05"),
        ["reminder 2008-03 on 2008-04-05 due 2008-04-10"]
    );
}

#[test]
fn a_month_past_its_deadline_is_judged_the_same_on_any_later_day() {
    let w = jan_feb(Month {
        ours: "80",
        retail: "12",
        ..Month::default()
    });
    let early = alerts::firing(&w.model, d("2008-03-11"));
    let later = alerts::firing(&w.model, d("2008-03-31"));
    let years = alerts::firing(&w.model, d("2012-07-01"));
    let up_to_feb = |f: &std::collections::BTreeMap<alerts::AlertKey, alerts::Fired>| {
        f.iter()
            .filter(|(k, _)| k.period <= "2008-02".parse().unwrap())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(up_to_feb(&early), up_to_feb(&later));
    assert_eq!(up_to_feb(&early), up_to_feb(&years));
    assert_eq!(early.len(), 4);
}

#[test]
fn the_judgement_before_the_signing_or_of_an_unknown_partnership_is_empty() {
    let w = World::empty();
    assert!(alerts::judge(&AlertState::default(), &w.model, d("2009-01-01")).is_empty());
}

#[test]
fn recording_is_refused_on_a_terminated_partnership_and_done_for_a_party() {
    let w = jan_feb(Month {
        ours: "80",
        ..Month::default()
    });
    let mut ctx = manufacturer();
    ctx.now = d("2008-03-20").start();
    let p = w.model.partnership.clone();
    let recorded = alerts::record_alerts(std::iter::empty(), &p, &w.model, &ctx).unwrap();
    assert_eq!(recorded.len(), 2);
    let history: Vec<Event> = recorded.into_iter().map(Event::Evaluation).collect();
    assert!(
        alerts::record_alerts(history.iter(), &p, &w.model, &ctx)
            .unwrap()
            .is_empty()
    );
    ctx.partnership = Some(view(true));
    let refused = alerts::record_alerts(std::iter::empty(), &p, &w.model, &ctx).unwrap_err();
    assert_eq!(refused.rule, "partnership.terminated_accepts_nothing");
}

#[test]
fn a_terminated_partnership_is_reminded_of_nothing() {
    let mut w = World::signed("2007-12-01");
    w.ev(
        Context::Strategy,
        "2007-12-20",
        StrategyEvent::PartnershipTerminated {
            reason: "ended".into(),
            terminated_on: d("2007-12-20"),
        }
        .into(),
    );
    assert!(alerts::reminder(&w.model, d("2008-01-06")).is_none());
}
