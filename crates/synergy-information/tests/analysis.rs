//! The distributor's analysis of a month or quarter (月度、季度分析報告): who writes it, for
//! which periods, what text it takes, and how a revision supersedes it.

mod common;

use common::*;
use synergy_domain::testing::given;
use synergy_domain::{BoundedContext, ErrorKind};
use synergy_information::analysis::{MAX_REASON_CHARS, MAX_TEXT_BYTES, MAX_TEXT_CHARS};
use synergy_information::{
    Answer, Command, Information, Query, SubmitAnalysis, answer, fold_analyses,
};
use synergy_proto::{Event, Period, events::InformationEvent};

const TEXT: &str = "## 六月市場\n\n紅雲(軟) 動銷良好，終端價格穩定。";

fn period(s: &str) -> Period {
    s.parse().unwrap()
}

fn submit_analysis(p: &str, text: &str, reason: Option<&str>) -> Command {
    Command::SubmitAnalysis(SubmitAnalysis {
        partnership: pid(),
        period: period(p),
        text: text.to_owned(),
        reason: reason.map(str::to_owned),
    })
}

fn analysed(p: &str, revision: u32, text: &str, on: &str, reason: Option<&str>) -> Event {
    ev(InformationEvent::AnalysisSubmitted {
        period: period(p),
        revision,
        text: text.to_owned(),
        submitted_on: date(on),
        reason: reason.map(str::to_owned),
    })
}

/// June's analysis as first submitted on 3 July.
fn june() -> Vec<Event> {
    vec![analysed("2008-06", 1, TEXT, "2008-07-03", None)]
}

#[test]
fn the_distributor_submits_the_analysis_of_a_month_or_a_quarter() {
    given([], dist())
        .when::<Information>(submit_analysis("2008-06", TEXT, None))
        .then([analysed("2008-06", 1, TEXT, "2008-07-05", None)]);
    given([], dist())
        .when::<Information>(submit_analysis("2008-Q2", TEXT, None))
        .then([analysed("2008-Q2", 1, TEXT, "2008-07-05", None)]);
}

#[test]
fn only_the_distributor_writes_it() {
    given([], manu())
        .when::<Information>(submit_analysis("2008-06", TEXT, None))
        .refused_as("analysis.distributor_only", ErrorKind::Forbidden);
    given([], ctx(outsider(), "2008-07-05"))
        .when::<Information>(submit_analysis("2008-06", TEXT, None))
        .refused("partnership.parties_only");
    given([], ctx(admin_for("changzhi"), "2008-07-05"))
        .when::<Information>(submit_analysis("2008-06", TEXT, None))
        .accepted();
    let mut c = dist();
    c.partnership = Some(partnership(true));
    given([], c)
        .when::<Information>(submit_analysis("2008-06", TEXT, None))
        .refused("partnership.terminated_accepts_nothing");
}

#[test]
fn a_half_or_a_year_is_refused_naming_the_period() {
    for p in ["2008-H1", "2008"] {
        let e = given([], dist())
            .when::<Information>(submit_analysis(p, TEXT, None))
            .refused_at("analysis.month_or_quarter", ErrorKind::Invalid, "period")
            .clone();
        assert!(e.message.contains(p), "{e}");
    }
}

#[test]
fn the_period_must_have_started_on_the_partnerships_calendar() {
    // 2008-07-05: July and Q3 have started (their analysis may be written as they go);
    // August and Q4 have not.
    for p in ["2008-07", "2008-Q3"] {
        given([], dist())
            .when::<Information>(submit_analysis(p, TEXT, None))
            .accepted();
    }
    for p in ["2008-08", "2008-Q4"] {
        given([], dist())
            .when::<Information>(submit_analysis(p, TEXT, None))
            .refused_at("analysis.period_started", ErrorKind::Invalid, "period");
    }
    // 23:30 UTC on 31 July is already 1 August in Beijing: August has started.
    let mut late = dist();
    late.now = synergy_proto::Timestamp::from_millis(
        date("2008-07-31").start().millis() + (23 * 60 + 30) * 60_000,
    );
    given([], late)
        .when::<Information>(submit_analysis("2008-08", TEXT, None))
        .accepted();
}

