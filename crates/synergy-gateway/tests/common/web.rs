//! What the web app's HTTP tests share: a gateway whose redirects the client does not
//! follow, people invited and signed in, and reading the pages' cookies and problems.

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, SET_COOKIE};
use synergy_gateway::Limits;
use synergy_proto::{OrgId, Role};
use synergy_runtime::{Clock, SystemClock};

use super::Server;

/// A gateway with `limits`; its client sees redirects rather than following them.
pub async fn start(limits: Limits) -> Server {
    let mut s = Server::embedded(limits, Arc::new(SystemClock)).await;
    s.client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    s
}

pub const PASSWORD: &str = "long enough password 1";

/// The value `Set-Cookie` gives cookie `name`, and the whole header.
pub fn set_cookie(headers: &HeaderMap, name: &str) -> Option<(String, String)> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let value = v.strip_prefix(&format!("{name}="))?.split(';').next()?;
            Some((value.to_owned(), v.to_owned()))
        })
}

/// The text of the element with `id="problem"` in a page.
pub fn problem(page: &str) -> &str {
    let start = page.find("id=\"problem\"").expect("a problem said");
    let rest = &page[start..];
    let open = rest.find('>').unwrap() + 1;
    &rest[open..open + rest[open..].find('<').unwrap()]
}

/// A browser's first visit to a pre-sign-in page: its form token (cookie and field).
pub async fn form_token(s: &Server, path: &str) -> String {
    let res = s
        .client
        .get(format!("{}{path}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    set_cookie(res.headers(), "synergy_form").unwrap().0
}

/// Posts the sign-in form as the page would.
pub async fn sign_in(s: &Server, token: &str, login: &str, password: &str) -> reqwest::Response {
    s.client
        .post(format!("{}/sign-in", s.base))
        .header("Cookie", format!("synergy_form={token}"))
        .form(&[
            ("login", login),
            ("password", password),
            ("form_token", token),
        ])
        .send()
        .await
        .unwrap()
}

/// A user of `org` in `role` who has set PASSWORD: their login.
pub async fn user(s: &Server, org: &str, role: Role, login: &str) -> String {
    let new = s
        .users
        .invite(OrgId::new(org).unwrap(), role, None, SystemClock.now())
        .unwrap();
    s.users
        .accept(&new.token, login, PASSWORD, SystemClock.now())
        .unwrap();
    login.to_owned()
}

/// Signs `login` in: the session cookie.
pub async fn session(s: &Server, login: &str) -> String {
    let token = form_token(s, "/sign-in").await;
    let res = sign_in(s, &token, login, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    set_cookie(res.headers(), "synergy_session").unwrap().0
}
