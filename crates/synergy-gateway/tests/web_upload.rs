//! The upload page's form over HTTP on a real gateway: every part of the
//! `multipart/form-data` body is bounded, and a form past a bound is a page that names the
//! field, the limit and the rule, never a 500 and never the API's JSON. The browser's view
//! (uploading, bad rows, corrections, who may) is `synergy`'s `tests/web_upload.rs`.

mod common;

use common::Server;
use common::web::*;
use reqwest::StatusCode;
use synergy_gateway::Limits;
use synergy_proto::Role;

const BOUNDARY: &str = "synergy-upload-test-boundary";
const PAGE: &str = "/app/partnerships/hongyun-changzhi/upload";

/// A multipart body of `fields`, then `file` as the field `file`.
fn multipart(fields: &[(&str, &str)], file: Option<&[u8]>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(bytes) = file {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"june.csv\"\r\nContent-Type: text/csv\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A distributor signed in: the session cookie and its CSRF token.
async fn distributor(s: &Server) -> (String, String) {
    user(s, "changzhi", Role::Distributor, "zhang.min").await;
    let cookie = session(s, "zhang.min").await;
    let home = s
        .client
        .get(format!("{}/app", s.base))
        .header("Cookie", format!("synergy_session={cookie}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = home.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = home[at..at + 64].to_owned();
    (cookie, csrf)
}

/// Posts `body` to the upload page as `cookie`: the status, the content type and the page.
async fn post(
    s: &Server,
    cookie: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String, String) {
    let res = s
        .client
        .post(format!("{}{PAGE}", s.base))
        .header("Cookie", format!("synergy_session={cookie}"))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    (status, kind, res.text().await.unwrap())
}

fn form_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

#[tokio::test]
async fn a_file_past_the_body_limit_is_a_page_naming_the_limit_and_the_api_keeps_its_json() {
    let s = start(Limits {
        body_bytes: 1024 * 1024,
        ..Limits::default()
    })
    .await;
    let (cookie, csrf) = distributor(&s).await;
    let big = vec![b'1'; 1024 * 1024 + 1];
    let body = multipart(&[("csrf", &csrf), ("month", "2008-07")], Some(&big));
    let (status, kind, page) = post(&s, &cookie, &form_type(), body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{page}");
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(
        page.contains("web.body_too_large") && page.contains("1 MB"),
        "{}",
        problem(&page)
    );
    // The API's upload route still answers its JSON.
    let res = s
        .client
        .post(format!(
            "{}/v1/partnerships/hongyun-changzhi/market-data",
            s.base
        ))
        .header("Content-Type", "text/csv")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("json")
    );
}

#[tokio::test]
async fn a_file_past_the_import_limit_is_refused_naming_the_limit_before_it_is_read() {
    let mut limits = Limits::default();
    limits.import.file_bytes = 1_000;
    let s = start(limits).await;
    let (cookie, csrf) = distributor(&s).await;
    let file = vec![b'1'; 1_001];
    let body = multipart(&[("csrf", &csrf), ("month", "2008-07")], Some(&file));
    let (status, kind, page) = post(&s, &cookie, &form_type(), body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{page}");
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(problem(&page).contains("1000"), "{}", problem(&page));
    assert!(page.contains("import.limit_file_bytes"), "{page}");
}

#[tokio::test]
async fn the_form_s_text_fields_are_bounded_and_only_its_own_fields_are_read() {
    let s = start(Limits::default()).await;
    let (cookie, csrf) = distributor(&s).await;
    let file: &[u8] = b"period,sku\n";

    // A reason past its bytes: refused naming the field.
    let long = "原".repeat(1_000);
    let body = multipart(
        &[("csrf", &csrf), ("month", "2008-07"), ("reason", &long)],
        Some(file),
    );
    let (status, _, page) = post(&s, &cookie, &form_type(), body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("web.upload_field_too_long") && problem(&page).contains("2000"),
        "{page}"
    );

    // A field the form has not, a field twice, and a body that is no multipart form: the
    // form is not read (400), whatever the token.
    for body in [
        multipart(&[("csrf", &csrf), ("sheet", "六月")], Some(file)),
        multipart(
            &[("csrf", &csrf), ("month", "2008-07"), ("month", "2008-08")],
            Some(file),
        ),
    ] {
        let (status, kind, page) = post(&s, &cookie, &form_type(), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        assert!(
            kind.starts_with("text/html") && page.contains("web.upload_form"),
            "{page}"
        );
    }
    let (status, _, page) = post(
        &s,
        &cookie,
        "application/x-www-form-urlencoded",
        format!("csrf={csrf}&month=2008-07").into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("web.upload_form"), "{page}");

    // A form read whole but without its token: refused before anything else.
    let body = multipart(&[("month", "2008-07")], Some(file));
    let (status, _, page) = post(&s, &cookie, &form_type(), body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("web.csrf"), "{page}");
}
