//! The gateway's JSON bodies (every request DTO of `synergy_gateway::dto`, and every
//! declared command's field values checked and bound as the gateway does) read from
//! random JSON, mutations of valid bodies, raw byte edits and deep nesting: never a
//! panic, serde_json's recursion limit holds (no stack overflow at any depth), and each
//! case allocates within a bound on its body size. Bodies themselves are bounded by the
//! gateway's `Limits::body_bytes` (413 above, tested over HTTP in synergy-gateway).

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use synergy_fuzz::mutate::{apply, edits};
use synergy_fuzz::{config, within};
use synergy_gateway::dto::*;

/// What deserializing one body may allocate: a constant plus a multiple of its size.
fn case_bound(body: usize) -> usize {
    (16 << 20) + 64 * body
}

fn one<T: DeserializeOwned>(bytes: &[u8]) {
    let (parsed, held) = within(case_bound(bytes.len()), || {
        serde_json::from_slice::<T>(bytes).map(drop)
    });
    drop(parsed);
    assert!(
        held <= 1024 + 32 * bytes.len(),
        "{} holds {held} after {} bytes",
        std::any::type_name::<T>(),
        bytes.len()
    );
}

/// Checks and binds `bytes`, if it is a JSON object, as the field values of every declared
/// command (what the gateway does with a command's body and path).
fn every_declared(bytes: &[u8]) {
    let (_bound, held) = within(case_bound(bytes.len()), || {
        let Ok(values) = serde_json::from_slice::<synergy_domain::contract::Values>(bytes) else {
            return 0;
        };
        synergy_runtime::commands::all()
            .filter(|spec| synergy_runtime::commands::bind(spec, &values).is_ok())
            .count()
    });
    assert!(held <= 1024 + 32 * bytes.len(), "binding holds {held}");
}

/// Every request body the gateway deserializes.
fn every_dto(bytes: &[u8]) {
    every_declared(bytes);
    macro_rules! all {
        ($($t:ty),* $(,)?) => {$( one::<$t>(bytes); )*};
    }
    all!(MarketDataJson, CatalogueJson,);
}

/// Valid-looking bodies to mutate: the shapes the routes take.
fn seeds() -> Vec<Value> {
    vec![
        json!({"partnership": "hy-cz", "manufacturer": "hongyun", "distributor": "changzhi",
               "region": "長治", "signed_on": "2007-01-15"}),
        json!({"title": "t", "adopted_on": "2007-02-01"}),
        json!({"rows": [{"period": "2008-06", "sku": "ALL", "volume_cases": "9000",
               "revenue_yuan": "1", "outlets_stocking": "5"}], "reason": "typo"}),
        json!({"skus": [{"brand": "hongyun", "sku": "hy-soft", "name": "紅雲",
               "price_class": "2", "guide_price_yuan": "190.00"}]}),
        json!({"lines": [{"sku": "hy-soft", "volume_cases": "100"}], "month": "2008-06"}),
        json!({"plan": "p1", "title": "x", "first_year": 2008, "last_year": 2009}),
        json!({"meeting": "m1", "kind": "monthly", "date": "2008-07-01",
               "attendees": [{"org": "hongyun", "name": "a"}]}),
        json!({"partnership": "hy-cz", "kind": "review", "period": "2008-Q2",
               "as_of": "2008-07-15"}),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "[a-z0-9_.-]{0,12}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,20}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces, deletes or adds a value somewhere in `v`, steered by `path`.
fn mutate_value(v: &mut Value, path: &[usize], with: Value) {
    let Some((first, rest)) = path.split_first() else {
        *v = with;
        return;
    };
    match v {
        Value::Object(map) if !map.is_empty() => {
            let key = map
                .keys()
                .nth(first % map.len())
                .cloned()
                .unwrap_or_default();
            if rest.is_empty() && first % 3 == 0 {
                map.remove(&key);
            } else if let Some(child) = map.get_mut(&key) {
                mutate_value(child, rest, with);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let n = items.len();
            mutate_value(&mut items[first % n], rest, with);
        }
        other => *other = with,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_json(v in json_value()) {
        every_dto(&serde_json::to_vec(&v).unwrap());
    }

    #[test]
    fn mutated_bodies(
        which in any::<usize>(),
        path in proptest::collection::vec(any::<usize>(), 0..4),
        with in json_value(),
    ) {
        let seeds = seeds();
        let mut body = seeds[which % seeds.len()].clone();
        mutate_value(&mut body, &path, with);
        every_dto(&serde_json::to_vec(&body).unwrap());
    }

    #[test]
    fn edited_bytes(which in any::<usize>(), edits in edits()) {
        let seeds = seeds();
        let body = serde_json::to_vec(&seeds[which % seeds.len()]).unwrap();
        every_dto(&apply(&body, &edits));
    }

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        every_dto(&bytes);
    }

    #[test]
    fn deep_nesting(depth in 1usize..200_000, open in prop_oneof![Just("["), Just("{\"rows\":"), Just("{\"skus\":[")]) {
        // Far past serde_json's recursion limit (128): refused, never a stack overflow.
        let body = format!("{}1", open.repeat(depth));
        every_dto(body.as_bytes());
        let mut inside = String::from("{\"rows\":[");
        inside.push_str(&"[".repeat(depth));
        every_dto(inside.as_bytes());
    }
}

#[test]
fn the_recursion_limit_holds_at_a_million_levels() {
    for open in ["[", "{\"a\":"] {
        let body = open.repeat(1_000_000);
        // Read as any value, the depth is refused at serde_json's recursion limit.
        let err = serde_json::from_str::<Value>(&body).unwrap_err();
        assert!(err.to_string().contains("recursion limit"), "{err}");
        // Skipped (as an ignored value is), it is walked without recursing, to its end.
        let err = serde_json::from_str::<serde::de::IgnoredAny>(&body).unwrap_err();
        assert!(err.is_eof(), "{err}");
        // As the DTOs, refused too, without a stack overflow.
        every_dto(body.as_bytes());
    }
}
