use super::*;
use synergy_proto::Role;

use crate::fault::Lag;

#[test]
fn query_subjects_are_the_documented_ones() {
    assert_eq!(partnership_subject(), "syn.qry.strategy.partnership");
    assert_eq!(catalogue_subject(), "syn.qry.brand.catalogue");
    assert_eq!(report_subject(), "syn.qry.evaluation.report");
    assert_eq!(plan_gap_subject(), "syn.qry.evaluation.plan-gap");
    assert_eq!(
        value_realised_subject(),
        "syn.qry.evaluation.value-realised"
    );
    assert_eq!(status_subject(), "syn.qry.evaluation.status");
}

#[test]
fn a_refusal_survives_the_wire_with_kind_rule_field_and_message() {
    let refusal = DomainError::invalid(
        "market_data.volume_not_negative",
        "months[0].lines[2].volume",
        "a volume cannot be negative",
    );
    let wire = ErrorWire::from_execute(&ExecuteError::Refused(refusal.clone()));
    let bytes = encode(&CommandReply::Err(wire)).unwrap();
    let back: CommandReply = decode(&bytes).unwrap();
    let ApiError::Execute(ExecuteError::Refused(got)) = back.unwrap_err().into_api() else {
        panic!("not a refusal")
    };
    assert_eq!(got, refusal);
}

/// One of every error a service can answer with.
fn every_error() -> Vec<ApiError> {
    let p = PartnershipId::new("p1").unwrap();
    let stream = synergy_strategy::stream_for(&p);
    let refusal = |kind| {
        ApiError::Execute(ExecuteError::Refused(DomainError {
            kind,
            rule: Cow::Borrowed("plan.targets_only_in_draft"),
            field: Some("period".into()),
            message: "no".into(),
        }))
    };
    vec![
        refusal(ErrorKind::Forbidden),
        refusal(ErrorKind::NotFound),
        refusal(ErrorKind::State),
        refusal(ErrorKind::Invalid),
        ApiError::Execute(ExecuteError::Contended {
            stream: stream.clone(),
            attempts: 8,
        }),
        ApiError::Execute(ExecuteError::Unavailable(Unavailable::storage("gone"))),
        ApiError::Execute(ExecuteError::Corrupt(Corrupt::Record {
            position: Position(7),
            subject: Some("syn.evt.strategy.p1.p1".into()),
            reason: "bad bytes".into(),
        })),
        ApiError::Execute(ExecuteError::Corrupt(Corrupt::Commit {
            stream: stream.clone(),
            commit: Uuid::nil(),
        })),
        ApiError::Execute(ExecuteError::Corrupt(Corrupt::read_models(
            "unreadable model",
        ))),
        ApiError::Execute(ExecuteError::IdempotencyKeyReused { stream }),
        ApiError::Execute(ExecuteError::Internal("bug".into())),
        ApiError::NotFound(NotFound::Records(p.clone())),
        ApiError::NotFound(NotFound::Campaign {
            partnership: p.clone(),
            campaign: CampaignId::new("launch").unwrap(),
        }),
        ApiError::NotFound(NotFound::IssuedVersion {
            partnership: p,
            kind: ReportKind::Review,
            period: "2008-Q2".parse().unwrap(),
            version: 3,
        }),
        ApiError::NotFound(NotFound::Described("nothing here".into())),
        ApiError::NotReady(NotReady::Behind(Lag {
            at: Position(3),
            waiting_for: Position(5),
        })),
        ApiError::NotReady(NotReady::unreadable("the meeting", "missing field")),
    ]
}

#[test]
fn every_error_crosses_the_wire_as_its_code_of_the_table() {
    let errors = every_error();
    for e in &errors {
        let wire = ErrorWire::from_api(e);
        // The wire says the table's code, or one of its own tags that maps to it.
        let tagged = match wire.code.as_str() {
            code::REFUSED => matches!(e, ApiError::Execute(ExecuteError::Refused(_))),
            code::CORRUPT => e.code() == ErrorCode::Internal,
            other => ErrorCode::parse(other) == Some(e.code()),
        };
        assert!(tagged, "{e} went as {:?}", wire.code);
        let bytes = encode(&CommandReply::Err(wire)).unwrap();
        let back: CommandReply = decode(&bytes).unwrap();
        let back = back.unwrap_err().into_api();
        assert_eq!(back.code(), e.code(), "{e}");
        assert_eq!(back.to_string(), e.to_string());
        match (e, &back) {
            (ApiError::NotFound(before), ApiError::NotFound(after)) => {
                assert_eq!(before, after, "what was not found is named across the wire")
            }
            (ApiError::NotReady(before), ApiError::NotReady(after)) => {
                assert_eq!(before, after, "what was waited for crosses the wire")
            }
            (
                ApiError::Execute(ExecuteError::Corrupt(before)),
                ApiError::Execute(ExecuteError::Corrupt(after)),
            ) => assert_eq!(before, after, "what is unreadable crosses the wire"),
            (ApiError::NotReady(_) | ApiError::Execute(ExecuteError::Corrupt(_)), _) => {
                panic!("{e} came back as {back:?}")
            }
            _ => {}
        }
    }
    // Every code a service can meet is among them.
    for code in [
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::Invalid,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::Contended,
        ErrorCode::Unavailable,
        ErrorCode::NotReady,
        ErrorCode::Internal,
    ] {
        assert!(errors.iter().any(|e| e.code() == code), "{code}");
    }
}

