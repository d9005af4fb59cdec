//! The review meeting in a real headless Chromium against `synergy up --demo` on port 0:
//! the manufacturer opens the demo's 2008-H1 review pack, finds each meeting form's
//! declared fields as inputs, is refused a decision without an
//! owner and one due in the past (the field and the rule on the page, nothing recorded),
//! records a decision that becomes an action item (on the page and through the API),
//! schedules and records Q2's meeting with an answer to an agenda question (refused first
//! without the distributor attending),
//! issues the pack (a version in the list, issued in their name) and prints it to PDF
//! through WebDriver's Print Page; a form without its CSRF token records nothing, and an
//! outsider can neither open the page nor post to it.
//!
//! A failing test keeps a screenshot in `target/browser-failures/`; the printed PDF is
//! kept as `web-meeting-2008-H1.pdf` in Cargo's test scratch directory.

mod common;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use common::Up;
use common::web::*;
use synergy_testkit::browser::Browser;
use synergy_testkit::fantoccini::Locator;
use synergy_testkit::fantoccini::wd::PrintConfiguration;

const PARTNERSHIP: &str = "hongyun-changzhi";
const DECISION: &str = "Extend 紅雲(硬) to 200 more outlets";

/// The review pack's open action items through the API, as the admin acting for the
/// manufacturer.
fn action_items(up: &Up) -> anyhow::Result<Vec<serde_json::Value>> {
    let bearer = format!("Bearer {}", up.admin());
    let answer = common::exchange(
        &up.addr,
        "GET",
        &format!("/v1/partnerships/{PARTNERSHIP}/reports/review/2008-H1?format=json"),
        &[("Authorization", &bearer), ("X-Act-As", "hongyun")],
        "",
    );
    ensure!(answer.status == 200, "{} {}", answer.status, answer.text());
    let pack: serde_json::Value = serde_json::from_str(&answer.text())?;
    Ok(pack["action_items"].as_array().cloned().unwrap_or_default())
}

/// Asserts that the form `id` has an input for each field of the declared command `verb`
/// but those the page decides itself.
async fn has_declared_inputs(
    b: &Browser,
    id: &str,
    verb: &str,
    decided: &[&str],
) -> anyhow::Result<()> {
    let spec = synergy_runtime::commands::all()
        .find(|s| s.verb == verb)
        .context(verb.to_owned())?;
    for field in spec.fields.iter().filter(|f| !decided.contains(&f.name)) {
        let inputs = b
            .client
            .find_all(Locator::Css(&format!("#{id} [name={}]", field.name)))
            .await?;
        ensure!(inputs.len() == 1, "#{id} has an input for {}", field.name);
    }
    Ok(())
}

/// Fills the decision form and submits it.
async fn decide(b: &Browser, title: &str, owner: &str, due_on: &str) -> anyhow::Result<()> {
    let form = b.client.form(Locator::Id("record-decision")).await?;
    form.set_by_name("title", title).await?;
    form.set_by_name("owner", owner).await?;
    form.set_by_name("due_on", due_on).await?;
    form.submit().await?;
    Ok(())
}

