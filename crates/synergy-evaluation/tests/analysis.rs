//! The distributor's written analysis in the review pack: which analyses a month, a quarter
//! and a half show, in what order and at which revision, and how the Markdown and HTML
//! renderings show text the distributor controls.

mod common;

use common::*;
use synergy_evaluation::json::Json;
use synergy_evaluation::locale::Lang;
use synergy_evaluation::render;
use synergy_evaluation::{PartnershipModel, issue, review_pack};
use synergy_proto::Context;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::events::{EvaluationEvent, InformationEvent};

fn analysed(
    w: &mut World,
    period: &str,
    revision: u32,
    text: &str,
    on: &str,
    reason: Option<&str>,
) {
    w.ev(
        Context::Information,
        on,
        InformationEvent::AnalysisSubmitted {
            period: p(period),
            revision,
            text: text.to_owned(),
            submitted_on: d(on),
            reason: reason.map(str::to_owned),
        }
        .into(),
    );
}

/// April, May and June analysed, Q1 and Q2 too (Q2 revised once), and July.
fn world() -> World {
    let mut w = World::signed("2007-12-18");
    analysed(&mut w, "2008-Q2", 1, "Q2 first", "2008-07-08", None);
    analysed(&mut w, "2008-06", 1, "June", "2008-07-03", None);
    analysed(&mut w, "2008-04", 1, "April", "2008-05-06", None);
    analysed(&mut w, "2008-Q1", 1, "Q1", "2008-04-10", None);
    analysed(&mut w, "2008-05", 1, "May", "2008-06-05", None);
    analysed(
        &mut w,
        "2008-Q2",
        2,
        "Q2 revised",
        "2008-07-14",
        Some("price checks"),
    );
    analysed(&mut w, "2008-07", 1, "July", "2008-08-04", None);
    w
}

/// The pack's `distributor_analysis` as (period, revision, submitted_on, reason, text).
fn shown(model: &PartnershipModel, period: &str, as_of: &str) -> Vec<[String; 5]> {
    let json = review_pack(model, p(period), d(as_of)).to_json();
    let Some(Json::Array(items)) = json.get("distributor_analysis") else {
        panic!(
            "the pack has a distributor_analysis section: {}",
            json.to_text()
        )
    };
    items
        .iter()
        .map(|a| {
            let member = |k: &str| match a.get(k) {
                Some(Json::String(s)) => s.clone(),
                Some(Json::Number(n)) => n.clone(),
                Some(Json::Null) => "null".to_owned(),
                other => panic!("{k}: {other:?}"),
            };
            [
                member("period"),
                member("revision"),
                member("submitted_on"),
                member("reason"),
                member("text"),
            ]
        })
        .collect()
}

fn row(period: &str, revision: &str, on: &str, reason: &str, text: &str) -> [String; 5] {
    [period, revision, on, reason, text].map(str::to_owned)
}

#[test]
fn a_months_pack_shows_the_months_own_analysis() {
    let w = world();
    assert_eq!(
        shown(&w.model, "2008-06", "2008-07-20"),
        [row("2008-06", "1", "2008-07-03", "null", "June")]
    );
    assert_eq!(
        shown(&w.model, "2008-03", "2008-07-20"),
        Vec::<[String; 5]>::new()
    );
}

#[test]
fn a_quarters_pack_shows_the_quarters_own_analysis_at_the_revision_in_force() {
    let w = world();
    assert_eq!(
        shown(&w.model, "2008-Q2", "2008-07-20"),
        [row(
            "2008-Q2",
            "2",
            "2008-07-14",
            "price checks",
            "Q2 revised"
        )]
    );
}

#[test]
fn a_halfs_pack_shows_its_months_and_quarters_each_month_before_its_quarter() {
    let w = world();
    let h1: Vec<(String, String)> = shown(&w.model, "2008-H1", "2008-07-20")
        .into_iter()
        .map(|[period, revision, ..]| (period, revision))
        .collect();
    let expected = [
        ("2008-Q1", "1"),
        ("2008-04", "1"),
        ("2008-05", "1"),
        ("2008-06", "1"),
        ("2008-Q2", "2"),
    ]
    .map(|(a, b)| (a.to_owned(), b.to_owned()));
    assert_eq!(h1, expected, "July lies outside H1");
    assert_eq!(
        shown(&w.model, "2008", "2008-08-20").len(),
        6,
        "and July in 2008"
    );
}

#[test]
fn an_analysis_first_sent_after_as_of_is_not_known_yet() {
    let w = world();
    let periods = |as_of| -> Vec<String> {
        shown(&w.model, "2008-H1", as_of)
            .into_iter()
            .map(|[period, ..]| period)
            .collect()
    };
    // On 2008-07-05 the June analysis was in, the Q2 one not yet.
    assert_eq!(
        periods("2008-07-05"),
        ["2008-Q1", "2008-04", "2008-05", "2008-06"]
    );
    // Once known, the pack shows the revision in force, as with corrected market data.
    assert_eq!(shown(&w.model, "2008-Q2", "2008-07-10")[0][1], "2");
}

#[test]
fn an_older_revision_arriving_late_does_not_replace_the_one_in_force() {
    let mut w = world();
    analysed(&mut w, "2008-Q2", 1, "Q2 first", "2008-07-08", None);
    let q2 = &w.model.analyses[&p("2008-Q2")];
    assert_eq!((q2.revision, q2.text.as_str()), (2, "Q2 revised"));
    assert_eq!(q2.first_submitted_on, d("2008-07-08"));
    assert_eq!(q2.revisions, 2);
    let bytes = w.model.to_bytes().unwrap();
    assert_eq!(PartnershipModel::from_bytes(&bytes).unwrap(), w.model);
}

