//! Webhooks: a party of the partnership in force registers and removes its own; nobody
//! else sees or removes them, and a URL that is no place to deliver to is refused naming
//! `url`.

mod common;

use common::*;
use synergy_domain::{ErrorKind, testing::given};
use synergy_proto::{Event, Uuid, events::strategy::StrategyEvent};
use synergy_strategy::{Answer, Command, Query, Strategy, StrategyState, Webhook, answer};

const URL: &str = "https://hooks.example.com/synergy";

fn hook() -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001)
}

fn register(url: &str) -> Command {
    Command::RegisterWebhook {
        partnership: partnership(),
        webhook: hook(),
        url: url.to_owned(),
    }
}

fn remove() -> Command {
    Command::RemoveWebhook {
        partnership: partnership(),
        webhook: hook(),
    }
}

fn registered_by_distributor() -> Event {
    ev(StrategyEvent::WebhookRegistered {
        webhook: hook(),
        org: distributor(),
        url: URL.to_owned(),
    })
}

#[test]
fn either_party_registers_a_webhook_of_its_own_and_a_retry_records_nothing() {
    given(signed(), as_distributor())
        .when::<Strategy>(register(URL))
        .then([registered_by_distributor()]);
    given(signed(), as_manufacturer())
        .when::<Strategy>(register(URL))
        .then([ev(StrategyEvent::WebhookRegistered {
            webhook: hook(),
            org: manufacturer(),
            url: URL.to_owned(),
        })]);
    given(
        with(signed(), [registered_by_distributor()]),
        as_distributor(),
    )
    .when::<Strategy>(register(URL))
    .then_nothing();
}

#[test]
fn an_outsider_is_answered_as_for_a_partnership_that_does_not_exist() {
    given(signed(), as_outsider())
        .when::<Strategy>(register(URL))
        .refused("partnership.must_exist");
    given(with(signed(), [registered_by_distributor()]), as_outsider())
        .when::<Strategy>(remove())
        .refused("partnership.must_exist");
    given(Vec::new(), as_distributor())
        .when::<Strategy>(register(URL))
        .refused("partnership.must_exist");
}

#[test]
fn only_the_party_that_registered_a_webhook_removes_it() {
    let history = with(signed(), [registered_by_distributor()]);
    given(history.clone(), as_distributor())
        .when::<Strategy>(remove())
        .then([ev(StrategyEvent::WebhookRemoved { webhook: hook() })]);
    given(history, as_manufacturer())
        .when::<Strategy>(remove())
        .refused_at("webhook.must_exist", ErrorKind::NotFound, "webhook");
    given(signed(), as_distributor())
        .when::<Strategy>(remove())
        .refused_at("webhook.must_exist", ErrorKind::NotFound, "webhook");
}

#[test]
fn an_id_another_registration_holds_is_refused() {
    given(
        with(signed(), [registered_by_distributor()]),
        as_manufacturer(),
    )
    .when::<Strategy>(register(URL))
    .refused_at("webhook.id_taken", ErrorKind::State, "webhook");
}

#[test]
fn a_url_that_is_no_place_to_deliver_to_is_refused_naming_url() {
    let long = format!("https://example.com/{}", "a".repeat(2_100));
    for (url, rule) in [
        ("not a url", "webhook.url_invalid"),
        ("/relative/path", "webhook.url_invalid"),
        ("ftp://example.com/hook", "webhook.url_scheme"),
        ("file:///etc/passwd", "webhook.url_scheme"),
        (
            "https://user:secret@example.com/hook",
            "webhook.url_credentials",
        ),
        ("https://token@example.com/hook", "webhook.url_credentials"),
        (long.as_str(), "webhook.url_too_long"),
    ] {
        given(signed(), as_distributor())
            .when::<Strategy>(register(url))
            .refused_at(rule, ErrorKind::Invalid, "url");
    }
    given(signed(), as_distributor())
        .when::<Strategy>(register("http://127.0.0.1:8080/hook?x=1"))
        .accepted();
}

#[test]
fn a_terminated_partnership_takes_no_new_webhook() {
    given(terminated(), as_distributor())
        .when::<Strategy>(register(URL))
        .refused("partnership.terminated_accepts_nothing");
}

#[test]
fn the_list_shows_a_party_its_own_webhooks_until_removed() {
    let history = with(signed(), [registered_by_distributor()]);
    let state = StrategyState::fold(&history);
    let of = |org| {
        answer(
            &state,
            &Query::Webhooks {
                partnership: partnership(),
                org: Some(org),
            },
        )
    };
    assert_eq!(
        of(distributor()),
        Answer::Webhooks(vec![Webhook {
            id: hook(),
            partnership: partnership(),
            org: distributor(),
            url: URL.to_owned(),
        }])
    );
    assert_eq!(of(manufacturer()), Answer::Webhooks(Vec::new()));
    let removed = StrategyState::fold(&with(
        history,
        [ev(StrategyEvent::WebhookRemoved { webhook: hook() })],
    ));
    assert_eq!(
        answer(
            &removed,
            &Query::Webhooks {
                partnership: partnership(),
                org: None,
            },
        ),
        Answer::Webhooks(Vec::new())
    );
}
