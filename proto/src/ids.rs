//! Identifiers: validated tokens that are safe inside a NATS subject.
//!
//! Every id that can appear in a subject (`syn.evt.<context>.<partnership>.<aggregate>`)
//! is a token of 1–64 characters from `[A-Za-z0-9_-]`. That rules out `.`, `*`, `>` and
//! whitespace — the characters that would change what a subject means — and keeps ids
//! readable in logs and file names. Aggregate ids add `:` as a separator between the
//! aggregate kind and its id (`plan:2008-2010`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest id we accept. Long enough for UUIDs and human keys, short enough for subjects.
pub const MAX_ID_LEN: usize = 64;

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{kind} is empty")]
    Empty { kind: &'static str },
    #[error("{kind} {value:?} is longer than {max} characters", max = MAX_ID_LEN)]
    TooLong { kind: &'static str, value: String },
    #[error(
        "{kind} {value:?} contains {ch:?}; use only letters, digits, '-' and '_' (no '.', '*', '>' or spaces)"
    )]
    BadChar {
        kind: &'static str,
        value: String,
        ch: char,
    },
}

/// Which bytes are token characters (ASCII letters, digits, `-` and `_`).
const TOKEN_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        b += 1;
    }
    table
};

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Checks `value` against the token rules; `extra` lists further allowed characters.
pub(crate) fn validate_token(
    kind: &'static str,
    value: &str,
    extra: &[char],
) -> Result<(), IdError> {
    // Every allowed character is ASCII, so a valid id is at most MAX_ID_LEN bytes of
    // allowed bytes: checked byte by byte through a table, without branching per byte
    // (ids are checked on every decode of the log). Anything else takes the
    // character-wise path below, which names what is wrong.
    if !value.is_empty() && value.len() <= MAX_ID_LEN {
        let plain = value
            .bytes()
            .fold(true, |ok, b| ok & TOKEN_BYTES[usize::from(b)]);
        if plain
            || value.bytes().all(|b| {
                TOKEN_BYTES[usize::from(b)] || (b.is_ascii() && extra.contains(&char::from(b)))
            })
        {
            return Ok(());
        }
    }
    if value.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if value.chars().count() > MAX_ID_LEN {
        return Err(IdError::TooLong {
            kind,
            value: value.to_owned(),
        });
    }
    if let Some(ch) = value
        .chars()
        .find(|c| !is_token_char(*c) && !extra.contains(c))
    {
        return Err(IdError::BadChar {
            kind,
            value: value.to_owned(),
            ch,
        });
    }
    Ok(())
}

macro_rules! token_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        /// The id's text, written without copying it first.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl $name {
            /// What this id is called in error messages.
            pub const KIND: &'static str = $kind;

            /// Validates and wraps `value`.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                validate_token($kind, &value, &[])?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

token_id!(
    /// An organisation: a manufacturer (brand owner) or a regional distributor.
    OrgId,
    "organisation id"
);
token_id!(
    /// A partnership between one manufacturer and one distributor.
    PartnershipId,
    "partnership id"
);
token_id!(
    /// A brand of the manufacturer (e.g. `hongyun`).
    BrandId,
    "brand id"
);
token_id!(
    /// A stock-keeping unit: one product of a brand. `ALL` is reserved for market totals.
    SkuId,
    "sku id"
);
token_id!(
    /// A development plan of a partnership.
    PlanId,
    "plan id"
);
token_id!(
    /// A marketing campaign.
    CampaignId,
    "campaign id"
);
token_id!(
    /// A task inside a campaign.
    TaskId,
    "task id"
);
token_id!(
    /// A retail outlet (terminal) in the distributor's region.
    OutletId,
    "outlet id"
);
token_id!(
    /// An order placed by the distributor.
    OrderId,
    "order id"
);
token_id!(
    /// A meeting (review, executive visit, training).
    MeetingId,
    "meeting id"
);
token_id!(
    /// An action item raised at a meeting or on its own.
    ActionItemId,
    "action item id"
);
token_id!(
    /// A support request from one side to the other.
    SupportRequestId,
    "support request id"
);

impl SkuId {
    /// The reserved SKU of the market-total line in imports.
    pub const MARKET_TOTAL: &'static str = "ALL";

    pub fn is_market_total(&self) -> bool {
        self.0 == Self::MARKET_TOTAL
    }
}

/// The id of one aggregate inside a context and partnership: `<kind>:<id>` or a bare kind
/// (`partnership`) for singletons. Always a valid subject token.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct AggregateId(String);

