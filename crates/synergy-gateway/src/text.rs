//! The text shapes of the JSON API ([`Shape`], declared once in the command contract):
//! each is one type that both documents its shape in the OpenAPI (pattern, format, bounds;
//! [`Shape::schema`]) and checks it on the server, so the document says exactly what is
//! accepted.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::Deserialize;
use utoipa::openapi::{RefOr, Schema};

pub use synergy_domain::contract::{ParseShaped, Shape};

/// A JSON string of a given [`Shape`]; the shape is checked when the handler parses it, so
/// the error names the field.
pub trait Shaped: Deref<Target = str> {
    const SHAPE: Shape;
}

macro_rules! shaped {
    ($(#[doc = $doc:expr])* $name:ident, $shape:ident) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Shaped for $name {
            const SHAPE: Shape = Shape::$shape;
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                Shape::$shape.schema().into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

shaped!(
    /// An id token.
    Id,
    Id
);
shaped!(
    /// A date, `YYYY-MM-DD`.
    DateText,
    Date
);
shaped!(
    /// A month, `YYYY-MM`.
    MonthText,
    Month
);
shaped!(
    /// A reporting period.
    PeriodText,
    Period
);
shaped!(
    /// A volume in cases.
    CasesText,
    Cases
);
shaped!(
    /// An amount in yuan.
    YuanText,
    Yuan
);
shaped!(
    /// A percentage.
    PercentText,
    Percent
);
shaped!(
    /// A whole count.
    CountText,
    Count
);
shaped!(
    /// A price class.
    PriceClassText,
    PriceClass
);
shaped!(
    /// A UUID.
    UuidText,
    Uuid
);
shaped!(
    /// Non-empty text.
    NonEmptyText,
    NonEmpty
);

/// The largest whole number a JSON number carries exactly through any parser that reads
/// numbers as IEEE doubles (2^53 − 1, JavaScript's `Number.MAX_SAFE_INTEGER`). Whole-number
/// fields are documented with it as their bound, so every value a client may send is read
/// exactly, however it is spelled.
pub const MAX_EXACT_WHOLE: u64 = synergy_domain::contract::MAX_EXACT_WHOLE.unsigned_abs();

/// Deserializes a whole number that JSON may spell `7540` or `7540.0`: JSON Schema calls
/// both integers, so both are accepted; `7540.5`, values beyond ±[`MAX_EXACT_WHOLE`] and
/// values out of the field's range are refused.
pub fn whole<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    use serde::de::Error;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Unsigned(u64),
        Signed(i64),
        Float(f64),
    }
    let out_of_range = || D::Error::custom("a whole number out of range");
    let inexact = || {
        D::Error::custom(format!(
            "a whole number beyond {MAX_EXACT_WHOLE}, the largest JSON carries exactly"
        ))
    };
    const EXACT: f64 = MAX_EXACT_WHOLE as f64;
    match Number::deserialize(d)? {
        Number::Unsigned(u) if u > MAX_EXACT_WHOLE => Err(inexact()),
        Number::Unsigned(u) => T::try_from(u).map_err(|_| out_of_range()),
        Number::Signed(i) if i.unsigned_abs() > MAX_EXACT_WHOLE => Err(inexact()),
        Number::Signed(i) => T::try_from(i).map_err(|_| out_of_range()),
        // serde_json reads with `float_roundtrip`, so `7540.0` is exactly 7540.0; inside
        // ±2^53 every whole double is the number that was written.
        Number::Float(f) if f.is_finite() && f.fract() == 0.0 => {
            if f.abs() > EXACT {
                Err(inexact())
            } else if f >= 0.0 {
                T::try_from(f as u64).map_err(|_| out_of_range())
            } else {
                T::try_from(f as i64).map_err(|_| out_of_range())
            }
        }
        Number::Float(f) => Err(D::Error::custom(format!("{f} is not a whole number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_may_be_spelled_as_floats() {
        #[derive(Debug, Deserialize)]
        struct Q {
            #[serde(deserialize_with = "whole")]
            n: u8,
        }
        let n = |json: &str| serde_json::from_str::<Q>(json).map(|q| q.n);
        assert_eq!(n(r#"{"n": 7}"#).unwrap(), 7);
        assert_eq!(n(r#"{"n": 7.0}"#).unwrap(), 7);
        assert!(n(r#"{"n": 7.5}"#).is_err());
        assert!(n(r#"{"n": 256}"#).is_err());
        assert!(n(r#"{"n": -1}"#).is_err());
        assert!(n(r#"{"n": "7"}"#).is_err());
    }

    /// Schemathesis sent `"quantity": 4290893463015870.0`; serde_json's default float
    /// parser read 4290893463015870.5 and the valid body was refused as malformed.
    #[test]
    fn large_whole_numbers_are_read_exactly_or_refused_never_rounded() {
        #[derive(Debug, Deserialize)]
        struct Q {
            #[serde(deserialize_with = "whole")]
            n: u64,
        }
        // Through a `Value` first, as `JsonBody` reads a body.
        let n = |json: &str| {
            let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
            Q::deserialize(v).map(|q| q.n).map_err(|e| e.to_string())
        };
        assert_eq!(
            n(r#"{"n": 4290893463015870.0}"#).unwrap(),
            4_290_893_463_015_870
        );
        assert_eq!(n(r#"{"n": 9007199254740991.0}"#).unwrap(), MAX_EXACT_WHOLE);
        assert_eq!(n(r#"{"n": 9007199254740991}"#).unwrap(), MAX_EXACT_WHOLE);
        for beyond in [
            "9007199254740992",
            "9007199254740993.0",
            "18446744073709551615",
        ] {
            let err = n(&format!(r#"{{"n": {beyond}}}"#)).unwrap_err();
            assert!(err.contains("9007199254740991"), "{beyond}: {err}");
        }
        assert!(n(r#"{"n": 1e300}"#).is_err());
    }
}
