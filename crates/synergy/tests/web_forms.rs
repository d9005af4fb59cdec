//! The forms derived from the command declarations, in a real headless Chromium against
//! `synergy up --demo` on port 0: the manufacturer drafts a plan, sets its target, submits
//! and signs it, the distributor signs it in a session of its own, and the plan reads as
//! signed by both; a refused form names the field and the rule and records nothing; the
//! distributor is not offered the manufacturer's campaign form and its POST anyway is
//! refused; a POST without the form's token is refused; the distributor proposes a
//! partnership, may not accept its own proposal, and the manufacturer accepts it.
//!
//! A failing test keeps a screenshot in `target/browser-failures/`.

mod common;

use std::path::Path;

use anyhow::{Context as _, ensure};
use common::Up;
use common::web::{
    PAGE_TIMEOUT, PASSWORD, accept, conclude, element, invite, post_form, sign_in, sign_out, text,
};
use synergy_testkit::browser::Browser;
use synergy_testkit::fantoccini::Locator;

const PARTNERSHIP: &str = "hongyun-changzhi";
const PLAN: &str = "p2011";

/// Opens the form `id` (closed in its `details` until clicked, unless refused), fills `fields` and submits.
async fn fill(b: &Browser, id: &str, fields: &[(&str, &str)]) -> anyhow::Result<()> {
    let details = element(b, Locator::Css(&format!("details:has(#{id})")))
        .await
        .with_context(|| format!("the form {id}"))?;
    // A refused form stays open; a click would close it.
    if details.attr("open").await?.is_none() {
        details.find(Locator::Css("summary")).await?.click().await?;
    }
    let form = b.client.form(Locator::Id(id)).await?;
    for (name, value) in fields {
        form.set_by_name(name, value).await?;
    }
    form.submit().await?;
    Ok(())
}

