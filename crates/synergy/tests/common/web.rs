//! What the browser tests of the web app share: people invited with the CLI as the README
//! documents it, setting their password at the link and signing in through the forms, and
//! plain requests with a session cookie (what a page without the form's token would send).

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use anyhow::ensure;
use synergy_testkit::browser::Browser;
use synergy_testkit::fantoccini::Locator;

use super::{Up, ok};

pub const PASSWORD: &str = "long enough password 1";

/// `synergy user invite` as the README documents it, against the running app's address.
pub fn invite(data: &Path, addr: &str, org: &str, role: &str, name: &str) -> String {
    let url = format!("http://{addr}");
    let link = ok(
        data,
        &[
            "user", "invite", "--org", org, "--role", role, "--name", name, "--url", &url,
        ],
    );
    assert!(link.starts_with(&format!("{url}/invite/")), "{link}");
    link
}

/// How long a page may take to arrive after a click: generous, builds run beside.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(60);

/// Waits until the browser is at `path` (a click returns before its navigation ends).
pub async fn arrive(b: &Browser, path: &str) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    loop {
        let url = b.client.current_url().await?;
        if url.path() == path {
            return Ok(());
        }
        ensure!(
            started.elapsed() < PAGE_TIMEOUT,
            "still at {url}, not {path}, after {PAGE_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The element at `locator` once the page shows it: a find right after a click or a
/// submit may run on the page before, or on one still arriving, when builds run beside.
pub async fn element(
    b: &Browser,
    locator: Locator<'_>,
) -> anyhow::Result<synergy_testkit::fantoccini::elements::Element> {
    let started = std::time::Instant::now();
    loop {
        match b.client.find(locator).await {
            Ok(found) => return Ok(found),
            Err(e) if started.elapsed() >= PAGE_TIMEOUT => {
                return Err(
                    anyhow::Error::new(e).context(format!("no {locator:?} after {PAGE_TIMEOUT:?}"))
                );
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// The page's text, for assertions that say what a person sees.
pub async fn text(b: &Browser) -> anyhow::Result<String> {
    Ok(b.client.find(Locator::Css("body")).await?.text().await?)
}

/// Sets the password at `link` and lands on home, signed in.
pub async fn accept(b: &Browser, link: &str) -> anyhow::Result<()> {
    b.client.goto(link).await?;
    let form = b.client.form(Locator::Id("accept")).await?;
    form.set_by_name("password", PASSWORD).await?;
    form.set_by_name("password_again", PASSWORD).await?;
    form.submit().await?;
    arrive(b, "/app").await
}

pub async fn sign_out(b: &Browser) -> anyhow::Result<()> {
    b.client
        .find(Locator::Id("sign-out"))
        .await?
        .click()
        .await?;
    arrive(b, "/sign-in").await
}

/// Signs in through the form and waits for home.
pub async fn sign_in(b: &Browser, addr: &str, login: &str, password: &str) -> anyhow::Result<()> {
    b.client.goto(&format!("http://{addr}/sign-in")).await?;
    let form = b.client.form(Locator::Id("sign-in")).await?;
    form.set_by_name("login", login).await?;
    form.set_by_name("password", password).await?;
    form.submit().await?;
    arrive(b, "/app").await
}

/// A `POST` of a form body with only the session cookie: what a page without the form's
/// token would send.
pub fn post_form(addr: &str, path: &str, cookie: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: synergy_session={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    (response[9..12].parse().unwrap(), response)
}

/// A GET with the session cookie: the status and the `Location` it answers.
pub fn get_with(addr: &str, path: &str, cookie: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: synergy_session={cookie}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let location = response
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .unwrap_or_default()
        .to_owned();
    (response[9..12].parse().unwrap(), location)
}

/// A `multipart/form-data` POST with only the session cookie: `fields`, then `file` (its
/// name and bytes) as the field `file`, as a browser sends a form with a file input. The
/// status and the whole response.
pub fn post_multipart(
    addr: &str,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> (u16, String) {
    let boundary = "----synergy-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: synergy_session={cookie}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    (response[9..12].parse().unwrap(), response)
}

/// The CSRF token of the session `cookie`, as its pages carry it (the sign-out form).
pub fn csrf_of(addr: &str, cookie: &str) -> String {
    let session = format!("synergy_session={cookie}");
    let page = super::exchange(addr, "GET", "/app", &[("Cookie", &session)], "").text();
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with the token")
        + 19;
    page[at..at + 64].to_owned()
}

/// Ends a browser test: on a failed `outcome`, panics with the error, the page the browser
/// was at and a screenshot kept under `name`; then closes the browser and stops `up`.
pub async fn conclude(browser: Browser, up: Up, name: &str, outcome: anyhow::Result<()>) {
    if let Err(e) = outcome {
        let shot = browser
            .keep_screenshot(name)
            .await
            .map(|p| p.display().to_string())
            .unwrap_or_else(|e| format!("no screenshot: {e}"));
        let url = browser.client.current_url().await.ok();
        panic!("{e:#}\n  at {url:?}\n  screenshot: {shot}");
    }
    let _ = browser.client.clone().close().await;
    up.stop();
}
