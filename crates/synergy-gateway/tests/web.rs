//! The web app over HTTP on a real gateway: the headers every page carries, the form
//! tokens, the sign-in limits, the invitation's refusals and the admin's invitation page.
//! The browser's own view (cookies across sites, navigation) is `synergy`'s `tests/web.rs`.

mod common;

use common::Server;
use common::web::{self, *};
use reqwest::StatusCode;
use synergy_gateway::Limits;
use synergy_gateway::web::CONTENT_SECURITY_POLICY;
use synergy_proto::{OrgId, Role};
use synergy_runtime::{Clock, SystemClock};

async fn start() -> Server {
    web::start(Limits::default()).await
}

#[tokio::test]
async fn pages_forbid_scripts_frames_and_sniffing_and_the_stylesheet_is_cached_by_its_hash() {
    let s = start().await;
    let res = s
        .client
        .get(format!("{}/sign-in", s.base))
        .send()
        .await
        .unwrap();
    let h = res.headers();
    assert_eq!(h["content-security-policy"], CONTENT_SECURITY_POLICY);
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'none'"));
    assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    let page = res.text().await.unwrap();
    assert!(!page.contains("<script"), "no script at all");
    assert!(!page.contains("style="), "no inline style");
    let css = synergy_gateway::web::css_url();
    assert!(page.contains(css));
    let res = s
        .client
        .get(format!("{}{css}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(res.text().await.unwrap().contains("@page{size:A4"));
    let stale = s
        .client
        .get(format!("{}/assets/app-000000000000.css", s.base));
    assert_eq!(stale.send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // `/` sends a stranger to sign in; the API keeps answering JSON.
    let res = s.client.get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/sign-in");
    let res = s
        .client
        .get(format!("{}/app", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/sign-in");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_secure_over_https() {
    let s = start().await;
    let login = user(&s, "hongyun", Role::Manufacturer, "li.wei").await;
    let token = form_token(&s, "/sign-in").await;
    let res = sign_in(&s, &token, &login, PASSWORD).await;
    assert_eq!(res.headers()["location"], "/app");
    let (_, header) = set_cookie(res.headers(), "synergy_session").unwrap();
    assert!(
        header.contains("HttpOnly; SameSite=Strict; Path=/"),
        "{header}"
    );
    assert!(!header.contains("Secure"), "plain http: {header}");
    let res = s
        .client
        .post(format!("{}/sign-in", s.base))
        .header("Cookie", format!("synergy_form={token}"))
        .header("X-Forwarded-Proto", "https")
        .form(&[
            ("login", login.as_str()),
            ("password", PASSWORD),
            ("form_token", &token),
        ])
        .send()
        .await
        .unwrap();
    let (_, header) = set_cookie(res.headers(), "synergy_session").unwrap();
    assert!(header.ends_with("; Secure"), "{header}");
}

#[tokio::test]
async fn a_sign_in_form_without_its_token_is_refused_before_any_password_is_checked() {
    let s = start().await;
    let login = user(&s, "hongyun", Role::Manufacturer, "li.wei").await;
    let token = form_token(&s, "/sign-in").await;
    for (cookie, field) in [
        ("", token.as_str()),
        (token.as_str(), ""),
        (token.as_str(), "0"),
    ] {
        let res = s
            .client
            .post(format!("{}/sign-in", s.base))
            .header("Cookie", format!("synergy_form={cookie}"))
            .form(&[
                ("login", login.as_str()),
                ("password", PASSWORD),
                ("form_token", field),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(set_cookie(res.headers(), "synergy_session").is_none());
        assert!(res.text().await.unwrap().contains("web.csrf"));
    }
}

#[tokio::test]
async fn sign_in_says_the_same_for_an_unknown_login_and_a_wrong_password_and_stops_after_five_failures()
 {
    let s = start().await;
    let login = user(&s, "hongyun", Role::Manufacturer, "li.wei").await;
    let token = form_token(&s, "/sign-in").await;
    let wrong = sign_in(&s, &token, &login, "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong = wrong.text().await.unwrap();
    let unknown = sign_in(&s, &token, "nobody", "not the password").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(problem(&unknown.text().await.unwrap()), problem(&wrong));
    for _ in 0..4 {
        let res = sign_in(&s, &token, &login, "not the password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Five failures of one login: the right password is not even checked for 15 minutes.
    let res = sign_in(&s, &token, &login, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(set_cookie(res.headers(), "synergy_session").is_none());
    assert!(problem(&res.text().await.unwrap()).contains("15"));
    // Another account from the same address still signs in (30 attempts per address).
    let other = user(&s, "changzhi", Role::Distributor, "zhang.min").await;
    let res = sign_in(&s, &token, &other, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_invitation_refuses_a_bad_password_naming_it_records_nothing_and_admits_once() {
    let s = start().await;
    let new = s
        .users
        .invite(
            OrgId::new("changzhi").unwrap(),
            Role::Distributor,
            Some("zhang".into()),
            SystemClock.now(),
        )
        .unwrap();
    let path = format!("/invite/{}", new.token);
    let token = form_token(&s, &path).await;
    let post = |fields: [(&'static str, String); 4]| {
        s.client
            .post(format!("{}{path}", s.base))
            .header("Cookie", format!("synergy_form={token}"))
            .form(&fields)
            .send()
    };
    let fields = |login: &str, password: &str, again: &str| {
        [
            ("login", login.to_owned()),
            ("password", password.to_owned()),
            ("password_again", again.to_owned()),
            ("form_token", token.clone()),
        ]
    };
    for (f, words) in [
        (
            fields("zhang", PASSWORD, "another one entirely"),
            "两次输入的密码不一致",
        ),
        (fields("zhang", "short", "short"), "密码至少需要 10 个字符"),
        (fields("Zhang!", PASSWORD, PASSWORD), "用户名须为"),
    ] {
        let res = post(f).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            problem(&res.text().await.unwrap()).contains(words),
            "{words}"
        );
    }
    // Nothing was recorded: the link still admits, once.
    let res = post(fields("zhang", PASSWORD, PASSWORD)).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(res.headers(), "synergy_session").is_some());
    let res = post(fields("zhang2", PASSWORD, PASSWORD)).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("user.invitation_invalid")
    );
    let res = s
        .client
        .get(format!("{}{path}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_invites_on_a_page_with_its_session_token_and_no_one_else_may() {
    let s = start().await;
    let admin = user(&s, "operator", Role::Admin, "root").await;
    let cookie = session(&s, &admin).await;
    let page = s
        .client
        .get(format!("{}/app/invitations", s.base))
        .header("Cookie", format!("synergy_session={cookie}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &page[at..at + 64];
    let invite = |csrf: String| {
        s.client
            .post(format!("{}/app/invitations", s.base))
            .header("Cookie", format!("synergy_session={cookie}"))
            .form(&[
                ("csrf", csrf),
                ("org", "changzhi".into()),
                ("role", "distributor".into()),
                ("name", "".into()),
            ])
            .send()
    };
    let refused = invite("0".repeat(64)).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("web.csrf"));
    let made = invite(csrf.to_owned()).await.unwrap();
    assert_eq!(made.status(), StatusCode::OK);
    let page = made.text().await.unwrap();
    let link_at = page
        .find(&format!("{}/invite/", s.base))
        .expect("the link shown");
    let token = &page[link_at + s.base.len() + 8..link_at + s.base.len() + 8 + 81];
    let invitation = s
        .users
        .invitation(token, SystemClock.now())
        .unwrap()
        .unwrap();
    assert_eq!(invitation.org.as_str(), "changzhi");
    assert_eq!(invitation.role, Role::Distributor);

    let manufacturer = user(&s, "hongyun", Role::Manufacturer, "li.wei").await;
    let cookie = session(&s, &manufacturer).await;
    let res = s
        .client
        .get(format!("{}/app/invitations", s.base))
        .header("Cookie", format!("synergy_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
