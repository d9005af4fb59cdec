//! The services over a real nats-server (testkit), run in-process as tokio tasks, each
//! with its own NATS connection and JetStream log as separate processes would have, driven
//! through `NatsApi` exactly as the CLI's `--nats` mode and the gateway drive them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use synergy_domain::{ErrorCode, ErrorKind, Principal};
use synergy_evaluation::render::Format;
use synergy_eventlog::{JetStreamConfig, JetStreamLog, Position};
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::*;
use synergy_runtime::nats::wire::{self, CommandReply, CommandRequest};
use synergy_runtime::nats::{NatsApi, NatsApiConfig, ServiceRole, ServiceStats};
use synergy_runtime::{
    AnyCommand, Api, ApiError, ExecuteError, NotFound, ReportRequest, Request, Unavailable,
};
use synergy_testkit::NatsServer;

mod common;

use common::nats::{Running, start};
use common::{catalogue, distributor, manufacturer, month_data, operator, org, sign};

/// A nats-server and the six services, one task each.
struct World {
    server: NatsServer,
    views: tempfile::TempDir,
    services: Vec<(ServiceRole, Running)>,
}

impl World {
    async fn start() -> World {
        let server = NatsServer::start().expect("nats-server starts (set NATS_SERVER_BIN)");
        let views = tempfile::tempdir().unwrap();
        let mut services = Vec::new();
        for context in Context::ALL {
            let role = ServiceRole::Context(context);
            let dir = (context == Context::Evaluation).then(|| views.path().join("evaluation"));
            services.push((role, start(&server.url(), role, dir.as_deref()).await));
        }
        World {
            server,
            views,
            services,
        }
    }

    async fn api(&self) -> NatsApi {
        NatsApi::connect(&self.server.url().parse().unwrap())
            .await
            .unwrap()
    }

    /// A client, with partnership `p` signed by the operator.
    async fn signed_api(&self) -> NatsApi {
        let api = self.api().await;
        api.execute(Request::new(operator(), sign(&p())))
            .await
            .unwrap();
        api
    }

    fn stats(&self, context: Context) -> &ServiceStats {
        self.services
            .iter()
            .find(|(r, _)| *r == ServiceRole::Context(context))
            .map(|(_, s)| &*s.stats)
            .unwrap()
    }

    async fn shut_down(self) {
        for (role, running) in self.services {
            running
                .shut_down()
                .await
                .unwrap_or_else(|e| panic!("{role} stops cleanly: {e}"));
        }
        drop(self.views);
    }
}

fn p() -> PartnershipId {
    PartnershipId::new("hongyun-changzhi").unwrap()
}

fn month_of(month: u8, sku: &str, volume: &str) -> AnyCommand {
    month_in(2008, month, sku, volume)
}

fn month_in(year: i32, month: u8, sku: &str, volume: &str) -> AnyCommand {
    month_data(
        &p(),
        YearMonth::new(year, month).unwrap(),
        sku,
        volume,
        None,
    )
}

fn report(period: &str) -> ReportRequest {
    ReportRequest {
        partnership: p(),
        period: period.parse().unwrap(),
        kind: ReportKind::Market,
        format: Format::Json,
        as_of: "2009-01-31".parse().unwrap(),
        after: None,
    }
}

/// The market report's JSON, parsed.
async fn market_json(api: &NatsApi, period: &str) -> serde_json::Value {
    let text = api.report(report(period)).await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("report is JSON ({e}): {text}"))
}

/// The partnership's own volume in cases over the report's period, as the JSON states it.
fn volume_of(json: &serde_json::Value) -> String {
    json.pointer("/kpis/volume_cases")
        .map(ToString::to_string)
        .unwrap_or_else(|| panic!("no volume in {json:#}"))
}