#[test]
fn a_revision_after_an_issue_is_restated_by_period() {
    let mut w = world();
    let as_of = d("2008-07-20");
    let v1 = issue(&w.model, &review_pack(&w.model, p("2008-Q2"), as_of)).unwrap();
    w.ev(Context::Evaluation, "2008-07-20", v1.into());
    analysed(&mut w, "2008-Q2", 3, "Q2 third", "2008-07-21", Some("typo"));
    let EvaluationEvent::ReportIssued { restatements, .. } = issue(
        &w.model,
        &review_pack(&w.model, p("2008-Q2"), d("2008-07-22")),
    )
    .unwrap() else {
        panic!("an issue")
    };
    let keys: Vec<(&str, Option<&str>, Option<&str>)> = restatements
        .iter()
        .filter(|r| r.key.starts_with("distributor_analysis"))
        .map(|r| (r.key.as_str(), r.previous.as_deref(), r.current.as_deref()))
        .collect();
    assert_eq!(
        keys,
        [
            (
                "distributor_analysis[2008-Q2].reason",
                Some("price checks"),
                Some("typo")
            ),
            (
                "distributor_analysis[2008-Q2].revision",
                Some("2"),
                Some("3")
            ),
            (
                "distributor_analysis[2008-Q2].submitted_on",
                Some("2008-07-14"),
                Some("2008-07-21")
            ),
            (
                "distributor_analysis[2008-Q2].text",
                Some("Q2 revised"),
                Some("Q2 third")
            ),
        ]
    );
    assert!(
        matches!(w.model.latest_issued(ReportKind::Review, p("2008-Q2")), Some(v) if v.version == 1)
    );
}

#[test]
fn markdown_quotes_the_text_under_a_heading_per_analysis() {
    let mut w = World::signed("2007-12-18");
    analysed(
        &mut w,
        "2008-06",
        1,
        "## 六月\n\n- 紅雲(軟) 動銷良好",
        "2008-07-03",
        None,
    );
    analysed(
        &mut w,
        "2008-06",
        2,
        "## 六月（修訂）\n\n| a | b |",
        "2008-07-04",
        Some("補充\n價格 | 檢查"),
    );
    let md = render::to_markdown_in(
        &review_pack(&w.model, p("2008-06"), d("2008-07-20")),
        Lang::En,
    );
    let section = md
        .split("## Distributor's analysis\n\n")
        .nth(1)
        .expect("the section is rendered");
    assert!(
        section.starts_with(
            "### 2008-06 · revision 2 · submitted 2008-07-04\n\n\
             Revised: 補充 價格 \\| 檢查\n\n\
             > ## 六月（修訂）\n>\n> | a | b |\n"
        ),
        "{section}"
    );
    let empty = render::to_markdown_in(
        &review_pack(&w.model, p("2008-05"), d("2008-07-20")),
        Lang::En,
    );
    assert!(
        empty.contains("## Distributor's analysis\n\n(none)\n"),
        "{empty}"
    );
}

/// The text is the distributor's: script tags, markup that would close the section, a
/// quote in the reason and a line of 20,000 characters without a break are shown as text,
/// and the page stays without scripts.
#[test]
fn html_shows_hostile_markdown_as_escaped_text() {
    let mut w = World::signed("2007-12-18");
    let huge = "長".repeat(20_000);
    let text = format!(
        "<script>alert('x')</script>\n</div></section><img src=x onerror=alert(1)>\n\
         [link](javascript:alert(1)) & <b>bold</b>\n{huge}"
    );
    analysed(&mut w, "2008-06", 1, "初稿", "2008-07-03", None);
    analysed(
        &mut w,
        "2008-06",
        2,
        &text,
        "2008-07-04",
        Some("\"><script>alert(2)</script>"),
    );
    let html = render::to_html_in(
        &review_pack(&w.model, p("2008-06"), d("2008-07-20")),
        Lang::En,
    );
    assert!(!html.contains("<script"), "no script reaches the page");
    assert!(
        !html.contains("<img"),
        "no element of the text reaches the page"
    );
    assert!(!html.contains("<b>bold"), "{html}");
    let section = html
        .split("<section class=\"analysis\" id=\"analysis-2008-06\">")
        .nth(1)
        .expect("the analysis has its section");
    assert!(
        section.starts_with(
            "<h3>2008-06 · revision 2 · submitted 2008-07-04</h3>\
             <p>Revised: &quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;</p>\
             <div class=\"md\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\n\
             &lt;/div&gt;&lt;/section&gt;&lt;img src=x onerror=alert(1)&gt;\n\
             [link](javascript:alert(1)) &amp; &lt;b&gt;bold&lt;/b&gt;\n"
        ),
        "{}",
        &section[..400]
    );
    assert!(section.contains(&format!("{huge}</div></section>")));
    // Its line breaks are kept and the long line wraps inside the page.
    assert!(
        html.contains(".md{white-space:pre-wrap;overflow-wrap:anywhere;"),
        "{}",
        &html[..600]
    );
    // Exactly one section opens and closes: the text closed none of the page's own.
    assert_eq!(html.matches("<section").count(), 1);
    assert_eq!(html.matches("</section>").count(), 1);
}

#[test]
fn csv_carries_the_text_as_one_quoted_field() {
    let mut w = World::signed("2007-12-18");
    analysed(&mut w, "2008-06", 1, "a, \"b\"\nc", "2008-07-03", None);
    let csv = render::to_csv(&review_pack(&w.model, p("2008-06"), d("2008-07-20")));
    assert!(
        csv.contains(
            "distributor_analysis,,distributor_analysis[2008-06].text,\"a, \"\"b\"\"\nc\"\n"
        ),
        "{csv}"
    );
}
