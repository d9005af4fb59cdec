//! Commands and queries map to the right stream; queries answer from the folded stream.

mod common;

use common::*;
use synergy_domain::BoundedContext;
use synergy_information::{
    Answer, Command, ForecastCommand, Information, OrderCommand, OrderStatus, Query, answer,
};
use synergy_proto::{Context, Event, OrderId, events::InformationEvent};

#[test]
fn commands_route_to_their_aggregate_streams() {
    let market = Information::stream_of(&submit(vec![month_of("2008-06")], None));
    assert_eq!(market.context, Context::Information);
    assert_eq!(market.partnership, pid());
    assert_eq!(market.aggregate.as_str(), "market-data");

    let forecast = Information::stream_of(&Command::Forecast(ForecastCommand::ConfirmSupplyPlan {
        partnership: pid(),
        month: ym("2008-08"),
        lines: vec![],
    }));
    assert_eq!(forecast.aggregate.as_str(), "forecasts");

    let order = Information::stream_of(&Command::Order(OrderCommand::Ship {
        partnership: pid(),
        order: OrderId::new("po-7").unwrap(),
        lines: vec![],
    }));
    assert_eq!(order.aggregate.as_str(), "order:po-7");
    assert_eq!(order.aggregate.kind(), "order");
}

#[test]
fn queries_read_the_stream_their_commands_write() {
    let q = Query::MarketData {
        partnership: pid(),
        period: None,
    };
    assert_eq!(
        q.streams(),
        [Information::stream_of(&submit(
            vec![month_of("2008-06")],
            None
        ))]
    );
    let q = Query::Order {
        partnership: pid(),
        order: OrderId::new("po-7").unwrap(),
    };
    assert_eq!(q.streams()[0].aggregate.as_str(), "order:po-7");
}

#[test]
fn a_multi_month_import_is_one_decision_on_one_stream() {
    let cmd = submit(
        vec![
            month_of("2008-01"),
            month_of("2008-02"),
            month_of("2008-03"),
        ],
        None,
    );
    let events = Information::execute([], cmd, &dist()).unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| matches!(
        e,
        Event::Information(InformationEvent::MarketDataSubmitted { .. })
    )));
}

#[test]
fn answers_come_from_the_folded_history() {
    let history: Vec<Event> = Information::execute(
        [],
        submit(
            vec![
                month_of("2008-05"),
                month_of("2008-06"),
                month_of("2007-06"),
            ],
            None,
        ),
        &dist(),
    )
    .unwrap();
    let Answer::MarketData(months) = answer(
        &history,
        &Query::MarketData {
            partnership: pid(),
            period: Some("2008-H1".parse().unwrap()),
        },
    ) else {
        panic!("wrong answer kind");
    };
    let names: Vec<String> = months.iter().map(|m| m.month.to_string()).collect();
    assert_eq!(names, ["2008-05", "2008-06"]);

    let Answer::MarketData(revisions) = answer(
        &history,
        &Query::MarketDataRevisions {
            partnership: pid(),
            month: ym("2007-06"),
        },
    ) else {
        panic!("wrong answer kind");
    };
    assert_eq!(revisions.len(), 1);

    let order = OrderId::new("po-7").unwrap();
    let placed = Information::execute(
        [],
        Command::Order(OrderCommand::Place {
            partnership: pid(),
            order: order.clone(),
            month: ym("2008-08"),
            lines: vec![vl(SOFT, 10)],
        }),
        &dist(),
    )
    .unwrap();
    let Answer::Order(Some(o)) = answer(
        &placed,
        &Query::Order {
            partnership: pid(),
            order,
        },
    ) else {
        panic!("order not found");
    };
    assert_eq!(o.status(), OrderStatus::Placed);
    assert_eq!(o.total_ordered(), Some(cases(10)));

    assert_eq!(
        answer(
            &[],
            &Query::Forecasts {
                partnership: pid(),
                period: None
            }
        ),
        Answer::Forecasts(vec![])
    );
}

#[test]
fn events_of_other_contexts_in_a_history_are_ignored() {
    let foreign = Event::Support(synergy_proto::events::SupportEvent::MeetingCancelled {
        meeting: synergy_proto::MeetingId::new("m-1").unwrap(),
        reason: "x".into(),
    });
    let state = synergy_information::fold_market_data(&[foreign]);
    assert_eq!(state.months().count(), 0);
}