async fn setup(api: &NatsApi) {
    let signed = api
        .execute(Request::new(operator(), sign(&p())))
        .await
        .unwrap();
    assert_eq!(signed.events, ["PartnershipSigned"]);
    let registered = api
        .execute(Request::new(manufacturer(), catalogue(&p())))
        .await
        .unwrap();
    assert_eq!(registered.events, ["SkuRegistered"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_register_submit_and_read_a_report_over_nats() {
    let world = World::start().await;
    let api = world.api().await;

    assert_eq!(api.partnership(&p()).await.unwrap(), None);
    setup(&api).await;
    let view = api.partnership(&p()).await.unwrap().expect("signed");
    assert_eq!(view.manufacturer, org("hongyun"));
    assert_eq!(view.distributor, org("changzhi"));
    let skus = api.catalogue(&p()).await.unwrap();
    assert_eq!(
        skus.skus.keys().map(SkuId::as_str).collect::<Vec<_>>(),
        ["hy-soft"]
    );

    let submitted = api
        .execute(Request::new(
            distributor(),
            month_of(5, "hy-soft", "1200.5"),
        ))
        .await
        .unwrap();
    assert_eq!(submitted.events, ["MarketDataSubmitted"]);
    assert_eq!(api.last_write(), submitted.position);

    // Asked right after the write: the report reflects it.
    let json = market_json(&api, "2008-05").await;
    assert_eq!(volume_of(&json), "1200.5", "{json:#}");
    // 1200.5 of 11300 cases in the market.
    assert_eq!(json["kpis"]["volume_share_pct"], 10.62, "{json:#}");

    // Each service answered its own: commands by context, queries by their owners.
    assert_eq!(world.stats(Context::Strategy).commands(), 1);
    assert_eq!(world.stats(Context::Strategy).queries(), 2);
    assert_eq!(world.stats(Context::Brand).commands(), 1);
    assert_eq!(world.stats(Context::Brand).queries(), 1);
    assert_eq!(world.stats(Context::Information).commands(), 1);
    assert_eq!(world.stats(Context::Evaluation).queries(), 1);
    assert_eq!(world.stats(Context::Marketing).handled(), 0);

    // The share-gap planner is evaluation's too; one month of history cannot plan, and
    // the refusal arrives with its rule.
    let err = api
        .plan_gap(synergy_runtime::PlanGapRequest {
            partnership: p(),
            period: "2008-H2".parse().unwrap(),
            target_share: "27".parse().unwrap(),
            format: synergy_evaluation::render::Format::Json,
            after: None,
        })
        .await
        .unwrap_err();
    let ApiError::Execute(ExecuteError::Refused(refusal)) = err else {
        panic!("expected a refusal, got {err}")
    };
    assert_eq!(refusal.rule, "planner.insufficient_history", "{refusal}");
    assert_eq!(world.stats(Context::Evaluation).queries(), 2);

    // Value realised is evaluation's too: a campaign's promise against the market data,
    // read right after the promise; a campaign that does not exist is not found.
    let may: synergy_proto::CampaignId = "may".parse().unwrap();
    for command in [
        synergy_marketing::Command::PlanCampaign {
            partnership: p(),
            campaign: may.clone(),
            title: "May push".into(),
            brand: BrandId::new("hongyun").unwrap(),
            skus: vec![SkuId::new("hy-soft").unwrap()],
            starts_on: "2008-05-01".parse().unwrap(),
            ends_on: "2008-05-31".parse().unwrap(),
            activity_plan: "displays".into(),
        },
        synergy_marketing::Command::PromiseUplift {
            partnership: p(),
            campaign: may.clone(),
            skus: vec![SkuId::new("hy-soft").unwrap()],
            first_month: "2008-05".parse().unwrap(),
            last_month: "2008-05".parse().unwrap(),
            uplift: Cases::parse("100").unwrap(),
            reason: String::new(),
        },
    ] {
        api.execute(Request::new(manufacturer(), AnyCommand::Marketing(command)))
            .await
            .unwrap();
    }
    let asked = |campaign: synergy_proto::CampaignId| synergy_runtime::ValueRealisedRequest {
        partnership: p(),
        campaign,
        as_of: "2008-07-15".parse().unwrap(),
        after: None,
    };
    let text = api.value_realised(asked(may)).await.unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["actual_cases"], 1200.5, "{json:#}");
    assert_eq!(json["uplift_cases"], 100, "{json:#}");
    // Nothing is recorded for May 2007: no baseline, so neither kept nor broken.
    assert_eq!(json["baseline_cases"], serde_json::Value::Null, "{json:#}");
    assert_eq!(json["kept"], serde_json::Value::Null, "{json:#}");
    let err = api
        .value_realised(asked("nope".parse().unwrap()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ApiError::NotFound(NotFound::Campaign { campaign, .. }) if campaign.as_str() == "nope"),
        "{err}"
    );
    assert_eq!(world.stats(Context::Evaluation).queries(), 4);
    world.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_arrives_with_its_kind_rule_field_and_message() {
    let world = World::start().await;
    let api = world.signed_api().await;

    // The catalogue is the manufacturer's task.
    let err = api
        .execute(Request::new(distributor(), catalogue(&p())))
        .await
        .unwrap_err();
    let ApiError::Execute(ExecuteError::Refused(refusal)) = err else {
        panic!("expected a refusal, got {err}")
    };
    assert_eq!(refusal.kind, ErrorKind::Forbidden);
    assert!(refusal.message.contains("changzhi"), "{refusal}");

    api.execute(Request::new(manufacturer(), catalogue(&p())))
        .await
        .unwrap();
    // A SKU that is not registered: invalid, naming the line's sku field.
    let err = api
        .execute(Request::new(distributor(), month_of(5, "hy-hard", "10")))
        .await
        .unwrap_err();
    let ApiError::Execute(ExecuteError::Refused(refusal)) = err else {
        panic!("expected a refusal, got {err}")
    };
    assert_eq!(refusal.kind, ErrorKind::Invalid);
    assert_eq!(refusal.rule, "market_data.sku_registered");
    assert_eq!(
        refusal.field.as_deref(),
        Some("months[2008-05].lines[hy-hard].sku")
    );
    assert!(refusal.message.contains("hy-hard"), "{refusal}");
    assert!(api.last_write().is_some(), "the catalogue was a write");

    // A dry run travels to the service, is decided there and records nothing: the same
    // command afterwards is still the first submission of its month.
    let written = api.last_write();
    let checked = api
        .execute(Request::new(distributor(), month_of(5, "hy-soft", "10")).checked())
        .await
        .unwrap();
    assert_eq!(checked.events, ["MarketDataSubmitted"]);
    assert_eq!((checked.position, api.last_write()), (None, written));
    let recorded = api
        .execute(Request::new(distributor(), month_of(5, "hy-soft", "10")))
        .await
        .unwrap();
    assert_eq!(recorded.events, ["MarketDataSubmitted"]);
    world.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_failure_arrives_over_nats_with_its_code_of_the_table() {
    let world = World::start().await;
    let api = world.signed_api().await;

    let refused = api
        .execute(Request::new(distributor(), catalogue(&p())))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden, "{refused}");

    api.execute(Request::new(manufacturer(), catalogue(&p())))
        .await
        .unwrap();
    api.execute(Request::new(distributor(), month_of(5, "hy-soft", "10")))
        .await
        .unwrap();
    let conflict = api
        .execute(Request::new(distributor(), month_of(5, "hy-soft", "11")))
        .await
        .unwrap_err();
    assert_eq!(conflict.code(), ErrorCode::Conflict, "{conflict}");

    let missing = api
        .issued_report(&p(), ReportKind::Market, "2008-Q2".parse().unwrap(), 9)
        .await
        .unwrap_err();
    assert_eq!(missing.code(), ErrorCode::NotFound, "{missing}");
    let ApiError::NotFound(NotFound::IssuedVersion { version, kind, .. }) = missing else {
        panic!("what was not found is named: {missing:?}")
    };
    assert_eq!((version, kind), (9, ReportKind::Market));
    world.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_of_a_service_share_its_load() {
    let world = World::start().await;
    let second = start(
        &world.server.url(),
        ServiceRole::Context(Context::Information),
        None,
    )
    .await;
    let api = Arc::new(world.api().await);
    setup(&api).await;

    // Two years of months from several callers at once; each lands once, whichever
    // replica decided it. (All 24 on one replica by chance: p = 2^-23.)
    let tasks: Vec<_> = (0..24u8)
        .map(|i| {
            let api = Arc::clone(&api);
            let command = month_in(2008 + i32::from(i / 12), i % 12 + 1, "hy-soft", "100");
            tokio::spawn(async move {
                // All of them write the one market-data aggregate, so some lose the race
                // more often than the executor retries; "contended" recorded nothing and
                // says to retry, which a caller does with the same key.
                let request = Request::new(distributor(), command).with_key(Uuid::now_v7());
                let mut contended = 0;
                loop {
                    match api.execute(request.clone()).await {
                        Err(ApiError::Execute(ExecuteError::Contended { .. }))
                            if contended < 20 =>
                        {
                            contended += 1;
                            tokio::time::sleep(Duration::from_millis(10 * contended)).await;
                        }
                        other => break other,
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        let outcome = task.await.unwrap().unwrap();
        assert_eq!(outcome.events, ["MarketDataSubmitted"]);
    }
    let first = world.stats(Context::Information).commands();
    let other = second.stats.commands();
    // Retries after "contended" are requests too.
    assert!(first + other >= 24, "{first} + {other}");
    // The 24 months, each recorded once (the log also holds what the scheduler issued
    // meanwhile, so its head says nothing here).
    let client = synergy_runtime::nats::connect(&world.server.url().parse().unwrap(), "test-count")
        .await
        .unwrap();
    let log = JetStreamLog::open(client, JetStreamConfig::default())
        .await
        .unwrap();
    let months = synergy_eventlog::EventLog::read_aggregate(
        &log,
        &synergy_information::market_data_stream(&p()),
        1,
    )
    .await
    .unwrap();
    assert_eq!(months.len(), 24);
    assert!(
        first > 0 && other > 0,
        "both replicas took requests: {first} and {other}"
    );
    second.shut_down().await.unwrap();
    world.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_report_reflects_the_write_just_before_it() {
    let world = World::start().await;
    let api = world.api().await;
    setup(&api).await;
    for month in 1..=6u8 {
        let volume = format!("{}", 1000 + u32::from(month));
        api.execute(Request::new(
            distributor(),
            month_of(month, "hy-soft", &volume),
        ))
        .await
        .unwrap();
        let json = market_json(&api, &format!("2008-{month:02}")).await;
        assert_eq!(volume_of(&json), volume, "month {month}: {json:#}");
    }
    // A position nobody wrote yet: the query waits its bounded time and says "not ready".
    let mut ahead = report("2008-01");
    ahead.after = Some(Position(api.last_write().unwrap().get() + 100));
    let quick = NatsApi::new(
        api.client().clone(),
        NatsApiConfig {
            request_timeout: Duration::from_secs(2),
            ..NatsApiConfig::default()
        },
    );
    let started = Instant::now();
    let err = quick.report(ahead).await.unwrap_err();
    assert!(matches!(err, ApiError::NotReady(_)), "{err}");
    assert!(started.elapsed() >= Duration::from_secs(5), "it waited");
    world.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_bad_request_and_the_service_keeps_going() {
    let world = World::start().await;
    let api = world.api().await;
    let client = api.client().clone();
    let subject = subject::command(Context::Information, "submit-market-data").unwrap();

    let ask = |payload: Vec<u8>, subject: String| {
        let client = client.clone();
        async move {
            let reply = client.request(subject, payload.into()).await.unwrap();
            let reply: CommandReply = wire::decode(&reply.payload).unwrap();
            reply.unwrap_err()
        }
    };
    for garbage in [
        Vec::new(),
        b"not a synergy frame".to_vec(),
        b"SM\x01\x00\xff\xff\xff\xff".to_vec(),
        b"SM\x07\x00".to_vec(),
    ] {
        let err = ask(garbage, subject.clone()).await;
        assert_eq!(err.code, wire::code::BAD_REQUEST, "{err:?}");
        assert!(err.message.contains(&subject), "{}", err.message);
    }

    // A well-formed command on another context's subject, and on the wrong verb.
    let request = |command| {
        wire::encode(&CommandRequest::from_request(Request::new(
            distributor(),
            command,
        )))
        .unwrap()
    };
    let err = ask(request(sign(&p())), subject.clone()).await;
    assert_eq!(err.code, wire::code::BAD_REQUEST);
    assert!(err.message.contains("strategy command"), "{}", err.message);
    let wrong_verb = subject::command(Context::Strategy, "adopt-rulebook").unwrap();
    let err = ask(request(sign(&p())), wrong_verb).await;
    assert_eq!(err.code, wire::code::BAD_REQUEST);
    assert!(
        err.message.contains("syn.cmd.strategy.sign-partnership"),
        "{}",
        err.message
    );
    assert_eq!(world.stats(Context::Information).bad_requests(), 5);
    assert_eq!(world.stats(Context::Strategy).bad_requests(), 1);
    assert_eq!(world.stats(Context::Strategy).commands(), 0);

    // Nothing was recorded, and the services still answer.
    setup(&api).await;
    assert_eq!(api.last_write(), Some(Position(2)));
    world.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_continue_after_a_nats_server_restart() {
    let mut world = World::start().await;
    let api = world.api().await;
    setup(&api).await;
    api.execute(Request::new(distributor(), month_of(1, "hy-soft", "500")))
        .await
        .unwrap();

    tokio::task::block_in_place(|| world.server.restart()).unwrap();

    // The caller retries with the same key until the services are back; the command is
    // recorded once.
    let key = Uuid::now_v7();
    let deadline = Instant::now() + Duration::from_secs(60);
    let outcome = loop {
        match api
            .execute(Request::new(distributor(), month_of(2, "hy-soft", "700")).with_key(key))
            .await
        {
            Ok(outcome) => break outcome,
            Err(ApiError::Execute(ExecuteError::Unavailable(reason))) => {
                assert!(Instant::now() < deadline, "still unavailable: {reason}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("unexpected error after the restart: {e}"),
        }
    };
    assert_eq!(outcome.events, ["MarketDataSubmitted"]);
    let again = api
        .execute(Request::new(distributor(), month_of(2, "hy-soft", "700")).with_key(key))
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.position, outcome.position);

    let json = market_json(&api, "2008-02").await;
    assert_eq!(volume_of(&json), "700", "{json:#}");
    let json = market_json(&api, "2008-01").await;
    assert_eq!(volume_of(&json), "500", "{json:#}");
    world.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_service_drains_and_callers_hear_it_is_gone() {
    let server = NatsServer::start().unwrap();
    let strategy = start(&server.url(), ServiceRole::Context(Context::Strategy), None).await;
    let api = NatsApi::connect(&server.url().parse().unwrap())
        .await
        .unwrap();
    api.execute(Request::new(operator(), sign(&p())))
        .await
        .unwrap();
    strategy.shut_down().await.unwrap();

    let err = api.partnership(&p()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");
    let ApiError::Execute(ExecuteError::Unavailable(reason)) = err else {
        panic!("expected unavailable, got {err}")
    };
    assert!(
        matches!(&reason, Unavailable::NoService { service, .. } if service == "strategy"),
        "{reason:?}"
    );
    assert!(
        reason
            .to_string()
            .contains("no strategy service is running"),
        "{reason}"
    );
}

fn sign_for(partnership: &str) -> AnyCommand {
    AnyCommand::Strategy(synergy_strategy::Command::SignPartnership {
        partnership: PartnershipId::new(partnership).unwrap(),
        manufacturer: org("hongyun"),
        distributor: org("changzhi"),
        region: "Changzhi".into(),
        signed_on: "2007-12-18".parse().unwrap(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_answers_every_request_the_service_already_received() {
    use futures::StreamExt;

    let server = NatsServer::start().unwrap();
    let strategy = start(&server.url(), ServiceRole::Context(Context::Strategy), None).await;
    let client = synergy_runtime::nats::connect(&server.url().parse().unwrap(), "test-caller")
        .await
        .unwrap();
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await.unwrap();
    let subject = subject::command(Context::Strategy, "sign-partnership").unwrap();
    for i in 0..10 {
        let request =
            CommandRequest::from_request(Request::new(operator(), sign_for(&format!("p{i}"))));
        client
            .publish_with_reply(
                subject.clone(),
                inbox.clone(),
                wire::encode(&request).unwrap().into(),
            )
            .await
            .unwrap();
    }
    // Once the server has read our requests it has handed them to the service; stopping
    // now must still answer all ten.
    synergy_runtime::nats::sync(&client, &client.new_inbox(), Duration::from_secs(10))
        .await
        .unwrap();
    strategy.shut_down().await.unwrap();

    for _ in 0..10 {
        let reply = tokio::time::timeout(Duration::from_secs(10), replies.next())
            .await
            .expect("every request is answered")
            .unwrap();
        let reply: CommandReply = wire::decode(&reply.payload).unwrap();
        assert_eq!(reply.unwrap().events, ["PartnershipSigned"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_can_host_every_service() {
    let server = NatsServer::start().unwrap();
    let views = tempfile::tempdir().unwrap();
    let all = start(&server.url(), ServiceRole::All, Some(views.path())).await;
    let api = NatsApi::connect(&server.url().parse().unwrap())
        .await
        .unwrap();
    setup(&api).await;
    api.execute(Request::new(distributor(), month_of(3, "hy-soft", "42")))
        .await
        .unwrap();
    assert_eq!(volume_of(&market_json(&api, "2008-03").await), "42");
    assert!(api.partnership(&p()).await.unwrap().is_some());
    assert_eq!(all.stats.commands(), 3);
    assert_eq!(all.stats.queries(), 2);
    all.shut_down().await.unwrap();

    // The read models were kept in the views directory: a restarted evaluation answers
    // from where it was.
    let again = start(
        &server.url(),
        ServiceRole::Context(Context::Evaluation),
        Some(views.path()),
    )
    .await;
    assert_eq!(volume_of(&market_json(&api, "2008-03").await), "42");
    again.shut_down().await.unwrap();
}

#[test]
fn service_roles_parse_from_their_cli_names() {
    assert_eq!(
        "information".parse::<ServiceRole>().unwrap(),
        ServiceRole::Context(Context::Information)
    );
    assert_eq!("all".parse::<ServiceRole>().unwrap(), ServiceRole::All);
    let err = "gateway".parse::<ServiceRole>().unwrap_err();
    assert!(err.to_string().contains("evaluation"), "{err}");
    // Evaluation answers its own commands (issuing a report), which read its models.
    assert_eq!(
        ServiceRole::Context(Context::Evaluation).command_contexts(),
        [Context::Evaluation]
    );
    assert_eq!(ServiceRole::All.command_contexts().len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_issued_restated_and_kept_over_nats() {
    use synergy_runtime::IssueRequest;
    let world = World::start().await;
    let api = world.api().await;
    setup(&api).await;
    api.execute(Request::new(
        distributor(),
        month_of(5, "hy-soft", "1200.5"),
    ))
    .await
    .unwrap();
    let issue = || IssueRequest {
        principal: manufacturer(),
        partnership: p(),
        period: "2008-05".parse().unwrap(),
        kind: ReportKind::Market,
        as_of: "2009-01-31".parse().unwrap(),
    };
    let v1 = api.issue_report(issue()).await.unwrap();
    assert_eq!((v1.version, v1.issued), (1, true));
    assert!(v1.restatements.is_empty());
    // Nothing changed: issuing again states the same figures and records nothing.
    let same = api.issue_report(issue()).await.unwrap();
    assert_eq!((same.version, same.issued), (1, false));

    let mut correction = month_of(5, "hy-soft", "1300");
    if let AnyCommand::Information(synergy_information::Command::SubmitMarketData(s)) =
        &mut correction
    {
        s.reason = Some("volume was keyed wrong".into());
    }
    api.execute(Request::new(distributor(), correction))
        .await
        .unwrap();
    let v2 = api.issue_report(issue()).await.unwrap();
    assert_eq!((v2.version, v2.issued), (2, true));
    let volume = v2
        .restatements
        .iter()
        .find(|r| r.key == "kpis.volume_cases")
        .expect("the volume is restated");
    assert_eq!(volume.previous.as_deref(), Some("1200.5"));
    assert_eq!(volume.current.as_deref(), Some("1300"));

    let frozen = api
        .issued_report(&p(), ReportKind::Market, "2008-05".parse().unwrap(), 1)
        .await
        .unwrap();
    let frozen: serde_json::Value = serde_json::from_str(&frozen).unwrap();
    assert_eq!(frozen["version"], 1);
    assert_eq!(volume_of(&frozen), "1200.5", "version 1 is kept as issued");
    world.shut_down().await;
}

fn meeting(id: &str, on: &str) -> AnyCommand {
    AnyCommand::Support(synergy_support::Command::Meeting(
        synergy_support::MeetingCommand::Schedule {
            partnership: p(),
            meeting: MeetingId::new(id).unwrap(),
            kind: events::support::MeetingKind::Training,
            title: "客戶經理培訓".into(),
            scheduled_on: on.parse().unwrap(),
            period: None,
            agenda: Vec::new(),
        },
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_context_service_answers_its_own_reads() {
    use synergy_runtime::AnyQuery;

    let world = World::start().await;
    let api = world.api().await;
    setup(&api).await;
    for (month, volume) in [(3, "42"), (4, "43.5")] {
        api.execute(Request::new(
            distributor(),
            month_of(month, "hy-soft", volume),
        ))
        .await
        .unwrap();
    }
    for (id, on) in [
        ("m1", "2008-03-10"),
        ("m2", "2008-05-10"),
        ("m3", "2008-09-01"),
    ] {
        api.execute(Request::new(manufacturer(), meeting(id, on)))
            .await
            .unwrap();
    }

    // Information answers from its stream: months as text, exact amounts as text.
    let data = api
        .query(AnyQuery::Information(
            synergy_information::Query::MarketData {
                partnership: p(),
                period: Some("2008-H1".parse().unwrap()),
            },
        ))
        .await
        .unwrap();
    let months: Vec<_> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["month"].clone(), m["lines"][0]["volume"].clone()))
        .collect();
    assert_eq!(
        months,
        [
            (json("2008-03"), json("42.000")),
            (json("2008-04"), json("43.500"))
        ],
        "{data:#}"
    );

    // Support's overview reads every support stream of the partnership (a bounded,
    // server-filtered JetStream read): two meetings fall in 2008-H1, one does not.
    let overview = api
        .query(AnyQuery::Support(synergy_support::Query::Overview {
            partnership: p(),
            period: "2008-H1".parse().unwrap(),
            as_of: Timestamp::from_millis(1_230_000_000_000),
        }))
        .await
        .unwrap();
    assert_eq!(overview["meetings"]["scheduled"], 2, "{overview:#}");

    // One item that does not exist is null; the caller decides it is a 404.
    let missing = api
        .query(AnyQuery::Strategy(synergy_strategy::Query::Plan {
            partnership: p(),
            plan: PlanId::new("nope").unwrap(),
        }))
        .await
        .unwrap();
    assert!(missing.is_null(), "{missing}");

    // Each read went to its own context's service.
    assert_eq!(world.stats(Context::Information).queries(), 1);
    assert_eq!(world.stats(Context::Support).queries(), 1);
    assert!(world.stats(Context::Strategy).queries() >= 1);
    assert_eq!(world.stats(Context::Marketing).handled(), 0);
    world.shut_down().await;
}

fn json(s: &str) -> serde_json::Value {
    serde_json::Value::from(s)
}

/// One stray message on the brand service's own subjects (undecodable bytes, and a
/// decodable commit that names the strategy stream) stops nothing: evaluation folds past
/// both and counts them, also after a restart; commands on the stream that carries them
/// and on the partnership they name go on; reports answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stray_messages_on_a_commit_subject_are_quarantined_and_stop_nothing() {
    let mut world = World::start().await;
    let api = world.api().await;
    setup(&api).await;
    let portfolio = synergy_brand::portfolio_stream(&p());
    let raw = async_nats::connect(world.server.url()).await.unwrap();
    let js = async_nats::jetstream::new(raw);
    let forged = Commit {
        commit_id: Uuid::now_v7(),
        stream: synergy_strategy::stream_for(&p()),
        first_version: 2,
        recorded_at: Timestamp::from_millis(0),
        actor: Actor {
            org: org("hongyun"),
            role: Role::Admin,
            user: "forger".into(),
        },
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        events: vec![RecordedEvent {
            event_id: Uuid::now_v7(),
            occurred_at: Timestamp::from_millis(0),
            event: Event::Strategy(events::StrategyEvent::PartnershipTerminated {
                terminated_on: "2008-01-01".parse().unwrap(),
                reason: "forged".into(),
            }),
        }],
    };
    for payload in [b"\x00stray".to_vec(), codec::encode_commit(&forged)] {
        js.publish(subject::commit(&portfolio), payload.into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    // Commands on the carrier stream and on the partnership go on.
    let submitted = api
        .execute(Request::new(
            distributor(),
            month_of(5, "hy-soft", "1200.5"),
        ))
        .await
        .unwrap();
    assert_eq!(submitted.events, ["MarketDataSubmitted"]);
    let view = api.partnership(&p()).await.unwrap().expect("signed");
    assert!(!view.terminated, "the forged termination was believed");
    let json = market_json(&api, "2008-05").await;
    assert_eq!(volume_of(&json), "1200.5", "{json:#}");
    assert_eq!(api.quarantined_records().await, Some(2));
    assert_eq!(api.consumer_lag().await, Some(0));

    // Evaluation restarts on the same read models: it starts, and still knows both.
    let at = world
        .services
        .iter()
        .position(|(r, _)| *r == ServiceRole::Context(Context::Evaluation))
        .unwrap();
    let (role, evaluation) = world.services.remove(at);
    evaluation.shut_down().await.unwrap();
    let dir = world.views.path().join("evaluation");
    world
        .services
        .push((role, start(&world.server.url(), role, Some(&dir)).await));
    let json = market_json(&api, "2008-05").await;
    assert_eq!(volume_of(&json), "1200.5", "{json:#}");
    assert_eq!(api.quarantined_records().await, Some(2));
    world.shut_down().await;
}

/// Both parties consent, over NATS as over HTTP: the distributor's signature proposes
/// the partnership, which binds nobody until the manufacturer accepts; until then the
/// proposal takes no other command, and an outsider hears of no partnership.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partnership_binds_once_the_other_party_accepts() {
    let world = World::start().await;
    let api = world.api().await;
    let proposed = api
        .execute(Request::new(distributor(), sign(&p())))
        .await
        .unwrap();
    assert_eq!(proposed.events, ["PartnershipProposed"]);
    assert_eq!(api.partnership(&p()).await.unwrap(), None);
    let refused = api
        .execute(Request::new(manufacturer(), catalogue(&p())))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ApiError::Execute(ExecuteError::Refused(e)) if e.rule == "partnership.must_exist"),
        "{refused:?}"
    );
    let outsider = Principal::new(org("yuxi"), Role::Distributor, "x");
    let accept =
        || AnyCommand::Strategy(synergy_strategy::Command::AcceptPartnership { partnership: p() });
    let refused = api
        .execute(Request::new(outsider, accept()))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ApiError::Execute(ExecuteError::Refused(e)) if e.rule == "partnership.must_exist"
            && e.message == format!("partnership {} does not exist; sign it first", p())),
        "{refused:?}"
    );
    let accepted = api
        .execute(Request::new(manufacturer(), accept()))
        .await
        .unwrap();
    assert_eq!(accepted.events, ["PartnershipSigned"]);
    let view = api.partnership(&p()).await.unwrap().expect("signed");
    assert_eq!(
        (view.manufacturer, view.distributor),
        (org("hongyun"), org("changzhi"))
    );
    let registered = api
        .execute(Request::new(manufacturer(), catalogue(&p())))
        .await
        .unwrap();
    assert_eq!(registered.events, ["SkuRegistered"]);
    world.shut_down().await;
}
