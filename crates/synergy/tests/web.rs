//! The web app in a real headless Chromium against `synergy up --demo` on port 0: people
//! invited with the CLI as documented set their passwords at the link, sign in through the
//! form, read their home and the partnership's reports; an outsider is refused the
//! partnership's page also when typing its URL; a form without its CSRF token, a request
//! from another site and a signed-out cookie are not let in; the language switches.
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

/// Tries to sign in and answers what the refusal said.
async fn refused_sign_in(
    b: &Browser,
    addr: &str,
    login: &str,
    password: &str,
) -> anyhow::Result<String> {
    b.client.goto(&format!("http://{addr}/sign-in")).await?;
    let form = b.client.form(Locator::Id("sign-in")).await?;
    form.set_by_name("login", login).await?;
    form.set_by_name("password", password).await?;
    form.submit().await?;
    // The refusal is the sign-in page again, its problem said and the login kept.
    let problem = b
        .client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Id("problem"))
        .await?;
    Ok(problem.text().await?)
}

/// Another site: a page on `localhost` (the app is on `127.0.0.1`, another site to the
/// browser) whose forms go to the app, served until the test ends.
async fn other_site(app: &str) -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let page = format!(
        "<!DOCTYPE html><html><body>\
         <form id=\"look\" method=\"get\" action=\"http://{app}/app\"><button type=\"submit\">look</button></form>\
         <form id=\"out\" method=\"post\" action=\"http://{app}/sign-out\"><input type=\"hidden\" name=\"csrf\" value=\"guess\"><button type=\"submit\">out</button></form>\
         </body></html>"
    );
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    Ok((format!("http://localhost:{port}/"), server))
}

