//! A test's literals as typed values: `sku("hongyun-soft")`, `date("2008-07-10")`. A typo
//! in a fixture panics where it is written instead of turning into a refusal the test did
//! not mean to check.

use std::fmt::Debug;
use std::str::FromStr;

use synergy_proto::{BrandId, Date, OrgId, Period, SkuId, YearMonth};

fn parsed<T: FromStr>(s: &str) -> T
where
    T::Err: Debug,
{
    s.parse()
        .unwrap_or_else(|e| panic!("test literal {s:?}: {e:?}"))
}

/// One function a type: `name(s)` parses `s` as that type.
macro_rules! literals {
    ($($(#[$doc:meta])* $name:ident -> $ty:ty),+ $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(s: &str) -> $ty {
                parsed(s)
            }
        )+
    };
}

literals! {
    org -> OrgId,
    brand -> BrandId,
    sku -> SkuId,
    date -> Date,
    period -> Period,
    /// A calendar month, `2008-07`.
    ym -> YearMonth,
}
