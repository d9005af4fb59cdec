//! The OpenAPI schemas of evaluation's answers (`synergy_evaluation::schema`) describe the
//! answers as written: every report of the Changzhi case, in every kind and period length,
//! finished and in progress, issued with months missing, and the planner's and value
//! realised's answers read back into them. Each schema object refuses a member it does not
//! declare and a required member missing, so a member added to an answer without its
//! schema fails here.

mod common;

use common::{World, changzhi_folded, d, p, ym};
use synergy_changzhi::CommitBuilder;
use synergy_evaluation::schema::{PlanGapJson, ReportJson, ValueRealisedJson};
use synergy_evaluation::{PartnershipModel, planner, render, report, schedule, value};
use synergy_proto::events::brand::Score;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::events::{BrandEvent, MarketingEvent};
use synergy_proto::{Cases, Context, Date, Period};

/// The Changzhi case, with what it lacks for every member to show: a campaign that
/// promised an uplift and one that did not, and a brand evaluation.
fn folded() -> PartnershipModel {
    let mut w = World {
        model: changzhi_folded(),
        b: CommitBuilder::new(synergy_changzhi::PARTNERSHIP.parse().unwrap()),
    };
    for (id, promised) in [("spring", true), ("autumn", false)] {
        w.ev(
            Context::Marketing,
            "2008-02-01",
            MarketingEvent::CampaignPlanned {
                campaign: id.parse().unwrap(),
                title: format!("{id} push"),
                brand: "hongyun".parse().unwrap(),
                skus: vec!["hongyun-hard".parse().unwrap()],
                starts_on: d("2008-03-01"),
                ends_on: d("2008-05-31"),
                activity_plan: "displays".into(),
            }
            .into(),
        );
        if promised {
            w.ev(
                Context::Marketing,
                "2008-02-02",
                MarketingEvent::UpliftPromised {
                    campaign: id.parse().unwrap(),
                    skus: vec!["hongyun-hard".parse().unwrap()],
                    first_month: ym("2008-03"),
                    last_month: ym("2008-05"),
                    uplift: Cases::parse("300").unwrap(),
                    reason: None,
                }
                .into(),
            );
        }
    }
    w.ev(
        Context::Brand,
        "2008-07-05",
        BrandEvent::BrandEvaluated {
            brand: "hongyun".parse().unwrap(),
            period: p("2008-H1"),
            overall: 82,
            scores: vec![Score {
                criterion: "reach".into(),
                score: 80,
            }],
            comment: "growing".into(),
        }
        .into(),
    );
    w.model
}

fn has<T>(section: Option<&[T]>) -> bool {
    section.is_some_and(|s| !s.is_empty())
}

fn read<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{what}: {e}\n{json}"))
}

/// Every period length over the case's two years, with the day each is judged on: after
/// its end, and in its middle.
fn periods() -> Vec<(Period, Date)> {
    let mut out = Vec::new();
    for text in [
        "2006-07", "2007-01", "2008-06", "2007-Q1", "2008-Q2", "2007-H2", "2008-H1", "2007", "2008",
    ] {
        let period = p(text);
        out.push((period, d("2008-07-20")));
        out.push((period, d("2008-03-15")));
    }
    out
}

#[test]
fn every_report_of_the_case_reads_back_into_the_report_schema() {
    let model = folded();
    let mut read_back = 0;
    // value realised, a brand evaluation, recommendations, exceptions, the agenda and
    // campaign effects: each must be read back at least once.
    let mut shown = [false; 6];
    for kind in ReportKind::ALL {
        for (period, as_of) in periods() {
            let what = format!("{} {period} as of {as_of}", kind.as_str());
            let live = render::to_json(&report::build(kind, &model, period, as_of));
            let r: ReportJson = read(&what, &live);
            assert_eq!(r.period, period, "{what}");
            shown[0] |= has(r.value_realised.as_deref());
            shown[1] |= r.brands.iter().any(|b| b.evaluation.is_some());
            shown[2] |= has(r.recommendations.as_deref());
            shown[3] |= has(r.exceptions.as_deref());
            shown[4] |= has(r.agenda.as_deref());
            shown[5] |= r
                .brands
                .iter()
                .any(|b| b.campaigns.as_ref().is_some_and(|c| !c.is_empty()));
            let issued = render::to_json(&schedule::issuable(&model, kind, period, as_of));
            read::<ReportJson>(&format!("{what}, issuable"), &issued);
            read_back += 2;
        }
    }
    assert_eq!(read_back, 4 * 18 * 2);
    assert_eq!(shown, [true; 6], "sections never shown");
}

#[test]
fn a_report_member_the_schema_does_not_declare_is_refused() {
    let model = folded();
    let json = render::to_json(&report::build(
        ReportKind::Market,
        &model,
        p("2008-Q2"),
        d("2008-07-20"),
    ));
    let extra = json.replacen('{', "{\"surprise\":1,", 1);
    assert!(serde_json::from_str::<ReportJson>(&extra).is_err());
    let missing = json.replacen("\"partial\"", "\"partial_\"", 1);
    assert!(serde_json::from_str::<ReportJson>(&missing).is_err());
}

#[test]
fn the_planner_and_value_realised_read_back_into_their_schemas() {
    let model = folded();
    let partnership = model.partnership.as_str().to_owned();
    let gap = planner::share_gap(&model, p("2008-H2"), 2_700).expect("the case plans 2008-H2");
    let json = gap.to_json(&partnership).to_text();
    let plan: PlanGapJson = read("plan-gap 2008-H2", &json);
    assert!(!plan.skus.is_empty());
    let mut campaigns = 0;
    for id in model.campaigns.keys() {
        for as_of in [d("2008-03-15"), d("2008-07-20")] {
            let v = value::value_realised(&model, id, as_of).expect("a campaign of the case");
            read::<ValueRealisedJson>(
                &format!("value realised {id}"),
                &v.read_json(&partnership, as_of).to_text(),
            );
        }
        campaigns += 1;
    }
    assert_eq!(campaigns, 2);
}
