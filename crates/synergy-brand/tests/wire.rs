//! Commands and answers as the gateway exchanges them (JSON).

mod support;

use support::*;
use synergy_brand::{Answer, Command, Query, answer, fold};

#[test]
fn an_evaluation_without_supersede_is_a_first_evaluation() {
    let json = r#"{"EvaluateBrand":{"partnership":"hongyun-changzhi","brand":"hongyun",
        "period":"2008-06","overall":81,"scores":[{"criterion":"awareness","score":72}],
        "comment":""}}"#;
    let cmd: Command = serde_json::from_str(json).unwrap();
    let Command::EvaluateBrand { supersede, .. } = &cmd else {
        panic!("parsed as {cmd:?}");
    };
    assert!(!supersede);
}

#[test]
fn commands_round_trip_and_invalid_ids_are_refused_on_parse() {
    let cmd = register(vec![entry("hongyun", "hy-soft", "紅雲(軟)", 3, "95.50")]);
    let json = serde_json::to_string(&cmd).unwrap();
    assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), cmd);
    let bad = json.replace("hy-soft", "hy.soft");
    assert!(serde_json::from_str::<Command>(&bad).is_err());
}

#[test]
fn answers_serialize_for_the_gateway() {
    let state = fold(&hongyun_in_market());
    let a = answer(
        &state,
        &Query::Sku {
            partnership: pid(),
            sku: sku("hy-hard"),
        },
    );
    assert!(matches!(a, Answer::Sku(Some(_))));
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["Sku"]["brand"], "hongyun");
    assert_eq!(json["Sku"]["price_class"], 2);
}
