//! The OpenAPI schemas of the values that write themselves as text in JSON (ids, dates,
//! months, periods, instants, time zones, exact amounts): each states exactly the text
//! `Display` writes, so a typed answer of the HTTP API is checkable against its document.
//! A value whose text is also a request [`Shape`] states that shape, so the two never
//! drift apart.

use std::borrow::Cow;

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

use crate::events::brand::PriceClass;
use crate::events::evaluation::RecommendationRule;
use crate::shape::{END, Shape};
use crate::{
    ActionItemId, BrandId, CampaignId, Cases, Date, MeetingId, OrderId, OrgId, OutletId,
    PartnershipId, Percent, Period, PlanId, SkuId, SupportRequestId, TaskId, TimeZone, Timestamp,
    YearMonth, Yuan,
};

impl Shape {
    /// The OpenAPI schema of a string of this shape: its pattern, format, bounds and an
    /// example.
    pub fn schema(self) -> ObjectBuilder {
        let mut b = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(self.pattern()))
            .description(Some(self.description()))
            .examples([self.example()]);
        let format = match self {
            Shape::Date => Some(KnownFormat::Date),
            Shape::Uuid => Some(KnownFormat::Uuid),
            _ => None,
        };
        if let Some(f) = format {
            b = b.format(Some(SchemaFormat::KnownFormat(f)));
        }
        match self {
            Shape::Id => b.min_length(Some(1)).max_length(Some(64)),
            Shape::Date => b.min_length(Some(10)).max_length(Some(10)),
            Shape::Month => b.min_length(Some(7)).max_length(Some(7)),
            Shape::NonEmpty => b.min_length(Some(1)),
            Shape::TimeZone => b.min_length(Some(1)).max_length(Some(64)),
            _ => b,
        }
    }
}

/// An exact amount as `Display` writes it: an optional minus, whole digits and exactly
/// `scale` decimals (`"1250.500"` cases, `"-3.07"` yuan). Answers carry differences and
/// restatements, so the sign is part of it, unlike a request's [`Shape::Cases`].
fn written_amount(scale: u32, description: &str, example: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!(r"^-?[0-9]+\.[0-9]{{{scale}}}{END}")))
        .description(Some(description))
        .examples([example])
}

macro_rules! text_schema {
    ($($ty:ty => $schema:expr;)*) => {
        $(
            impl utoipa::PartialSchema for $ty {
                fn schema() -> RefOr<Schema> {
                    $schema.into()
                }
            }

            impl utoipa::ToSchema for $ty {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($ty))
                }
            }
        )*
    };
}

text_schema! {
    ActionItemId => Shape::Id.schema();
    BrandId => Shape::Id.schema();
    CampaignId => Shape::Id.schema();
    MeetingId => Shape::Id.schema();
    OrderId => Shape::Id.schema();
    OrgId => Shape::Id.schema();
    OutletId => Shape::Id.schema();
    PartnershipId => Shape::Id.schema();
    PlanId => Shape::Id.schema();
    SkuId => Shape::Id.schema();
    SupportRequestId => Shape::Id.schema();
    TaskId => Shape::Id.schema();
    Date => Shape::Date.schema();
    YearMonth => Shape::Month.schema();
    Period => Shape::Period.schema();
    TimeZone => Shape::TimeZone.schema();
    Cases => written_amount(
        Cases::SCALE,
        "A volume in cases with exactly 3 decimals, negative for a decrease",
        "1250.500",
    );
    Yuan => written_amount(
        Yuan::SCALE,
        "An amount in yuan with exactly 2 decimals (fen), negative for a decrease",
        "190.00",
    );
    Percent => written_amount(
        Percent::SCALE,
        "A percentage with exactly 2 decimals, negative for a decrease",
        "22.63",
    );
    Timestamp => ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .pattern(Some(format!(
            r"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}\.[0-9]{{3}}Z{END}"
        )))
        .description(Some("An instant in UTC to the millisecond"))
        .examples(["2008-07-10T08:30:00.123Z"]);
    PriceClass => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(5))
        .description(Some("A price class, 1 (一類) to 5 (五類)"));
    RecommendationRule => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(RecommendationRule::ALL.iter().map(|r| r.to_string())))
        .description(Some("The rule a recommendation follows from"));
}
