//! Property tests: encode→decode round trips for every event with random field values,
//! the laws of `Period` arithmetic, and decimal parsing round trips.

mod common;

use common::{Fields, commit_of, every_event};
use proptest::prelude::*;
use synergy_proto::*;

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,20}"
}

fn year_month() -> impl Strategy<Value = YearMonth> {
    (1901..=9998i32, 1..=12u8).prop_map(|(y, m)| YearMonth::new(y, m).unwrap())
}

fn period() -> impl Strategy<Value = Period> {
    prop_oneof![
        year_month().prop_map(Period::Month),
        (1901..=9998i32, 1..=4u8).prop_map(|(y, q)| Period::quarter(y, q).unwrap()),
        (1901..=9998i32, 1..=2u8).prop_map(|(y, h)| Period::half(y, h).unwrap()),
        (1901..=9998i32).prop_map(|y| Period::year(y).unwrap()),
    ]
}

fn date() -> impl Strategy<Value = Date> {
    (1900..=9999i32, 1..=12u8, 1..=28u8).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

prop_compose! {
    fn fields()(
        org_a in token(), org_b in token(), id in "[A-Za-z0-9_-]{1,30}", text in ".{0,40}",
        date in date(), month in year_month(), period in period(),
        cases in any::<i64>(), yuan in any::<i64>(), count in any::<u32>(), big in any::<u64>(),
        small in any::<u8>(), class in 1..=5u8, at in any::<i64>(), flag in any::<bool>(),
    ) -> Fields {
        Fields {
            org_a: OrgId::new(org_a).unwrap(),
            org_b: OrgId::new(org_b).unwrap(),
            id, text, date, month, period,
            cases: Cases::from_units(cases),
            yuan: Yuan::from_units(yuan),
            count, big, small, class,
            at: Timestamp::from_millis(at),
            flag,
        }
    }
}

proptest! {
    #[test]
    fn every_event_round_trips(f in fields(), seq in any::<u64>()) {
        for event in every_event(&f) {
            let commit = commit_of(event, u128::from(seq));
            let bytes = encode_commit(&commit);
            let back = decode_commit(&bytes).unwrap();
            prop_assert_eq!(&back.commit, &commit);
            // Stored on its own subject it reads back; on any other it is refused.
            let own = synergy_proto::subject::commit(&commit.stream);
            prop_assert_eq!(decode_commit_on(&own, &bytes).unwrap().commit, commit);
            let other = format!("{own}x");
            let refused = matches!(
                decode_commit_on(&other, &bytes),
                Err(synergy_proto::DecodeError::WrongSubject { .. })
            );
            prop_assert!(refused, "stored on {}, read as its own", other);
        }
    }

    #[test]
    fn decoding_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_commit(&bytes);
        let mut framed = b"SY\x02\x00".to_vec();
        framed.extend_from_slice(&bytes);
        let _ = decode_commit(&framed);
        let mut group = b"SG\x01\x00".to_vec();
        group.extend_from_slice(&bytes);
        if let Ok(parsed) = CommitGroup::parse(&group) {
            for i in 0..=parsed.len() {
                if let Some(member) = parsed.member(i) {
                    let _ = decode_commit(member);
                }
            }
        }
    }

    #[test]
    fn period_display_parse_round_trip(p in period()) {
        prop_assert_eq!(p.to_string().parse::<Period>().unwrap(), p);
    }

    #[test]
    fn period_laws(p in period()) {
        // A period's months are contiguous, of the right count, and inside it.
        let months: Vec<YearMonth> = p.months().collect();
        prop_assert_eq!(months.len(), usize::from(p.month_count()));
        prop_assert_eq!(months[0], p.first_month());
        prop_assert_eq!(*months.last().unwrap(), p.last_month());
        for w in months.windows(2) {
            prop_assert_eq!(w[0].next(), Some(w[1]));
        }
        prop_assert!(months.iter().all(|m| p.contains(*m)));
        // previous and next are inverse, adjacent and of the same kind.
        if let Some(prev) = p.previous() {
            prop_assert_eq!(prev.kind(), p.kind());
            prop_assert_eq!(prev.next(), Some(p));
            prop_assert_eq!(prev.last_month().next(), Some(p.first_month()));
            prop_assert!(prev < p);
        }
        // the same period last year is 12 months earlier, same kind, and comes back.
        let last_year = p.same_period_last_year().unwrap();
        prop_assert_eq!(last_year.kind(), p.kind());
        prop_assert_eq!(last_year.first_month().months_until(p.first_month()), 12);
        prop_assert_eq!(Period::containing(p.kind(), p.first_month()), p);
        // A year covers each of its quarters, halves and months.
        let year = Period::year(p.calendar_year()).unwrap();
        prop_assert!(year.covers(p));
    }

    #[test]
    fn cases_parse_display_round_trip(units in 0..=i64::MAX) {
        let c = Cases::from_units(units);
        prop_assert_eq!(Cases::parse(&c.to_string()).unwrap(), c);
    }

    #[test]
    fn yuan_signed_round_trip(units in any::<i64>()) {
        let y = Yuan::from_units(units);
        prop_assert_eq!(Yuan::parse_signed(&y.to_string()).unwrap(), y);
    }

    #[test]
    fn decimals_parse_exactly(int in 0u32..1_000_000, frac in 0u32..1000, width in 1usize..=3) {
        let frac = frac % 10u32.pow(width as u32);
        let s = format!("{int}.{frac:0width$}");
        let expected = i64::from(int) * 1000 + i64::from(frac) * 10i64.pow(3 - width as u32);
        prop_assert_eq!(Cases::parse(&s).unwrap().units(), expected);
    }

    #[test]
    fn too_many_decimals_are_refused(int in 0u32..1_000_000, frac in 1u32..10) {
        let s = format!("{int}.000{frac}");
        prop_assert!(
            matches!(Cases::parse(&s), Err(AmountError::TooManyDecimals { .. })),
            "{} must be refused", s
        );
    }
}
