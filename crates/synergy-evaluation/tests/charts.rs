//! The html report's charts, read back from the SVG they are: legible for a partnership
//! with twenty brands, one colour per brand, an axis around the share, the year before.

mod common;

use std::collections::BTreeMap;

use common::{BRANDS, d, many_brands, p};
use synergy_evaluation::chart::{self, Labels, TOP_BRANDS, text_width};
use synergy_evaluation::json::Json;
use synergy_evaluation::kpi::{Scope, market_kpis};
use synergy_evaluation::locale::{Lang, Texts};
use synergy_evaluation::{PartnershipModel, Report, build};

/// One `<text>` of an SVG as plotters writes it, with the box it takes on screen.
#[derive(Debug)]
struct Label {
    text: String,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[at..].find('"')?;
    Some(tag[at..at + len].to_owned())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Every text of `svg` with its box: the width as the charts estimate it, the height an
/// em, placed by its anchor and its `dy` (top, middle or bottom).
fn labels(svg: &str) -> Vec<Label> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text ") {
        let tag_end = start + rest[start..].find('>').unwrap();
        let tag = &rest[start..tag_end];
        let close = tag_end + rest[tag_end..].find("</text>").unwrap();
        let text = unescape(rest[tag_end + 1..close].trim());
        let num = |n: &str| attr(tag, n).unwrap().parse::<f64>().unwrap();
        let (x, y, size) = (num("x"), num("y"), num("font-size"));
        assert!(attr(tag, "transform").is_none(), "no rotated text: {tag}");
        let w = f64::from(text_width(&text, size));
        let (x0, x1) = match attr(tag, "text-anchor").as_deref() {
            Some("end") => (x - w, x),
            Some("middle") => (x - w / 2.0, x + w / 2.0),
            _ => (x, x + w),
        };
        let (y0, y1) = match attr(tag, "dy").as_deref() {
            Some("0.76em") => (y, y + size),
            Some("-0.5ex") => (y - size, y),
            _ => (y - size / 2.0, y + size / 2.0),
        };
        out.push(Label {
            text,
            x0,
            x1,
            y0,
            y1,
        });
        rest = &rest[close..];
    }
    out
}

fn width(svg: &str) -> f64 {
    attr(&svg[..svg.find('>').unwrap()], "width")
        .unwrap()
        .parse()
        .unwrap()
}

fn assert_legible(svg: &str) {
    let all = labels(svg);
    assert!(!all.is_empty());
    let w = width(svg);
    for (i, a) in all.iter().enumerate() {
        assert!(
            a.x0 >= 0.0 && a.x1 <= w,
            "{:?} runs off the chart ({w} wide)",
            a.text
        );
        for b in &all[i + 1..] {
            let apart = a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0;
            assert!(apart, "{a:?} overprints {b:?}");
        }
    }
}

/// The mix chart's legend: each brand (or the others) with the fill of its swatch, read
/// as the rectangle drawn just before each entry's text.
fn legend(svg: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut fill = None;
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = start + rest[start..].find('>').unwrap();
        let tag = &rest[start..end];
        if tag.starts_with("<rect") {
            fill = attr(tag, "fill");
        } else if tag.starts_with("<text") {
            let close = end + rest[end..].find("</text>").unwrap();
            let text = unescape(rest[end + 1..close].trim());
            if let (Some((name, _)), Some(f)) = (text.rsplit_once(' '), fill.take())
                && text.ends_with(" %")
            {
                let name = name.rsplit_once(' ').map_or(name, |(n, _)| n);
                out.push((name.to_owned(), f));
            }
        }
        rest = &rest[end..];
    }
    out
}

fn english() -> Labels {
    Labels::of(&Texts::new(Lang::En))
}

fn twenty() -> PartnershipModel {
    many_brands(&BRANDS).model
}

fn report(model: &PartnershipModel, kind: &str, period: &str) -> Report {
    build(kind.parse().unwrap(), model, p(period), d("2008-08-05"))
}

