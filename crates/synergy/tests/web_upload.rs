//! The upload page in a real headless Chromium against `synergy up --demo` on port 0: the
//! distributor finds it from the partnership's page, uploads a good file for a new month
//! (recorded: read back through the API and the month's report), a bad one (every bad row
//! in the table with its line, column and rule in words, nothing recorded), and corrects a
//! month, refused without a reason and recorded with one; downloads the templates. The
//! manufacturer and an outsider get the 403 page, also typing the URL or posting the form
//! with their own token; a post without the token is refused.
//!
//! A failing test keeps a screenshot in `target/browser-failures/`.

mod common;

use std::path::Path;
use std::time::Duration;

use anyhow::ensure;
use common::Up;
use common::web::*;
use synergy_testkit::browser::Browser;
use synergy_testkit::fantoccini::Locator;

const PARTNERSHIP: &str = "hongyun-changzhi";
const HEADER: &str = "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan";

/// A month of the demo's four SKUs and the market's ALL row; `soft` is hongyun-soft's
/// volume.
fn month_csv(month: &str, soft: &str) -> String {
    format!(
        "{HEADER}\n\
         {month},hongyun-soft,{soft},3439800,362,3432,2959,58.80\n\
         {month},hongyun-hard,817,3456727,257,3146,2823,95.00\n\
         {month},hongyun-classic,267,2259888,66,2745,2463,193.80\n\
         {month},yunyan-soft,869,1724096,239,2974,2538,45.00\n\
         {month},ALL,14071,37363674,,5200,,\n"
    )
}

/// Three bad rows: a volume that is no number, a SKU not in the catalogue, too many
/// decimals beside more outlets selling than stocking; and no ALL row.
fn bad_csv(month: &str) -> String {
    format!(
        "{HEADER}\n\
         {month},hongyun-soft,12x,3439800,362,3432,2959,58.80\n\
         {month},no-such-sku,817,3456727,257,3146,2823,95.00\n\
         {month},hongyun-classic,267.12345,2259888,66,2745,2900,193.80\n"
    )
}