/// Waits for the page that says the form `verb` was recorded (the page before may say so
/// of another), and answers its text.
async fn done(b: &Browser, verb: &str) -> anyhow::Result<String> {
    let want = format!("done={verb}");
    let started = std::time::Instant::now();
    while b.client.current_url().await?.query() != Some(want.as_str()) {
        ensure!(
            started.elapsed() < PAGE_TIMEOUT,
            "{verb} was not recorded: {}",
            text(b).await?
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    element(b, Locator::Id("done")).await?;
    text(b).await
}

async fn section(b: &Browser, id: &str) -> anyhow::Result<String> {
    Ok(element(b, Locator::Id(id)).await?.text().await?)
}

/// The session cookie and the page's CSRF token, for POSTs outside the browser.
async fn session(b: &Browser) -> anyhow::Result<(String, String)> {
    let cookie = b.client.get_named_cookie("synergy_session").await?;
    let csrf = b
        .client
        .find(Locator::Css("input[name=csrf]"))
        .await?
        .attr("value")
        .await?
        .context("a csrf value")?;
    Ok((cookie.value().to_owned(), csrf))
}

async fn scenario(b: &Browser, up: &Up, data: &Path) -> anyhow::Result<()> {
    let addr = up.addr.as_str();
    let plans = format!("/app/partnerships/{PARTNERSHIP}/plans");
    let campaigns = format!("/app/partnerships/{PARTNERSHIP}/campaigns");

    // The manufacturer drafts a plan and sets its target through the forms.
    accept(b, &invite(data, addr, "hongyun", "manufacturer", "li.wei")).await?;
    b.client.goto(&format!("http://{addr}{plans}")).await?;
    fill(
        b,
        "form-draft-plan",
        &[
            ("plan", PLAN),
            ("title", "2011–2013 三年规划"),
            ("first_year", "2011"),
            ("last_year", "2013"),
        ],
    )
    .await?;
    let page = done(b, "draft-plan").await?;
    ensure!(page.contains("已完成：起草规划"), "{page}");
    let form = format!("form-set-plan-target-{PLAN}");

    // A negative target: the form comes back naming the field and the rule, and the plan
    // has no target.
    fill(b, &form, &[("period", "2011"), ("volume_cases", "-5")]).await?;
    let refusal = b
        .client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Css(&format!("details:has(#{form}) .refusal")))
        .await?
        .text()
        .await?;
    ensure!(
        refusal.contains("字段：volume_cases") && refusal.contains("invalid"),
        "{refusal}"
    );
    let plan = section(b, &format!("plan-{PLAN}")).await?;
    ensure!(plan.contains("尚无目标"), "nothing recorded: {plan}");
    // A required field left out (a browser holds it back; a hand-made POST does not).
    let (cookie, csrf) = session(b).await?;
    let (status, body) = post_form(
        addr,
        &format!("{plans}/set-plan-target"),
        &cookie,
        &format!("csrf={csrf}&plan={PLAN}&period=&volume_cases=100"),
    );
    ensure!(
        status == 422 && body.contains("字段：period") && body.contains("invalid"),
        "{status} {body}"
    );

    fill(
        b,
        &form,
        &[
            ("period", "2011"),
            ("volume_cases", "42000"),
            ("revenue_yuan", "650000000"),
        ],
    )
    .await?;
    done(b, "set-plan-target").await?;
    let plan = section(b, &format!("plan-{PLAN}")).await?;
    // In Chinese, amounts of 10,000 and more in 万 and 亿.
    ensure!(
        plan.contains("4.20 万箱") && plan.contains("6.50 亿元"),
        "{plan}"
    );
    fill(b, &format!("form-submit-plan-{PLAN}"), &[]).await?;
    done(b, "submit-plan").await?;
    fill(b, &format!("form-sign-plan-{PLAN}"), &[]).await?;
    done(b, "sign-plan").await?;
    let plan = section(b, &format!("plan-{PLAN}")).await?;
    ensure!(plan.contains("已提交，待双方签署"), "{plan}");
    // Without the form's token nothing is recorded.
    let (cookie, _) = session(b).await?;
    let (status, body) = post_form(
        addr,
        &format!("{plans}/withdraw-plan"),
        &cookie,
        &format!("plan={PLAN}&reason=gone"),
    );
    ensure!(
        status == 403 && body.contains("web.csrf"),
        "{status} {body}"
    );
    sign_out(b).await?;

    // The distributor, in a session of its own, signs: the plan is in force.
    accept(
        b,
        &invite(data, addr, "changzhi-tobacco", "distributor", "zhang.min"),
    )
    .await?;
    b.client.goto(&format!("http://{addr}{plans}")).await?;
    fill(b, &format!("form-sign-plan-{PLAN}"), &[]).await?;
    done(b, "sign-plan").await?;
    let plan = section(b, &format!("plan-{PLAN}")).await?;
    ensure!(plan.contains("双方已签署：生效"), "{plan}");
    let signed = section(b, &format!("signature-{PLAN}-distributor")).await?;
    ensure!(signed.contains("由 changzhi-tobacco"), "{signed}");

    // The manufacturer's campaign form is not offered to the distributor, and a POST to
    // it anyway is refused naming the rule; nothing is recorded.
    b.client.goto(&format!("http://{addr}{campaigns}")).await?;
    ensure!(
        b.client
            .find_all(Locator::Id("form-plan-campaign"))
            .await?
            .is_empty(),
        "no plan-campaign form for the distributor"
    );
    ensure!(text(b).await?.contains("营销活动由厂家策划"));
    let (cookie, csrf) = session(b).await?;
    let (status, body) = post_form(
        addr,
        &format!("{campaigns}/plan-campaign"),
        &cookie,
        &format!(
            "csrf={csrf}&campaign=c1&title=t&brand=hongyun&skus=hy-soft&starts_on=2011-03-01&ends_on=2011-04-30&activity_plan=p"
        ),
    );
    ensure!(
        status == 403 && body.contains("gateway.manufacturer_only"),
        "{status} {body}"
    );
    b.client.goto(&format!("http://{addr}{campaigns}")).await?;
    ensure!(
        b.client
            .find_all(Locator::Id("campaign-c1"))
            .await?
            .is_empty(),
        "no campaign recorded"
    );
    // The demo's campaign, read through the marketing context in words.
    let demo = section(b, "campaign-hongyun-hard-spring-2008").await?;
    ensure!(demo.contains("已结束") && demo.contains("成功"), "{demo}");

    // The distributor proposes another partnership; answering its own proposal is the
    // other party's part, refused naming the rule.
    b.client
        .goto(&format!("http://{addr}/app/proposals"))
        .await?;
    fill(
        b,
        "form-sign-partnership",
        &[
            ("partnership", "hongyun-changzhi-2"),
            ("manufacturer", "hongyun"),
            ("region", "長治"),
        ],
    )
    .await?;
    done(b, "sign-partnership").await?;
    let proposal = section(b, "proposal-hongyun-changzhi-2").await?;
    ensure!(proposal.contains("hongyun（厂家）"), "{proposal}");
    fill(b, "form-accept-partnership-hongyun-changzhi-2", &[]).await?;
    let refusal = b
        .client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Css(".refusal"))
        .await?
        .text()
        .await?;
    ensure!(
        refusal.contains("partnership.addressee_answers"),
        "{refusal}"
    );
    sign_out(b).await?;

    // The manufacturer accepts it: it is signed and listed at home.
    sign_in(b, addr, "li.wei", PASSWORD).await?;
    b.client
        .goto(&format!("http://{addr}/app/proposals"))
        .await?;
    fill(b, "form-accept-partnership-hongyun-changzhi-2", &[]).await?;
    let page = done(b, "accept-partnership").await?;
    ensure!(page.contains("没有待处理的提议"), "{page}");
    b.client.goto(&format!("http://{addr}/app")).await?;
    let home = section(b, "partnerships").await?;
    ensure!(home.contains("hongyun-changzhi-2"), "{home}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn plans_are_drafted_and_signed_through_forms_derived_from_the_declarations() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let up = Up::demo(&data);
    let browser = Browser::start().await.expect("headless Chromium");
    let outcome = scenario(&browser, &up, &data).await;
    conclude(browser, up, "web_forms", outcome).await;
}