#[test]
fn a_twenty_brand_partnerships_charts_are_legible() {
    let charts = chart::charts(&report(&twenty(), "market", "2008-H1"), &english());
    assert_eq!(charts.len(), 3, "share trend, volume vs target, mix");
    for svg in &charts {
        assert_legible(svg);
    }
    let mix = legend(&charts[2]);
    assert_eq!(mix.len(), TOP_BRANDS + 1, "{mix:?}");
    assert_eq!(mix[0].0, "hongyun", "the largest first");
    assert_eq!(mix[TOP_BRANDS].0, "others (12)");
    let mut fills: Vec<&String> = mix.iter().map(|(_, f)| f).collect();
    fills.sort();
    fills.dedup();
    assert_eq!(fills.len(), TOP_BRANDS + 1, "a colour each: {mix:?}");
    // The volume chart names the same eight brands and the others, once each.
    let names: Vec<String> = labels(&charts[1]).into_iter().map(|l| l.text).collect();
    for (brand, _) in &mix {
        assert_eq!(
            names.iter().filter(|n| *n == brand).count(),
            1,
            "{brand}: {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n == BRANDS[8]),
        "the ninth is among the others"
    );
}

#[test]
fn every_report_and_period_draws_legible_charts() {
    let model = twenty();
    for kind in ["market", "brand", "review"] {
        for period in ["2008-03", "2008-Q2", "2008-H1", "2007"] {
            let charts = chart::charts(&report(&model, kind, period), &english());
            assert_eq!(charts.len(), 3, "{kind} {period}");
            for svg in &charts {
                assert_legible(svg);
            }
        }
    }
}

#[test]
fn a_brand_has_one_colour_in_every_report_and_period() {
    let model = twenty();
    let colours = |kind: &str, period: &str| -> BTreeMap<String, String> {
        let r = report(&model, kind, period);
        legend(&chart::charts(&r, &english())[2])
            .into_iter()
            .collect()
    };
    let h1 = colours("market", "2008-H1");
    for other in [
        colours("market", "2007"),
        colours("brand", "2008-Q2"),
        colours("review", "2008-03"),
    ] {
        assert_eq!(other, h1);
    }
}

/// The y-axis ticks of the share chart, in percent.
fn share_ticks(svg: &str) -> Vec<f64> {
    labels(svg)
        .into_iter()
        .filter_map(|l| l.text.strip_suffix(" %")?.parse().ok())
        .collect()
}

#[test]
fn the_share_axis_runs_around_the_data_with_the_year_before_beside_it() {
    let model = twenty();
    let r = report(&model, "market", "2008-H1");
    let svg = &chart::charts(&r, &english())[0];
    let ticks = share_ticks(svg);
    assert!((4..=8).contains(&ticks.len()), "{ticks:?}");
    let shares: Vec<f64> = [&r.series, &r.series_prior_year]
        .into_iter()
        .flatten()
        .map(|p| {
            p.values
                .get("volume_share_pct")
                .unwrap()
                .plain()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    let (lo, hi) = shares
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), s| (a.min(*s), b.max(*s)));
    assert!(
        ticks[0] <= lo && ticks[ticks.len() - 1] >= hi,
        "{ticks:?} around {lo}..{hi}"
    );
    assert!(ticks[0] > 20.0, "not from zero: {ticks:?}");
    assert!(svg.contains("2007-H1 year before"), "{svg}");
    // Without a year before, no such line: 2007-H1 has none.
    let first = chart::charts(&report(&model, "market", "2007-H1"), &english());
    assert!(!first[0].contains("year before"));
}

#[test]
fn the_report_carries_the_same_months_a_year_before() {
    let model = twenty();
    let r = report(&model, "market", "2008-H1");
    let json = Json::parse(&synergy_evaluation::render::to_json(&r)).unwrap();
    let Some(Json::Array(before)) = json.get("series_prior_year") else {
        panic!("series_prior_year")
    };
    assert_eq!(before.len(), 6);
    let month = synergy_proto::Period::Month(common::ym("2007-03"));
    let exact = market_kpis(&model, Scope::Partnership, month, d("2008-08-05"));
    let third = &before[2];
    assert_eq!(third.get("month"), Some(&Json::str("2007-03")));
    for key in ["volume_cases", "volume_share_pct"] {
        assert_eq!(
            third.get(key),
            Some(&Json::Number(exact.get(key).unwrap().plain().unwrap())),
            "{key}"
        );
    }
    let scorecard = report(&model, "scorecard", "2008-H1");
    assert!(scorecard.series_prior_year.is_empty());
    // A version issued before reports carried the year before reads back without it.
    let Json::Object(members) = json else {
        panic!("an object")
    };
    let older = Json::Object(
        members
            .into_iter()
            .filter(|(k, _)| k != "series_prior_year")
            .collect(),
    );
    let back = Report::from_json(&older).expect("an older body reads back");
    assert!(back.series_prior_year.is_empty());
    assert_eq!(back.series, r.series);
}

#[test]
fn labels_come_in_the_pages_language() {
    let model = twenty();
    let r = report(&model, "market", "2008-H1");
    let zh = chart::charts(&r, &Labels::of(&Texts::new(Lang::ZhCn)));
    for (svg, title) in zh
        .iter()
        .zip(["销量占有率走势 (%)", "销量与目标 (箱)", "品牌销量结构"])
    {
        assert!(svg.contains(&format!("<title>{title}</title>")), "{svg}");
        for english in [
            "Volume",
            "volume",
            "target",
            "others",
            "year before",
            "Brand mix",
        ] {
            assert!(!svg.contains(english), "{english} in {svg}");
        }
        assert_legible(svg);
    }
    assert!(zh[0].contains("2007-H1 上年同期"));
    assert_eq!(legend(&zh[2])[TOP_BRANDS].0, "其他 (12)");
    // The page in a language draws its charts in it.
    let page = synergy_evaluation::render::to_html_in(&r, Lang::ZhTw);
    assert!(page.contains("<title>銷量佔有率走勢 (%)</title>"));
    assert!(page.contains("\n其他 (12) 51.46 %\n"), "{page}");
}
