//! The demo's golden figures, reached by folding commands through the real command path,
//! and reports that are byte-identical after a rebuild of the read models from position 0.

use synergy_evaluation::json::Json;
use synergy_evaluation::render::Format;
use synergy_proto::events::evaluation::ReportKind;
use synergy_runtime::projection;
use synergy_runtime::{Api, ReportRequest};

fn request(kind: ReportKind, period: &str, format: Format) -> ReportRequest {
    ReportRequest {
        partnership: "hongyun-changzhi".parse().unwrap(),
        period: period.parse().unwrap(),
        kind,
        format,
        as_of: "2008-07-15".parse().unwrap(),
        after: None,
    }
}

fn number(json: &Json, key: &str) -> String {
    match json.get("kpis").and_then(|k| k.get(key)) {
        Some(Json::Number(text)) => text.clone(),
        other => panic!("kpis.{key} is {other:?}"),
    }
}

#[tokio::test]
async fn the_demo_folds_to_the_seed_figures() {
    let dir = tempfile::tempdir().unwrap();
    let (api, _clock) = synergy::demo::prepare(dir.path()).await.unwrap();
    let text = api
        .report(request(ReportKind::Market, "2008-H1", Format::Json))
        .await
        .unwrap();
    let json = Json::parse(&text).unwrap();
    assert_eq!(number(&json, "volume_cases"), "15300");
    assert_eq!(number(&json, "volume_share_pct"), "22.63");
    assert_eq!(number(&json, "volume_yoy_pct"), "29.66");
    assert_eq!(number(&json, "revenue_yuan"), "217000000.00");
    assert_eq!(number(&json, "revenue_share_pct"), "29.77");
    assert_eq!(number(&json, "revenue_yoy_pct"), "40.91");
    assert_eq!(number(&json, "market_volume_cases"), "67610");
    assert_eq!(number(&json, "market_revenue_yuan"), "728900000.00");

    // The same period a year earlier comes from the 2007 back-fill.
    let h1_2007 = Json::parse(
        &api.report(request(ReportKind::Market, "2007-H1", Format::Json))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(number(&h1_2007, "volume_cases"), "11800");
    assert_eq!(number(&h1_2007, "revenue_yuan"), "154000000.00");
}

#[tokio::test]
async fn a_rebuild_from_zero_renders_byte_identical_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (api, _clock) = synergy::demo::prepare(dir.path()).await.unwrap();
    let mut requests = Vec::new();
    for kind in ReportKind::ALL {
        for period in ["2008-H1", "2008-Q2", "2008-06", "2008", "2007-H2"] {
            for format in [Format::Json, Format::Csv, Format::Markdown, Format::Html] {
                requests.push(request(kind, period, format));
            }
        }
    }
    let mut before = Vec::new();
    for r in &requests {
        before.push(api.report(r.clone()).await.unwrap());
    }
    api.views().reset().unwrap();
    assert_eq!(api.views().position().get(), 0);
    projection::catch_up(&**api.log(), api.views())
        .await
        .unwrap();
    for (r, expected) in requests.iter().zip(&before) {
        let after = api.report(r.clone()).await.unwrap();
        assert!(
            after == *expected,
            "{:?} {} {:?} differs after a rebuild",
            r.kind,
            r.period,
            r.format
        );
    }
}