/// The refusal shown after a form, once it names `rule`: its text. A refusal already on
/// the page (the form's previous answer) is waited past.
async fn refusal(b: &Browser, rule: &str) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    loop {
        let shown = match b.client.find(Locator::Id("refused")).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if shown.contains(rule) {
            return Ok(shown);
        }
        ensure!(
            started.elapsed() < PAGE_TIMEOUT,
            "no refusal naming {rule}; the page shows: {shown:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The number of pages of a PDF as Chromium writes it: its page objects, never compressed
/// into object streams.
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page")
        .filter(|(at, m)| !text[at + m.len()..].starts_with('s'))
        .count()
}

async fn scenario(b: &Browser, up: &Up, data: &Path) -> anyhow::Result<()> {
    let addr = up.addr.as_str();
    let link = invite(data, addr, "hongyun", "manufacturer", "li.wei");
    accept(b, &link).await?;

    // The partnership's page leads to the meeting of the half shown.
    b.client
        .goto(&format!(
            "http://{addr}/app/partnerships/{PARTNERSHIP}?kind=market&period=2008-H1"
        ))
        .await?;
    b.client
        .find(Locator::Id("to-review"))
        .await?
        .click()
        .await?;
    let review = format!("/app/partnerships/{PARTNERSHIP}/review");
    arrive(b, &review).await?;
    ensure!(
        b.client.current_url().await?.query() == Some("period=2008-H1"),
        "the half shown"
    );

    // The pack: every agenda question with its figures, the charts, the exceptions, the
    // recommendations, the action items, the distributor's analysis; values in words.
    let pack = b.client.find(Locator::Id("pack")).await?.text().await?;
    for words in [
        "例会材料",
        "2008-H1",
        "为什么会赢，或者为什么会输？",
        "下一个目标是谁",
        "销量同比",
        "+29.66 %",
        "异常",
        "改进建议",
        "未结事项",
        "经销商分析报告",
        "1.53 万箱",
    ] {
        ensure!(pack.contains(words), "the pack says {words}: {pack}");
    }
    for raw in [
        "why_won_or_lost",
        "overdue",
        "false",
        "true",
        "volume_yoy_pct",
    ] {
        ensure!(!pack.contains(raw), "no raw {raw} in the pack: {pack}");
    }
    ensure!(
        b.client
            .find_all(Locator::Css("#pack figure svg"))
            .await?
            .len()
            >= 2,
        "the pack's charts"
    );
    // The demo's meeting of the half, held, with its minutes and decisions.
    let meeting = b.client.find(Locator::Id("meeting")).await?.text().await?;
    ensure!(
        meeting.contains("2008-07-15") && meeting.contains("Submit monthly data by the 10th"),
        "{meeting}"
    );
    let before = action_items(up)?.len();

    // Refused: no owner, then a due date in the past; the field and the rule are named and
    // nothing is recorded.
    has_declared_inputs(
        b,
        "record-decision",
        "raise-action-item",
        &["partnership", "item", "meeting"],
    )
    .await?;
    decide(b, DECISION, "", "2099-01-31").await?;
    let refused = refusal(b, "web.field_required").await?;
    ensure!(refused.contains("负责方"), "{refused}");
    let marked = b
        .client
        .find_all(Locator::Css("#record-decision [aria-invalid=true]"))
        .await?;
    ensure!(
        marked.len() == 1 && marked[0].attr("name").await?.as_deref() == Some("owner"),
        "the refused field is marked, and only it"
    );
    decide(b, DECISION, "manufacturer", "2008-01-31").await?;
    let refused = refusal(b, "action.due_not_before_raised").await?;
    ensure!(refused.contains("截止日期"), "{refused}");
    // What was typed is kept.
    let kept = b
        .client
        .find(Locator::Css("#record-decision input[name=title]"))
        .await?
        .prop("value")
        .await?;
    ensure!(kept.as_deref() == Some(DECISION), "{kept:?}");
    ensure!(
        action_items(up)?.len() == before,
        "a refusal records nothing"
    );

    // Recorded: the decision is an action item of the manufacturer, due 2099-01-31, of the
    // half's meeting.
    decide(b, DECISION, "manufacturer", "2099-01-31").await?;
    arrive(b, &review).await?;
    let items = b.client.find(Locator::Css("#pack")).await?.text().await?;
    ensure!(items.contains(DECISION), "the item on the page: {items}");
    let items = action_items(up)?;
    ensure!(items.len() == before + 1, "{items:?}");
    let item = items
        .iter()
        .find(|i| i["title"] == DECISION)
        .context("the decision's item through the API")?;
    ensure!(
        item["owner"] == "manufacturer"
            && item["due_on"] == "2099-01-31"
            && item["meeting"] == "review-2008-h1",
        "{item}"
    );

    // Issued: version 1 in the list, in the manufacturer's name, linked to its frozen page.
    b.client
        .find(Locator::Css("#issue button"))
        .await?
        .click()
        .await?;
    // The page before had no version: the list appears with the page after.
    let versions = b
        .client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Css("#versions tbody"))
        .await?
        .text()
        .await?;
    ensure!(
        versions.contains("第 1 版") && versions.contains("hongyun") && versions.contains("li.wei"),
        "{versions}"
    );
    b.client
        .find(Locator::LinkText("第 1 版"))
        .await?
        .click()
        .await?;
    arrive(b, &format!("{review}/versions/1")).await?;
    let frozen = b.client.find(Locator::Id("pack")).await?.text().await?;
    ensure!(
        frozen.contains("第 1 版") && frozen.contains(DECISION),
        "{frozen}"
    );

    // Printed to PDF by the browser: A4 pages.
    b.client
        .goto(&format!("http://{addr}{review}?period=2008-H1"))
        .await?;
    b.client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Css("#versions tbody"))
        .await?;
    let pdf = b
        .client
        .print(PrintConfiguration::default())
        .await
        .context("WebDriver's Print Page")?;
    let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-meeting-2008-H1.pdf");
    std::fs::write(&kept, &pdf)?;
    ensure!(pdf.starts_with(b"%PDF"), "a PDF");
    let pages = pdf_pages(&pdf);
    ensure!(pages >= 2, "the pack runs over pages: {pages}");
    ensure!(
        String::from_utf8_lossy(&pdf).contains("/MediaBox [0 0 595"),
        "A4 pages"
    );

    // Q2's meeting: scheduled, refused as held without the distributor (nothing
    // recorded), then held with an answer to the first agenda question.
    b.client
        .goto(&format!("http://{addr}{review}?period=2008-Q2"))
        .await?;
    // The agenda is the declaration's optional field: left empty, the standard one.
    has_declared_inputs(
        b,
        "schedule",
        "schedule-meeting",
        &["partnership", "meeting", "kind", "period"],
    )
    .await?;
    let form = b.client.form(Locator::Id("schedule")).await?;
    form.set_by_name("scheduled_on", "2008-07-10").await?;
    form.submit().await?;
    let hold = b
        .client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Id("hold"))
        .await?;
    has_declared_inputs(
        b,
        "hold",
        "hold-meeting",
        &["partnership", "meeting", "minutes"],
    )
    .await?;
    let question = hold
        .find(Locator::Css("input[name=question_0]"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    let hold_it = |attendees: &'static str| async move {
        let form = b.client.form(Locator::Id("hold")).await?;
        form.set_by_name("held_on", "2008-07-10").await?;
        form.set_by_name("attendees", attendees).await?;
        form.set_by_name("answer_0", "Coverage grew in 200 outlets")
            .await?;
        form.set_by_name("decisions", "Push 紅雲(硬) coverage")
            .await?;
        form.submit().await?;
        anyhow::Ok(())
    };
    // An attendee line without its organisation is refused naming the line.
    hold_it("Li Wei").await?;
    refusal(b, "attendees[0]").await?;
    hold_it("hongyun:Li Wei").await?;
    let refused = refusal(b, "meeting.review_attended_by_both_sides").await?;
    ensure!(refused.contains("参会人"), "{refused}");
    hold_it("hongyun:Li Wei\nchangzhi-tobacco:Zhang Min").await?;
    let minutes = b
        .client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Id("minutes"))
        .await?
        .text()
        .await?;
    ensure!(
        minutes.contains(&question) && minutes.contains("Coverage grew in 200 outlets"),
        "{minutes}"
    );
    let bearer = format!("Bearer {}", up.admin());
    let held = common::exchange(
        addr,
        "GET",
        &format!("/v1/partnerships/{PARTNERSHIP}/meetings/review-2008-q2"),
        &[("Authorization", &bearer), ("X-Act-As", "hongyun")],
        "",
    );
    let held: serde_json::Value = serde_json::from_str(&held.text())?;
    ensure!(
        held["status"]["Held"]["decisions"][0] == "Push 紅雲(硬) coverage"
            && held["status"]["Held"]["attendees"].as_array().map(Vec::len) == Some(2),
        "{held}"
    );

    // A form without its CSRF token records nothing.
    let session = b.client.get_named_cookie("synergy_session").await?;
    let (status, body) = post_form(
        addr,
        &format!("{review}/decisions"),
        session.value(),
        "period=2008-H1&title=Sneaked&owner=manufacturer&due_on=2099-01-31",
    );
    ensure!(
        status == 403 && body.contains("web.csrf"),
        "{status} {body}"
    );
    ensure!(
        action_items(up)?.len() == before + 1,
        "the sneaked form recorded nothing"
    );
    sign_out(b).await?;

    // An outsider: the page is the 403 one, by link or typed, and its own token posts
    // nothing to the partnership.
    let link = invite(data, addr, "outsider", "manufacturer", "wang.wu");
    accept(b, &link).await?;
    b.client
        .goto(&format!("http://{addr}{review}?period=2008-H1"))
        .await?;
    let page = text(b).await?;
    ensure!(
        page.contains("partnership.parties_only") && !page.contains("例会材料"),
        "{page}"
    );
    let outsider = b.client.get_named_cookie("synergy_session").await?;
    let (status, _) = get_with(addr, &format!("{review}?period=2008-H1"), outsider.value());
    ensure!(status == 403, "{status}");
    b.client.goto(&format!("http://{addr}/app")).await?;
    let csrf = b
        .client
        .find(Locator::Css("input[name=csrf]"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    let (status, body) = post_form(
        addr,
        &format!("{review}/decisions"),
        outsider.value(),
        &format!("csrf={csrf}&period=2008-H1&title=Outsider&owner=manufacturer&due_on=2099-01-31"),
    );
    ensure!(
        status == 403 && body.contains("partnership.parties_only"),
        "{status} {body}"
    );
    ensure!(
        action_items(up)?.len() == before + 1,
        "the outsider recorded nothing"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_meeting_records_a_decision_issues_the_pack_and_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let up = Up::demo(&data);
    let browser = Browser::start().await.expect("headless Chromium");
    let outcome = tokio::time::timeout(Duration::from_secs(600), scenario(&browser, &up, &data))
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("the scenario took over 10 minutes")));
    conclude(browser, up, "a_review_meeting", outcome).await;
}