#[test]
fn the_text_is_required_bounded_and_free_of_control_characters() {
    for blank in ["", "   ", "\n\r\n\t "] {
        given([], dist())
            .when::<Information>(submit_analysis("2008-06", blank, None))
            .refused_at("analysis.text_required", ErrorKind::Invalid, "text");
    }
    let longest = "析".repeat(MAX_TEXT_CHARS);
    given([], dist())
        .when::<Information>(submit_analysis("2008-06", &longest, None))
        .accepted();
    let e = given([], dist())
        .when::<Information>(submit_analysis("2008-06", &format!("{longest}。"), None))
        .refused_at("analysis.text_too_long", ErrorKind::Invalid, "text")
        .clone();
    assert!(e.message.contains("20001"), "{e}");
    let e = given([], dist())
        .when::<Information>(submit_analysis("2008-06", "第一行\n第二\u{0}行", None))
        .refused_at("analysis.no_control_characters", ErrorKind::Invalid, "text")
        .clone();
    assert!(e.message.contains("U+0000 on line 2"), "{e}");
    // Tabs and line ends are text, not control characters.
    given([], dist())
        .when::<Information>(submit_analysis("2008-06", "| a\t| b |\n|---|---|", None))
        .accepted();
    // The file bound of a front end holds the longest text in any UTF-8.
    assert!(MAX_TEXT_BYTES >= "𠀀".repeat(MAX_TEXT_CHARS).len());
}

#[test]
fn line_ends_and_trailing_space_are_not_part_of_the_text() {
    given([], dist())
        .when::<Information>(submit_analysis(
            "2008-06",
            "## 六月\r\n\r\n動銷良好\r\n\n  ",
            None,
        ))
        .then([analysed(
            "2008-06",
            1,
            "## 六月\n\n動銷良好",
            "2008-07-05",
            None,
        )]);
    // The same text from an editor that ends lines with CR LF changes nothing.
    given(june(), dist())
        .when::<Information>(submit_analysis(
            "2008-06",
            &format!("{}\r\n", TEXT.replace('\n', "\r\n")),
            None,
        ))
        .then_nothing();
}

#[test]
fn the_first_submission_has_no_reason() {
    given([], dist())
        .when::<Information>(submit_analysis("2008-06", TEXT, Some("first draft")))
        .refused_at(
            "analysis.reason_only_for_revision",
            ErrorKind::Invalid,
            "reason",
        );
}

#[test]
fn an_identical_resubmission_is_a_no_op_with_or_without_a_reason() {
    given(june(), dist())
        .when::<Information>(submit_analysis("2008-06", TEXT, None))
        .then_nothing();
    given(june(), dist())
        .when::<Information>(submit_analysis("2008-06", TEXT, Some("again")))
        .then_nothing();
}

#[test]
fn a_different_text_is_a_revision_that_needs_a_reason() {
    let revised = "## 六月市場（修訂）\n\n補充：紅雲(硬) 終端價格高於指導價。";
    let e = given(june(), dist())
        .when::<Information>(submit_analysis("2008-06", revised, None))
        .refused_at("analysis.revision_needs_reason", ErrorKind::State, "reason")
        .clone();
    assert!(e.message.contains("revision 1"), "{e}");
    given(june(), dist())
        .when::<Information>(submit_analysis(
            "2008-06",
            revised,
            Some("  補充價格檢查結果 "),
        ))
        .then([analysed(
            "2008-06",
            2,
            revised,
            "2008-07-05",
            Some("補充價格檢查結果"),
        )]);
    let mut history = june();
    history.push(analysed("2008-06", 2, revised, "2008-07-05", Some("r")));
    given(history, dist())
        .when::<Information>(submit_analysis("2008-06", TEXT, Some("back to the first")))
        .then([analysed(
            "2008-06",
            3,
            TEXT,
            "2008-07-05",
            Some("back to the first"),
        )]);
}

#[test]
fn the_reason_is_not_blank_and_bounded() {
    let revised = "修訂稿";
    given(june(), dist())
        .when::<Information>(submit_analysis("2008-06", revised, Some(" \n ")))
        .refused_at("analysis.reason_not_blank", ErrorKind::Invalid, "reason");
    given(june(), dist())
        .when::<Information>(submit_analysis(
            "2008-06",
            revised,
            Some(&"因".repeat(MAX_REASON_CHARS + 1)),
        ))
        .refused_at("analysis.reason_too_long", ErrorKind::Invalid, "reason");
    given(june(), dist())
        .when::<Information>(submit_analysis(
            "2008-06",
            revised,
            Some(&"因".repeat(MAX_REASON_CHARS)),
        ))
        .accepted();
    given(june(), dist())
        .when::<Information>(submit_analysis("2008-06", revised, Some("因\u{7}")))
        .refused_at(
            "analysis.no_control_characters",
            ErrorKind::Invalid,
            "reason",
        );
}