impl Serialize for AggregateId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl AggregateId {
    pub const KIND: &'static str = "aggregate id";

    /// Validates a full aggregate id (token characters plus `:`).
    pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
        let value = value.into();
        validate_token(Self::KIND, &value, &[':'])?;
        Ok(Self(value))
    }

    /// A singleton aggregate of its partnership, e.g. `partnership`.
    pub fn singleton(kind: &'static str) -> Self {
        debug_assert!(validate_token(Self::KIND, kind, &[]).is_ok());
        Self(kind.to_owned())
    }

    /// `<kind>:<id>`, e.g. `plan:2008-2010`. Ids are tokens, so the result always is too
    /// (up to twice the id length).
    pub fn compose(kind: &'static str, id: &str) -> Self {
        debug_assert!(validate_token(Self::KIND, kind, &[]).is_ok());
        debug_assert!(validate_token(Self::KIND, id, &[]).is_ok());
        Self(format!("{kind}:{id}"))
    }

    /// The kind part (`plan` of `plan:2008-2010`).
    pub fn kind(&self) -> &str {
        self.0.split_once(':').map_or(&self.0, |(k, _)| k)
    }

    /// The id part (`2008-2010` of `plan:2008-2010`), if any.
    pub fn local_id(&self) -> Option<&str> {
        self.0.split_once(':').map(|(_, id)| id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AggregateId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::new(value)
    }
}

impl From<AggregateId> for String {
    fn from(id: AggregateId) -> String {
        id.0
    }
}

impl fmt::Display for AggregateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_tokens() {
        assert!(PartnershipId::new("hongyun-changzhi_2007").is_ok());
        assert_eq!(OrgId::new("hongyun").unwrap().as_str(), "hongyun");
    }

    #[test]
    fn refuses_subject_metacharacters_and_whitespace() {
        for bad in ["a.b", "a*", "a>", "a b", "a\tb", "", "ä"] {
            assert!(PartnershipId::new(bad).is_err(), "{bad:?} must be refused");
        }
        let err = PartnershipId::new("x.y").unwrap_err();
        assert!(err.to_string().contains("partnership id"), "{err}");
        assert!(PartnershipId::new("a".repeat(65)).is_err());
        assert!(PartnershipId::new("a".repeat(64)).is_ok());
    }

    #[test]
    fn aggregate_ids_compose() {
        let id = AggregateId::compose("plan", "2008-2010");
        assert_eq!(id.as_str(), "plan:2008-2010");
        assert_eq!(id.kind(), "plan");
        assert_eq!(id.local_id(), Some("2008-2010"));
        assert_eq!(AggregateId::singleton("partnership").kind(), "partnership");
        assert!(AggregateId::new("plan:a.b").is_err());
    }

    #[test]
    fn serde_validates() {
        let bytes = postcard::to_allocvec(&"a.b".to_string()).unwrap();
        assert!(postcard::from_bytes::<SkuId>(&bytes).is_err());
    }

    #[test]
    fn errors_name_what_is_wrong() {
        // The byte-wise check that passes valid ids must leave every refusal to the
        // character-wise one, which says why.
        assert!(matches!(SkuId::new(""), Err(IdError::Empty { .. })));
        assert!(matches!(
            SkuId::new("a".repeat(65)),
            Err(IdError::TooLong { .. })
        ));
        // 33 two-byte characters: 66 bytes, 33 characters, refused for the character.
        assert!(matches!(
            SkuId::new("é".repeat(33)),
            Err(IdError::BadChar { ch: 'é', .. })
        ));
        assert!(matches!(
            SkuId::new("a:b"),
            Err(IdError::BadChar { ch: ':', .. })
        ));
        assert!(AggregateId::new("a:b").is_ok());
        assert!(matches!(
            AggregateId::new("a:b\u{0}"),
            Err(IdError::BadChar { ch: '\0', .. })
        ));
    }

    #[test]
    fn ids_serialize_as_their_text() {
        let id = SkuId::new("hongyun-soft").unwrap();
        assert_eq!(
            postcard::to_allocvec(&id).unwrap(),
            postcard::to_allocvec("hongyun-soft").unwrap()
        );
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"hongyun-soft\"");
        let aggregate = AggregateId::compose("plan", "2008-2010");
        assert_eq!(
            serde_json::to_string(&aggregate).unwrap(),
            "\"plan:2008-2010\""
        );
    }
}