/// The months recorded for `month` through the API, as the admin acting for the
/// distributor: the JSON answer.
fn recorded(up: &Up, month: &str) -> serde_json::Value {
    let bearer = format!("Bearer {}", up.admin());
    let answer = common::exchange(
        &up.addr,
        "GET",
        &format!("/v1/partnerships/{PARTNERSHIP}/market-data?period={month}"),
        &[("Authorization", &bearer), ("X-Act-As", "changzhi-tobacco")],
        "",
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    serde_json::from_slice(&answer.body).unwrap()
}

/// Chooses `file` in the page's file input, the month and the reason, and uploads; waits
/// for the answer's `#problem` or `#summary`.
async fn upload(b: &Browser, file: &Path, month: &str, reason: &str) -> anyhow::Result<()> {
    let form = b.client.form(Locator::Id("upload")).await?;
    form.set_by_name("month", month).await?;
    form.set_by_name("reason", reason).await?;
    b.client
        .find(Locator::Id("file"))
        .await?
        .send_keys(&file.display().to_string())
        .await?;
    let old = b.client.find(Locator::Css("main")).await?;
    b.client
        .find(Locator::Id("upload-button"))
        .await?
        .click()
        .await?;
    // The answer is a new page: wait until the old one is gone, then for what it says.
    let started = std::time::Instant::now();
    while old.text().await.is_ok() {
        ensure!(
            started.elapsed() < PAGE_TIMEOUT,
            "the upload did not answer"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Css("#problem, #summary"))
        .await?;
    Ok(())
}

async fn scenario(b: &Browser, up: &Up, data: &Path, files: &Path) -> anyhow::Result<()> {
    let addr = up.addr.as_str();
    let page = format!("/app/partnerships/{PARTNERSHIP}/upload");

    // The distributor finds the page from the partnership's.
    let link = invite(data, addr, "changzhi-tobacco", "distributor", "zhang.min");
    accept(b, &link).await?;
    b.client
        .goto(&format!("http://{addr}/app/partnerships/{PARTNERSHIP}"))
        .await?;
    b.client
        .find(Locator::Id("upload-link"))
        .await?
        .click()
        .await?;
    arrive(b, &page).await?;
    let recorded_months = b.client.find(Locator::Id("recorded")).await?.text().await?;
    ensure!(recorded_months.contains("2008-06"), "{recorded_months}");

    // A good file for a new month: recorded, summed, and linked to the month's report.
    ensure!(
        recorded(up, "2008-07") == serde_json::json!([]),
        "July is new"
    );
    let good = files.join("2008-07.csv");
    std::fs::write(&good, month_csv("2008-07", "1300"))?;
    upload(b, &good, "2008-07", "").await?;
    let summary = b.client.find(Locator::Id("summary")).await?.text().await?;
    ensure!(summary.contains("已记录 2008-07 的市场数据"), "{summary}");
    let cell = |id: &'static str| async move { b.client.find(Locator::Id(id)).await?.text().await };
    ensure!(cell("sum-rows").await? == "5", "{summary}");
    ensure!(cell("sum-skus").await? == "4", "{summary}");
    // 1300 + 817 + 267 + 869 cases; 10,880,511 yuan, in 万元.
    ensure!(cell("sum-volume").await? == "3,253", "{summary}");
    ensure!(cell("sum-revenue").await? == "1,088.05 万元", "{summary}");
    let july = recorded(up, "2008-07");
    ensure!(
        july[0]["month"] == "2008-07" && july[0]["revision"] == 1,
        "{july}"
    );
    b.client
        .find(Locator::Id("report-link"))
        .await?
        .click()
        .await?;
    arrive(b, &format!("/app/partnerships/{PARTNERSHIP}")).await?;
    let report = b.client.find(Locator::Id("report")).await?.text().await?;
    ensure!(report.contains("2008-07"), "{report}");

    // A bad file: every bad row in the table, the rule in words, and nothing recorded.
    b.client.goto(&format!("http://{addr}{page}")).await?;
    let bad = files.join("bad.csv");
    std::fs::write(&bad, bad_csv("2008-08"))?;
    upload(b, &bad, "2008-08", "").await?;
    let problem = b.client.find(Locator::Id("problem")).await?.text().await?;
    ensure!(problem.contains("未记录任何内容"), "{problem}");
    let mut rows = Vec::new();
    for row in b
        .client
        .find_all(Locator::Css("#bad-rows tbody tr"))
        .await?
    {
        rows.push(row.text().await?);
    }
    let has = |line: &str, column: &str, rule: &str, words: &str| {
        rows.iter().any(|r| {
            r.starts_with(line) && r.contains(column) && r.contains(rule) && r.contains(words)
        })
    };
    ensure!(
        has("2", "volume_cases", "import.not_a_number", "不是数字"),
        "{rows:#?}"
    );
    ensure!(
        has("3", "sku", "market_data.sku_registered", "产品目录"),
        "{rows:#?}"
    );
    ensure!(
        has(
            "4",
            "volume_cases",
            "import.too_many_decimals",
            "小数位过多"
        ),
        "{rows:#?}"
    );
    ensure!(
        has(
            "4",
            "outlets_selling",
            "market_data.selling_within_stocking",
            "动销户数"
        ),
        "{rows:#?}"
    );
    ensure!(
        rows.iter()
            .any(|r| r.contains("market_data.month_needs_all_row")),
        "{rows:#?}"
    );
    ensure!(
        recorded(up, "2008-08") == serde_json::json!([]),
        "nothing recorded"
    );

    // A correction of July: refused naming the reason without one, recorded with one.
    let corrected = files.join("2008-07-corrected.csv");
    std::fs::write(&corrected, month_csv("2008-07", "1310"))?;
    upload(b, &corrected, "2008-07", "").await?;
    let problem = b.client.find(Locator::Id("problem")).await?.text().await?;
    ensure!(
        problem.contains("更正原因") && problem.contains("market_data.correction_needs_reason"),
        "{problem}"
    );
    let reason_field = b.client.find(Locator::Id("reason")).await?;
    ensure!(reason_field.attr("aria-invalid").await?.as_deref() == Some("true"));
    ensure!(
        recorded(up, "2008-07")[0]["revision"] == 1,
        "still revision 1"
    );
    upload(
        b,
        &corrected,
        "2008-07",
        "late returns from two wholesalers",
    )
    .await?;
    let summary = b.client.find(Locator::Id("summary")).await?.text().await?;
    ensure!(summary.contains("已更正 2008-07"), "{summary}");
    let july = recorded(up, "2008-07");
    ensure!(
        july[0]["revision"] == 2 && july[0]["reason"] == "late returns from two wholesalers",
        "{july}"
    );

    // The templates, as `synergy template market-data` writes them.
    let session = b.client.get_named_cookie("synergy_session").await?;
    let cookie = format!("synergy_session={}", session.value());
    let csv = common::exchange(
        addr,
        "GET",
        "/app/templates/market-data.csv",
        &[("Cookie", &cookie)],
        "",
    );
    ensure!(
        csv.status == 200 && csv.text().starts_with(HEADER),
        "{}",
        csv.text()
    );
    let xlsx = common::exchange(
        addr,
        "GET",
        "/app/templates/market-data.xlsx",
        &[("Cookie", &cookie)],
        "",
    );
    ensure!(
        xlsx.status == 200 && xlsx.body.starts_with(b"PK"),
        "{}",
        xlsx.status
    );

    // A post without the form's token is refused, and records nothing.
    let september = month_csv("2008-09", "1300");
    let file = Some(("2008-09.csv", september.as_bytes()));
    let fields = [("month", "2008-09"), ("reason", "")];
    let (status, body) = post_multipart(addr, &page, session.value(), &fields, file);
    ensure!(
        status == 403 && body.contains("web.csrf"),
        "{status} {body}"
    );
    ensure!(
        recorded(up, "2008-09") == serde_json::json!([]),
        "nothing recorded"
    );
    // With the token the same post records.
    let csrf = csrf_of(addr, session.value());
    let with_token = [
        ("csrf", csrf.as_str()),
        ("month", "2008-09"),
        ("reason", ""),
    ];
    let (status, _) = post_multipart(addr, &page, session.value(), &with_token, file);
    ensure!(status == 201, "{status}");
    sign_out(b).await?;

    // The manufacturer and an outsider: no link, the 403 page at the URL, and their own
    // token does not let them post.
    let october = month_csv("2008-10", "1300");
    let file = Some(("2008-10.csv", october.as_bytes()));
    for (org, role, login) in [
        ("hongyun", "manufacturer", "li.wei"),
        ("outsider", "distributor", "wang.wu"),
    ] {
        let link = invite(data, addr, org, role, login);
        accept(b, &link).await?;
        b.client
            .goto(&format!("http://{addr}/app/partnerships/{PARTNERSHIP}"))
            .await?;
        ensure!(
            b.client
                .find_all(Locator::Id("upload-link"))
                .await?
                .is_empty(),
            "{org} sees no upload link"
        );
        b.client.goto(&format!("http://{addr}{page}")).await?;
        let text = text(b).await?;
        ensure!(
            text.contains("partnership.parties_only")
                && b.client.find_all(Locator::Id("upload")).await?.is_empty(),
            "{org}: {text}"
        );
        let session = b.client.get_named_cookie("synergy_session").await?;
        let (status, _) = get_with(addr, &page, session.value());
        ensure!(status == 403, "{org} GET: {status}");
        let csrf = csrf_of(addr, session.value());
        let fields = [
            ("csrf", csrf.as_str()),
            ("month", "2008-10"),
            ("reason", ""),
        ];
        let (status, body) = post_multipart(addr, &page, session.value(), &fields, file);
        ensure!(
            status == 403 && body.contains("partnership.parties_only"),
            "{org} POST: {status} {body}"
        );
        sign_out(b).await?;
    }
    ensure!(
        recorded(up, "2008-10") == serde_json::json!([]),
        "nothing recorded"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_distributor_uploads_market_data_and_sees_every_bad_row_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let up = Up::demo(&data);
    let browser = Browser::start().await.expect("headless Chromium");
    let outcome = scenario(&browser, &up, &data, &files).await;
    conclude(browser, up, "a_distributor_uploads_market_data", outcome).await;
}