async fn scenario(b: &Browser, up: &Up, data: &Path) -> anyhow::Result<()> {
    let addr = up.addr.as_str();
    b.client.goto(&format!("http://{addr}/")).await?;
    ensure!(
        b.client.current_url().await?.path() == "/sign-in",
        "/ goes to sign-in"
    );

    // The manufacturer: invited, sets a password, signs out and in again through the form.
    let link = invite(data, addr, "hongyun", "manufacturer", "li.wei");
    accept(b, &link).await?;
    sign_out(b).await?;
    // The link admits once.
    b.client.goto(&link).await?;
    ensure!(
        text(b).await?.contains("user.invitation_invalid"),
        "a used link admits nobody"
    );
    // A wrong password and an unknown login get the same words.
    let wrong = refused_sign_in(b, addr, "li.wei", "not the password at all").await?;
    let unknown = refused_sign_in(b, addr, "nobody.here", "not the password at all").await?;
    ensure!(wrong == unknown && !wrong.is_empty(), "{wrong} / {unknown}");
    sign_in(b, addr, "li.wei", PASSWORD).await?;

    // Home: the demo partnership with its headline KPIs of the latest month, in 简体中文.
    let home = text(b).await?;
    ensure!(home.contains("我的合作关系"), "{home}");
    let row = b
        .client
        .find(Locator::Css("#partnerships tbody tr"))
        .await?
        .text()
        .await?;
    ensure!(
        row.contains(PARTNERSHIP) && row.contains("changzhi-tobacco"),
        "{row}"
    );
    ensure!(row.contains("23.21 %"), "June 2008's volume share: {row}");
    ensure!(home.contains("行动项逾期"), "the open exceptions: {home}");

    // The session cookie: HttpOnly and SameSite=Strict.
    let cookie = b.client.get_named_cookie("synergy_session").await?;
    ensure!(cookie.http_only() == Some(true), "{cookie:?}");
    ensure!(
        cookie.same_site().map(|s| s.to_string()).as_deref() == Some("Strict"),
        "{cookie:?}"
    );
    let session = cookie.value().to_owned();

    // The partnership's 2008-H1 market report, chosen with the page's form, with a chart.
    b.client
        .find(Locator::LinkText(PARTNERSHIP))
        .await?
        .click()
        .await?;
    arrive(b, &format!("/app/partnerships/{PARTNERSHIP}")).await?;
    let form = b.client.form(Locator::Id("choose")).await?;
    form.set_by_name("kind", "market").await?;
    form.set_by_name("period", "2008-H1").await?;
    form.submit().await?;
    let started = std::time::Instant::now();
    while b.client.current_url().await?.query() != Some("kind=market&period=2008-H1") {
        ensure!(
            started.elapsed() < PAGE_TIMEOUT,
            "the form did not choose 2008-H1"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let report = b.client.find(Locator::Id("report")).await?.text().await?;
    ensure!(
        report.contains("市场分析") && report.contains("2008-H1"),
        "{report}"
    );
    let charts = b
        .client
        .find_all(Locator::Css("#report figure svg"))
        .await?;
    ensure!(!charts.is_empty(), "the report's charts");

    // A form POST without the CSRF token is refused, and the session goes on.
    let (status, body) = post_form(addr, "/sign-out", &session, "csrf=");
    ensure!(
        status == 403 && body.contains("web.csrf"),
        "{status} {body}"
    );
    ensure!(get_with(addr, "/app", &session).0 == 200, "still signed in");

    // From another site the browser sends no session: the app answers as to a stranger.
    let (site, server) = other_site(addr).await?;
    b.client.goto(&site).await?;
    b.client
        .find(Locator::Css("#look button"))
        .await?
        .click()
        .await?;
    // A cross-site navigation arrives signed out.
    arrive(b, "/sign-in").await?;
    b.client.goto(&site).await?;
    b.client
        .find(Locator::Css("#out button"))
        .await?
        .click()
        .await?;
    arrive(b, "/sign-in").await?;
    server.abort();
    // Neither ended the session.
    b.client.goto(&format!("http://{addr}/app")).await?;
    ensure!(
        b.client.current_url().await?.path() == "/app",
        "the session survived"
    );

    // The language switch.
    b.client
        .find(Locator::LinkText("English"))
        .await?
        .click()
        .await?;
    b.client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Css("html[lang=en]"))
        .await?;
    let english = text(b).await?;
    ensure!(
        english.contains("My partnerships") && english.contains("Sign out"),
        "{english}"
    );

    // Logout ends the session: the old cookie no longer opens a page.
    sign_out(b).await?;
    let (status, location) = get_with(addr, "/app", &session);
    ensure!(
        status == 303 && location == "/sign-in",
        "{status} {location}"
    );

    // The distributor: invited and signed in, sees the same partnership.
    let link = invite(data, addr, "changzhi-tobacco", "distributor", "zhang.min");
    accept(b, &link).await?;
    let row = b
        .client
        .find(Locator::Css("#partnerships tbody tr"))
        .await?
        .text()
        .await?;
    ensure!(
        row.contains(PARTNERSHIP) && row.contains("hongyun"),
        "{row}"
    );
    b.client
        .goto(&format!(
            "http://{addr}/app/partnerships/{PARTNERSHIP}?kind=brand&period=2008-H1"
        ))
        .await?;
    ensure!(
        !b.client
            .find_all(Locator::Css("#report table"))
            .await?
            .is_empty()
    );
    // The review pack with its issued versions: one issued by a person through the API.
    let bearer = format!("Bearer {}", up.admin());
    let issued = common::exchange(
        addr,
        "POST",
        &format!("/v1/partnerships/{PARTNERSHIP}/reports/review/2008-H1/issues"),
        &[("Authorization", &bearer), ("X-Act-As", "hongyun")],
        "{}",
    );
    ensure!(issued.status == 201, "{} {}", issued.status, issued.text());
    b.client
        .goto(&format!(
            "http://{addr}/app/partnerships/{PARTNERSHIP}?kind=review&period=2008-H1"
        ))
        .await?;
    let versions = b
        .client
        .find(Locator::Css("#versions tbody"))
        .await?
        .text()
        .await?;
    // The language chosen earlier in this browser holds: English.
    ensure!(
        versions.starts_with('1') && versions.contains("a person"),
        "{versions}"
    );
    sign_out(b).await?;

    // An outsider: home lists nothing, and typing the partnership's URL gets the 403 page,
    // the same as for a partnership that does not exist.
    let link = invite(data, addr, "outsider", "manufacturer", "wang.wu");
    accept(b, &link).await?;
    ensure!(
        b.client
            .find_all(Locator::Id("partnerships"))
            .await?
            .is_empty()
    );
    let mut answers = Vec::new();
    for id in [PARTNERSHIP, "no-such-partnership"] {
        b.client
            .goto(&format!(
                "http://{addr}/app/partnerships/{id}?period=2008-H1"
            ))
            .await?;
        let page = text(b).await?;
        ensure!(
            page.contains("partnership.parties_only") && !page.contains("2008-H1"),
            "{page}"
        );
        answers.push(b.client.find(Locator::Css("main")).await?.text().await?);
    }
    ensure!(answers[0] == answers[1], "{answers:?}");
    let outsider = b.client.get_named_cookie("synergy_session").await?;
    let (status, _) = get_with(
        addr,
        &format!("/app/partnerships/{PARTNERSHIP}"),
        outsider.value(),
    );
    ensure!(status == 403, "{status}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn people_sign_in_and_read_their_partnerships_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let up = Up::demo(&data);
    let browser = Browser::start().await.expect("headless Chromium");
    let outcome = scenario(&browser, &up, &data).await;
    conclude(
        browser,
        up,
        "people_sign_in_and_read_their_partnerships",
        outcome,
    )
    .await;
}