#[test]
fn a_revision_past_the_last_number_is_refused() {
    let history = vec![analysed("2008-06", u32::MAX, TEXT, "2008-07-03", Some("r"))];
    given(history, dist())
        .when::<Information>(submit_analysis("2008-06", "另一稿", Some("again")))
        .refused_at("analysis.revision_overflow", ErrorKind::State, "period");
}

#[test]
fn each_period_is_its_own_stream() {
    let june = Information::stream_of(&submit_analysis("2008-06", TEXT, None));
    assert_eq!(june.aggregate.as_str(), "analysis:2008-06");
    assert_eq!(june.partnership, pid());
    let q2 = Information::stream_of(&submit_analysis("2008-Q2", TEXT, None));
    assert_eq!(q2.aggregate.as_str(), "analysis:2008-Q2");
}

#[test]
fn the_read_shows_the_analyses_in_force_of_a_period_and_the_months_and_quarters_in_it() {
    let history = [
        analysed("2008-Q2", 1, "二季度", "2008-07-08", None),
        analysed("2008-06", 1, "六月", "2008-07-03", None),
        analysed("2008-04", 1, "四月", "2008-05-06", None),
        analysed("2008-Q2", 2, "二季度（修訂）", "2008-07-14", Some("補充")),
        analysed("2008-07", 1, "七月", "2008-08-04", None),
    ];
    let read = |p: &str| {
        let Answer::Analyses(list) = answer(
            &history,
            &Query::Analyses {
                partnership: pid(),
                period: period(p),
            },
        ) else {
            panic!("wrong answer kind");
        };
        list
    };
    let h1 = read("2008-H1");
    let shown: Vec<(String, u32)> = h1
        .iter()
        .map(|a| (a.period.to_string(), a.revision))
        .collect();
    assert_eq!(
        shown,
        [
            ("2008-04".to_owned(), 1),
            ("2008-06".to_owned(), 1),
            ("2008-Q2".to_owned(), 2)
        ]
    );
    let q2 = &h1[2];
    assert_eq!(q2.text, "二季度（修訂）");
    assert_eq!(q2.reason.as_deref(), Some("補充"));
    assert_eq!(q2.submitted_on, date("2008-07-14"));
    assert_eq!(q2.first_submitted_on, date("2008-07-08"));
    assert_eq!(read("2008-06").len(), 1);
    assert_eq!(read("2008-05").len(), 0);
    assert_eq!(read("2008").len(), 4);

    // The read gathers the stream of every month and quarter of the period.
    let streams = |p: &str| {
        Query::Analyses {
            partnership: pid(),
            period: period(p),
        }
        .streams()
        .iter()
        .map(|s| s.aggregate.as_str().to_owned())
        .collect::<Vec<_>>()
    };
    assert_eq!(streams("2008-06"), ["analysis:2008-06"]);
    assert_eq!(
        streams("2008-Q2"),
        [
            "analysis:2008-04",
            "analysis:2008-05",
            "analysis:2008-06",
            "analysis:2008-Q2"
        ]
    );
    assert_eq!(streams("2008").len(), 16);
    assert_eq!(fold_analyses(&history).of(period("2008-05")), None);
}

#[test]
fn the_declaration_states_the_limits_the_rules_hold() {
    let spec = synergy_information::COMMANDS
        .by_verb("submit-analysis")
        .map(|d| d.spec)
        .unwrap();
    let text = spec.field("text").unwrap();
    assert!(text.doc.contains("20,000"), "{}", text.doc);
    assert_eq!(MAX_TEXT_CHARS, 20_000);
    assert_eq!(text.file_bytes, Some(MAX_TEXT_BYTES));
    assert!(spec.field("reason").unwrap().doc.contains("2,000"));
    assert_eq!(MAX_REASON_CHARS, 2_000);
}
