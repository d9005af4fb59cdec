//! The Changzhi golden case: folding the dataset's monthly submissions must reproduce the
//! seed's H1 2008 figures, byte for byte, however the model is rebuilt.

use synergy_changzhi::{self as changzhi, CommitBuilder};
use synergy_evaluation::PartnershipModel;
use synergy_evaluation::json::Json;
use synergy_evaluation::locale::Lang;
use synergy_evaluation::render::{self, Format};
use synergy_evaluation::report::{self, market_report, review_pack};
use synergy_evaluation::restate;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::events::{EvaluationEvent, InformationEvent};
use synergy_proto::{AggregateId, Context, Date, Period, Side};

mod common;

use common::changzhi_folded as folded;

fn h1() -> Period {
    "2008-H1".parse().unwrap()
}

fn as_of() -> Date {
    "2008-07-20".parse().unwrap()
}

fn kpi(json: &Json, key: &str) -> String {
    match json.get("kpis").and_then(|k| k.get(key)) {
        Some(Json::Number(n)) => n.clone(),
        other => panic!("{key} is {other:?}"),
    }
}

#[test]
fn h1_2008_market_report_shows_the_seed_figures() {
    let report = market_report(&folded(), h1(), as_of());
    let text = render::to_json(&report);
    let json = Json::parse(&text).unwrap();
    assert_eq!(kpi(&json, "volume_cases"), "15300");
    assert_eq!(kpi(&json, "volume_share_pct"), "22.63");
    assert_eq!(kpi(&json, "volume_yoy_pct"), "29.66");
    assert_eq!(kpi(&json, "revenue_yuan"), "217000000.00");
    assert_eq!(kpi(&json, "revenue_share_pct"), "29.77");
    assert_eq!(kpi(&json, "revenue_yoy_pct"), "40.91");
    assert_eq!(kpi(&json, "market_volume_cases"), "67610");
    assert_eq!(kpi(&json, "market_revenue_yuan"), "728900000.00");
    assert_eq!(kpi(&json, "target_volume_cases"), "16000");
    // 15,300 ÷ 16,000 = 95.625 % → half away from zero.
    assert_eq!(kpi(&json, "volume_attainment_pct"), "95.63");
    // 2008-03 was submitted on 2008-04-12: 5 of 6 months on time.
    assert_eq!(kpi(&json, "data_on_time_pct"), "83.33");
    // H2 2007 was 13,500 cases: (15,300 − 13,500) ÷ 13,500.
    assert_eq!(kpi(&json, "volume_pop_pct"), "13.33");
    assert_eq!(json.get("version"), Some(&Json::Null));
    assert_eq!(json.get("kind"), Some(&Json::str("market")));
    assert_eq!(json.get("period"), Some(&Json::str("2008-H1")));
    let Some(Json::Array(brands)) = json.get("brands") else {
        panic!("brands")
    };
    assert_eq!(brands.len(), 2);
    let Some(Json::Array(skus)) = json.get("skus") else {
        panic!("skus")
    };
    assert_eq!(skus.len(), 5);
    let Some(Json::Array(series)) = json.get("series") else {
        panic!("series")
    };
    assert_eq!(series.len(), 6);
    assert!(text.contains(r#""brand":"hongyun","kpis":{"#), "{text}");

    // In English as the seed writes them; in 简体中文 (the default) in 万/亿.
    let md = render::to_markdown_in(&report, Lang::En);
    let cn = render::to_markdown(&report);
    assert!(
        cn.contains("| 1.53 万箱 |") && cn.contains("| 2.17 亿元 |"),
        "{cn}"
    );
    for s in [
        "15,300",
        "22.63 %",
        "+29.66 %",
        "¥217,000,000.00",
        "29.77 %",
        "+40.91 %",
    ] {
        assert!(md.contains(s), "markdown lacks {s}:\n{md}");
    }
    let html = render::to_html(&report);
    assert!(
        html.contains("<svg") && html.matches("<svg").count() == 3,
        "three charts"
    );
    assert!(html.contains("22.63 %"));
    let csv = render::to_csv(&report);
    assert!(
        csv.contains("partnership,hongyun-changzhi,volume_share_pct,22.63\n"),
        "{csv}"
    );
}

#[test]
fn rebuilds_are_byte_identical() {
    let a = folded();
    let b = folded();
    let restored = PartnershipModel::from_bytes(&a.to_bytes().unwrap()).unwrap();
    assert_eq!(restored, a);
    for kind in ReportKind::ALL {
        for format in [Format::Json, Format::Csv, Format::Markdown, Format::Html] {
            let x = render::render(&report::build(kind, &a, h1(), as_of()), format);
            let y = render::render(&report::build(kind, &b, h1(), as_of()), format);
            let z = render::render(&report::build(kind, &restored, h1(), as_of()), format);
            assert_eq!(x, y);
            assert_eq!(x, z);
        }
    }
}

#[test]
fn model_size_does_not_grow_with_repeated_submissions() {
    let mut model = folded();
    let size = model.to_bytes().unwrap().len();
    let mut b = CommitBuilder::new(changzhi::PARTNERSHIP.parse().unwrap());
    // Re-submitting every month as corrections over and over replaces, never appends.
    for round in 2..20 {
        for m in &changzhi::MONTHS {
            let InformationEvent::MarketDataSubmitted {
                month,
                lines,
                market,
                submitted_on,
                ..
            } = m.submission()
            else {
                unreachable!()
            };
            let correction = InformationEvent::MarketDataCorrected {
                month,
                revision: round,
                lines,
                market,
                submitted_on,
                reason: "re-sent".into(),
            };
            model.apply(&b.commit(
                Context::Information,
                AggregateId::compose("market", "x"),
                Side::Distributor,
                submitted_on,
                vec![correction.into()],
            ));
        }
    }
    let grown = model.to_bytes().unwrap().len();
    // Only revision and correction counters widen (varints); nothing is appended per event.
    assert!(grown < size + 2 * 18 * 2, "{size} → {grown}");
}

#[test]
fn a_correction_supersedes_and_the_next_issue_restates() {
    let mut model = PartnershipModel::new(changzhi::PARTNERSHIP.parse().unwrap());
    let commits = changzhi::commits();
    let mut b = CommitBuilder::new(changzhi::PARTNERSHIP.parse().unwrap());
    for c in &commits {
        model.apply(c);
    }
    // Version 1 is issued from data where 2008-02's first SKU line was 100 cases short.
    let feb = changzhi::MONTHS
        .iter()
        .find(|m| (m.year, m.month) == (2008, 2))
        .unwrap();
    let mut wrong = PartnershipModel::new(changzhi::PARTNERSHIP.parse().unwrap());
    for c in &commits {
        let mut c = c.clone();
        for e in &mut c.events {
            if let synergy_proto::Event::Information(InformationEvent::MarketDataSubmitted {
                month,
                lines,
                ..
            }) = &mut e.event
                && *month == feb.year_month()
            {
                lines[0].volume = lines[0]
                    .volume
                    .checked_sub(synergy_proto::Cases::from_whole(100).unwrap())
                    .unwrap();
            }
        }
        wrong.apply(&c);
    }
    let v1 = restate::issue(&wrong, &market_report(&wrong, h1(), as_of())).unwrap();
    let EvaluationEvent::ReportIssued {
        version,
        ref body,
        ref restatements,
        ..
    } = v1
    else {
        panic!()
    };
    assert_eq!(version, 1);
    assert!(restatements.is_empty());
    assert_eq!(kpi(&Json::parse(body).unwrap(), "volume_cases"), "15200");
    let issued = b.commit(
        Context::Evaluation,
        AggregateId::compose("report", "market-2008-H1"),
        Side::Manufacturer,
        as_of(),
        vec![v1.clone().into()],
    );
    wrong.apply(&issued);
    model.apply(&issued);

    // The correction arrives: revision 2 replaces the month as a whole.
    let correction = InformationEvent::MarketDataCorrected {
        month: feb.year_month(),
        revision: 2,
        lines: feb.sku_lines(),
        market: feb.market(),
        submitted_on: "2008-07-25".parse().unwrap(),
        reason: "hongyun-classic under-reported".into(),
    };
    wrong.apply(&b.commit(
        Context::Information,
        AggregateId::compose("market", "2008-02"),
        Side::Distributor,
        "2008-07-25".parse().unwrap(),
        vec![correction.into()],
    ));
    let live = market_report(&wrong, h1(), "2008-07-26".parse().unwrap());
    assert_eq!(
        kpi(&live.to_json(), "volume_cases"),
        "15300",
        "the corrected month counts once, not added to the wrong one"
    );
    // The correction came after the 10th but the month's first submission was on time.
    assert_eq!(kpi(&live.to_json(), "data_on_time_pct"), "83.33");
    let v2 = restate::issue(&wrong, &live).unwrap();
    let EvaluationEvent::ReportIssued {
        version,
        restatements,
        body,
        ..
    } = v2
    else {
        panic!()
    };
    assert_eq!(version, 2);
    assert_eq!(kpi(&Json::parse(&body).unwrap(), "volume_cases"), "15300");
    let vol = restatements
        .iter()
        .find(|r| r.key == "kpis.volume_cases")
        .unwrap();
    assert_eq!(
        (vol.previous.as_deref(), vol.current.as_deref()),
        (Some("15200"), Some("15300"))
    );
    assert!(
        restatements
            .iter()
            .any(|r| r.key == "skus[hongyun-classic].kpis.volume_cases")
    );
    assert!(
        restatements
            .iter()
            .any(|r| r.key == "series[2008-02].volume_cases")
    );
    assert!(
        !restatements
            .iter()
            .any(|r| r.key.starts_with("skus[yunyan-soft]")),
        "untouched SKUs are not restated"
    );
    assert!(
        !restatements
            .iter()
            .any(|r| r.key == "version" || r.key == "as_of")
    );
    // Version 1 stays readable in the model.
    assert_eq!(
        wrong
            .latest_issued(ReportKind::Market, h1())
            .unwrap()
            .version,
        1
    );
}

#[test]
fn review_pack_lists_exceptions_items_and_agenda() {
    let model = folded();
    let pack = review_pack(&model, h1(), "2008-08-05".parse().unwrap());
    let json = pack.to_json();
    let ids: Vec<String> = match json.get("exceptions") {
        Some(Json::Array(items)) => items
            .iter()
            .map(|e| match e.get("id") {
                Some(Json::String(s)) => s.clone(),
                _ => panic!(),
            })
            .collect(),
        other => panic!("{other:?}"),
    };
    assert!(ids.contains(&"data_late:2008-03".to_owned()), "{ids:?}");
    assert!(
        ids.contains(&"action_overdue:ai-2008-07-data".to_owned()),
        "{ids:?}"
    );
    assert!(
        !ids.iter().any(|i| i.starts_with("attainment_low")),
        "95.63 % is above 90 %: {ids:?}"
    );
    let Some(Json::Array(items)) = json.get("action_items") else {
        panic!()
    };
    assert_eq!(items.len(), 2);
    let Some(Json::Array(agenda)) = json.get("agenda") else {
        panic!()
    };
    // The seed's eight questions, each with its own figures.
    let topics: Vec<&Json> = agenda.iter().filter_map(|a| a.get("topic")).collect();
    let eight = [
        "why_won_or_lost",
        "needs_met",
        "next_target",
        "focus",
        "plan_unique",
        "pricing",
        "information_gathered",
        "information_shared",
    ];
    assert_eq!(topics, eight.map(Json::str).iter().collect::<Vec<_>>());
    let focus = agenda
        .iter()
        .find(|a| a.get("topic") == Some(&Json::str("focus")))
        .and_then(|a| a.get("data"))
        .and_then(|d| d.get("brands"));
    let Some(Json::Array(brands)) = focus else {
        panic!("focus lists brands: {focus:?}")
    };
    assert!(!brands.is_empty());
    // Largest brand first: its part of our volume is the largest.
    let parts: Vec<f64> = brands
        .iter()
        .filter_map(|b| match b.get("part_of_our_volume_pct") {
            Some(Json::Number(n)) => n.parse().ok(),
            _ => None,
        })
        .collect();
    assert_eq!(parts.len(), brands.len());
    assert!(parts.windows(2).all(|w| w[0] >= w[1]), "{parts:?}");
    let Some(Json::Array(recs)) = json.get("recommendations") else {
        panic!("the pack carries recommendations")
    };
    let rules: Vec<&Json> = recs.iter().filter_map(|r| r.get("rule")).collect();
    assert!(
        rules.contains(&&Json::str("data.late")),
        "March was sent after the 10th: {rules:?}"
    );
    let next = agenda
        .iter()
        .find(|a| a.get("topic") == Some(&Json::str("next_target")))
        .unwrap();
    assert_eq!(
        next.get("data")
            .and_then(|d| d.get("next_target_volume_cases")),
        Some(&Json::Number("17000".into()))
    );
    // The plan's 27 % share target for 2008-H2, planned: the market grew 8.16 % and we
    // grew 36.67 % over the last twelve months, so 2007-H2's 13,500 cases project to
    // 18,451.025 of a 71,170.46-case market, and 27 % of it is 19,216.024: 765 to find.
    let gap = next
        .get("data")
        .and_then(|d| d.get("share_gap"))
        .expect("the pack plans the next period's share target");
    assert_eq!(gap.get("period"), Some(&Json::str("2008-H2")));
    assert_eq!(
        gap.get("target_share_pct"),
        Some(&Json::Number("27.00".into()))
    );
    assert_eq!(
        gap.get("baseline_volume_cases"),
        Some(&Json::Number("18451.025".into()))
    );
    assert_eq!(gap.get("gap_cases"), Some(&Json::Number("764.999".into())));
    assert_eq!(kpi(&json, "actions_overdue"), "1");
    assert_eq!(
        kpi(&json, "meetings_held"),
        "0",
        "the review was held in July, outside H1"
    );
}

/// Changzhi's written analyses in the H1 pack of the review day: May's, then the second
/// quarter's at its revision with the reason, each as sent.
#[test]
fn the_h1_pack_shows_changzhis_analyses() {
    let pack = review_pack(&folded(), h1(), "2008-07-15".parse().unwrap()).to_json();
    let Some(Json::Array(shown)) = pack.get("distributor_analysis") else {
        panic!("the pack has the distributor's analysis")
    };
    let summary: Vec<(String, String, Option<String>)> = shown
        .iter()
        .map(|a| {
            let text = |k| match a.get(k) {
                Some(Json::String(s)) => Some(s.clone()),
                Some(Json::Number(n)) => Some(n.clone()),
                _ => None,
            };
            (
                text("period").unwrap(),
                text("revision").unwrap(),
                text("reason"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("2008-05".to_owned(), "1".to_owned(), None),
            (
                "2008-Q2".to_owned(),
                "2".to_owned(),
                Some(changzhi::ANALYSES[2].reason.unwrap().to_owned())
            ),
        ]
    );
    assert_eq!(
        shown[1].get("text"),
        Some(&Json::str(changzhi::ANALYSES[2].text))
    );
}