#[test]
fn a_fault_without_its_values_is_the_services_bug() {
    for tag in [code::CORRUPT, code::NOT_READY] {
        let bare = ErrorWire::new(tag, "record at @7 is quarantined");
        let ApiError::Execute(ExecuteError::Internal(m)) = bare.into_api() else {
            panic!("{tag} without its fault was believed")
        };
        assert!(m.contains("without a valid fault"), "{m}");
    }
}

#[test]
fn a_not_found_from_an_older_service_keeps_its_sentence() {
    let old = ErrorWire::new(code::NOT_FOUND, "no campaign x in partnership p1");
    let ApiError::NotFound(NotFound::Described(m)) = old.into_api() else {
        panic!("not a not-found")
    };
    assert_eq!(m, "no campaign x in partnership p1");
}

#[test]
fn unknown_codes_and_bad_requests_become_internal_errors_that_say_so() {
    let e = ErrorWire::new("teapot", "short and stout").into_api();
    assert!(e.to_string().contains("teapot"), "{e}");
    let e = ErrorWire::bad_request("malformed body").into_api();
    assert!(matches!(e, ApiError::Execute(ExecuteError::Internal(_))));
    assert!(e.to_string().contains("malformed body"), "{e}");
    let mut refused = ErrorWire::new(code::REFUSED, "no");
    refused.kind = Some("sideways".into());
    assert!(matches!(
        refused.into_api(),
        ApiError::Execute(ExecuteError::Internal(_))
    ));
}

#[test]
fn issuing_travels_on_its_verb_and_its_answer_survives_the_reply() {
    let p = PartnershipId::new("p1").unwrap();
    let command = AnyCommand::Evaluation(synergy_evaluation::Command::IssueReport {
        partnership: p.clone(),
        kind: ReportKind::Review,
        period: "2008-Q2".parse().unwrap(),
        as_of: None,
    });
    assert_eq!(command_subject(&command), "syn.cmd.evaluation.issue-report");
    let mut answer = synergy_domain::contract::Values::new();
    answer.insert("issued".into(), true.into());
    answer.insert(
        "restatements".into(),
        serde_json::json!([{"key": "kpis.volume_cases", "previous": "1", "current": null}]),
    );
    let outcome = Outcome {
        stream: synergy_evaluation::issued_stream(
            &p,
            ReportKind::Review,
            "2008-Q2".parse().unwrap(),
        ),
        position: Some(Position(7)),
        events: vec![Cow::Borrowed("ReportIssued")],
        version: 2,
        duplicate: false,
        answer: Some(answer),
    };
    let bytes = encode(&CommandReply::Ok(OutcomeWire::from(&outcome))).unwrap();
    let back: CommandReply = decode(&bytes).unwrap();
    assert_eq!(Outcome::try_from(back.unwrap()).unwrap(), outcome);
    // A reply whose answer is no JSON is an error that says so, not a silent nothing.
    let mut garbled = OutcomeWire::from(&outcome);
    garbled.answer = Some("{".into());
    let e = Outcome::try_from(garbled).unwrap_err();
    assert!(e.to_string().contains("does not parse"), "{e}");
}

#[test]
fn commands_round_trip_and_garbage_is_a_typed_error() {
    let p = PartnershipId::new("p1").unwrap();
    let command = AnyCommand::Strategy(synergy_strategy::Command::AdoptRulebook {
        partnership: p,
        title: "例會".into(),
        adopted_on: "2008-01-10".parse().unwrap(),
    });
    assert_eq!(command_subject(&command), "syn.cmd.strategy.adopt-rulebook");
    let request = CommandRequest {
        actor: Actor {
            org: OrgId::new("hongyun").unwrap(),
            role: Role::Manufacturer,
            user: "brand-team".into(),
        },
        idempotency_key: Uuid::now_v7(),
        correlation_id: Uuid::now_v7(),
        command,
        dry_run: true,
    };
    let bytes = encode(&request).unwrap();
    assert_eq!(decode::<CommandRequest>(&bytes).unwrap(), request);
    assert!(request.clone().into_request().dry_run);
    assert!(decode::<CommandRequest>(b"SM\x01\x00\xff\xff").is_err());
    assert!(decode::<CommandRequest>(b"{\"json\":1}").is_err());
    let mut other_version = bytes.clone();
    other_version[2] = 9;
    assert!(matches!(
        decode::<CommandRequest>(&other_version),
        Err(DecodeError::UnknownVersion { found: 9 })
    ));
}
