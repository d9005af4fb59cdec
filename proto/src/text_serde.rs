//! Serde for values that have a text form: text in human-readable formats (the JSON of the
//! HTTP API, TOML), and the compact derived form in postcard, so the wire bytes and the
//! golden vectors do not depend on it.
//!
//! `text_serde!(Type, Raw, parse)` implements `Serialize`/`Deserialize` for `Type` (which
//! is `Copy + Display`): human-readable formats write `Display` and read with `parse`;
//! other formats go through `Raw`, a private type with derived impls that has exactly the
//! shape `Type` had before (`From<Type> for Raw`, `TryFrom<Raw> for Type`).

macro_rules! text_serde {
    ($ty:ty, $raw:ty, $parse:expr) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.collect_str(self)
                } else {
                    serde::Serialize::serialize(&<$raw>::from(*self), s)
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let text = <String as serde::Deserialize>::deserialize(d)?;
                    let parse: fn(&str) -> Result<$ty, _> = $parse;
                    parse(&text).map_err(serde::de::Error::custom)
                } else {
                    let raw = <$raw as serde::Deserialize>::deserialize(d)?;
                    <$ty>::try_from(raw).map_err(serde::de::Error::custom)
                }
            }
        }
    };
}

pub(crate) use text_serde;

#[cfg(test)]
mod tests {
    use serde_json::{Value, from_value, json, to_value};

    use crate::{Cases, Date, Percent, Period, Timestamp, YearMonth, Yuan};

    #[test]
    fn json_carries_values_as_their_text() {
        let cases = Cases::parse("1250.5").unwrap();
        let yuan = Yuan::parse_signed("-3.07").unwrap();
        let share = Percent::parse("22.63").unwrap();
        let date: Date = "2007-12-18".parse().unwrap();
        let month: YearMonth = "2008-06".parse().unwrap();
        let t = Timestamp::from_millis(1_215_678_600_123);
        let all = json!({
            "cases": to_value(cases).unwrap(),
            "yuan": to_value(yuan).unwrap(),
            "share": to_value(share).unwrap(),
            "date": to_value(date).unwrap(),
            "month": to_value(month).unwrap(),
            "t": to_value(t).unwrap(),
        });
        assert_eq!(
            all,
            json!({"cases": "1250.500", "yuan": "-3.07", "share": "22.63", "date": "2007-12-18",
                   "month": "2008-06", "t": "2008-07-10T08:30:00.123Z"})
        );
        assert_eq!(from_value::<Cases>(all["cases"].clone()).unwrap(), cases);
        assert_eq!(from_value::<Yuan>(all["yuan"].clone()).unwrap(), yuan);
        assert_eq!(from_value::<Date>(all["date"].clone()).unwrap(), date);
        assert_eq!(
            from_value::<YearMonth>(all["month"].clone()).unwrap(),
            month
        );
        assert_eq!(from_value::<Timestamp>(all["t"].clone()).unwrap(), t);
        for text in ["2008-06", "2008-Q2", "2008-H1", "2008"] {
            let p: Period = text.parse().unwrap();
            assert_eq!(to_value(p).unwrap(), Value::from(text));
            assert_eq!(from_value::<Period>(Value::from(text)).unwrap(), p);
        }
    }

    #[test]
    fn bad_text_in_json_is_an_error_naming_it() {
        let err = from_value::<Date>(json!("2007-02-29")).unwrap_err();
        assert!(err.to_string().contains("2007-02-29"), "{err}");
        assert!(
            from_value::<Cases>(json!(12)).is_err(),
            "a JSON number is not exact text"
        );
        assert!(from_value::<Period>(json!("2008-Q5")).is_err());
        for bad in [
            "2008-07-10T24:00:00Z",
            "2008-07-10 08:30:00Z",
            "2008-07-10T08:30:00",
            "2008-07-10T8:30:00Z",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
        assert_eq!(
            "2008-07-10T08:30:00Z"
                .parse::<Timestamp>()
                .unwrap()
                .millis(),
            1_215_678_600_000
        );
    }

    #[test]
    fn postcard_keeps_the_derived_shapes() {
        let bytes = |v: &dyn erased::Encode| v.encode();
        assert_eq!(
            bytes(&Cases::from_units(300)),
            postcard::to_allocvec(&300_i64).unwrap()
        );
        assert_eq!(
            bytes(&"2008-06".parse::<YearMonth>().unwrap()),
            postcard::to_allocvec(&(2008_i32, 6_u8)).unwrap()
        );
        assert_eq!(
            bytes(&Timestamp::from_millis(-5)),
            postcard::to_allocvec(&-5_i64).unwrap()
        );
        // Period: variant index, then the fields, as the derived enum wrote it.
        assert_eq!(
            bytes(&"2008-Q2".parse::<Period>().unwrap()),
            postcard::to_allocvec(&(1_u8, 2008_i32, 2_u8)).unwrap()
        );
    }

    mod erased {
        pub trait Encode {
            fn encode(&self) -> Vec<u8>;
        }
        impl<T: serde::Serialize> Encode for T {
            fn encode(&self) -> Vec<u8> {
                postcard::to_allocvec(self).unwrap()
            }
        }
    }
}
