//! The closed sets of values a field may take ([`Kind::Choice`](super::Kind::Choice)):
//! each proto enum a command carries is listed once here, value by value, with what it
//! means — the HTTP schema's `enum`, the CLI's possible values and the bind all read it.

use synergy_proto::Side;
use synergy_proto::events::brand::{BrandStage, CultureActivityKind};
use synergy_proto::events::evaluation::{RecommendationRule, ReportKind};
use synergy_proto::events::marketing::CampaignOutcome;
use synergy_proto::events::support::{MeetingKind, Severity};

use super::Choice;

/// A proto enum offered as a choice of text values.
pub trait Choosable: Copy + 'static {
    /// Every value, in the order of [`Choosable::VALUES`].
    const CHOICES: &'static [Choice];
    const VALUES: &'static [Self];

    /// The value written `text`.
    fn from_choice(text: &str) -> Option<Self> {
        Self::CHOICES
            .iter()
            .position(|c| c.value == text)
            .map(|i| Self::VALUES[i])
    }
}

macro_rules! choosable {
    ($t:ty { $($value:literal => $variant:expr, $doc:literal;)* }) => {
        impl Choosable for $t {
            const CHOICES: &'static [Choice] = &[$(Choice { value: $value, doc: $doc }),*];
            const VALUES: &'static [Self] = &[$($variant),*];
        }
    };
}

choosable!(Side {
    "manufacturer" => Side::Manufacturer, "the brand owner";
    "distributor" => Side::Distributor, "the regional distributor";
});

choosable!(CampaignOutcome {
    "succeeded" => CampaignOutcome::Succeeded, "it met its goals";
    "partly_succeeded" => CampaignOutcome::PartlySucceeded, "it met some of its goals";
    "failed" => CampaignOutcome::Failed, "it met none of its goals";
    "cancelled" => CampaignOutcome::Cancelled, "it was called off";
});

choosable!(BrandStage {
    "introduction" => BrandStage::Introduction, "品牌引入";
    "cultivation" => BrandStage::Cultivation, "培育";
    "growth" => BrandStage::Growth, "成長";
    "mature" => BrandStage::Mature, "成熟";
    "decline" => BrandStage::Decline, "衰退";
    "withdrawn" => BrandStage::Withdrawn, "退出 (final)";
});

choosable!(RecommendationRule {
    "share.drop" => RecommendationRule::ShareDrop, "volume share fell more than the agreed points";
    "attainment.low" => RecommendationRule::AttainmentLow, "volume below the agreed share of target";
    "price.high" => RecommendationRule::PriceHigh, "retail prices above guide: supply is short";
    "price.low" => RecommendationRule::PriceLow, "retail prices below guide: supply is in excess";
    "stock.high" => RecommendationRule::StockHigh, "stock-to-sales above the agreed maximum";
    "forecast.miss" => RecommendationRule::ForecastMiss, "forecast accuracy below 85 %";
    "data.late" => RecommendationRule::DataLate, "market data not all on time";
    "sku.shelf_no_sales" => RecommendationRule::SkuShelfNoSales,
        "a SKU on much shelf with few sales (name the SKU)";
    "sku.underdistributed" => RecommendationRule::SkuUnderdistributed,
        "a SKU that sells wherever it stands but stands in few outlets (name the SKU)";
});

choosable!(ReportKind {
    "market" => ReportKind::Market, "the market report: volume, revenue, share, growth, attainment";
    "brand" => ReportKind::Brand, "the brand report: each brand's figures, stage and campaigns";
    "scorecard" => ReportKind::Scorecard, "the collaboration scorecard: how both sides kept their part";
    "review" => ReportKind::Review, "the joint review pack: figures, exceptions, recommendations, agenda";
});

choosable!(CultureActivityKind {
    "factory_visit" => CultureActivityKind::FactoryVisit, "參觀: a visit to the factory";
    "customer_manager_training" => CultureActivityKind::CustomerManagerTraining,
        "客戶經理培訓: training of the distributor's customer managers";
    "brand_promotion" => CultureActivityKind::BrandPromotion, "企業與品牌文化宣傳";
});

choosable!(MeetingKind {
    "regular_review" => MeetingKind::RegularReview, "定期例會: the joint review meeting";
    "executive_visit" => MeetingKind::ExecutiveVisit, "高層互訪: an executive visit";
    "training" => MeetingKind::Training, "a training session";
});

choosable!(Severity {
    "critical" => Severity::Critical, "acknowledgement due within 4 hours";
    "high" => Severity::High, "acknowledgement due within 24 hours";
    "normal" => Severity::Normal, "acknowledgement due within 72 hours";
    "low" => Severity::Low, "acknowledgement due within 168 hours";
});

#[cfg(test)]
mod tests {
    use super::*;

    fn aligned<T: Choosable + PartialEq + std::fmt::Debug>() {
        assert_eq!(T::CHOICES.len(), T::VALUES.len());
        for (choice, value) in T::CHOICES.iter().zip(T::VALUES) {
            assert_eq!(T::from_choice(choice.value), Some(*value));
        }
        assert_eq!(T::from_choice("Manufacturer"), None);
    }

    #[test]
    fn every_choice_names_its_value() {
        aligned::<Side>();
        aligned::<CampaignOutcome>();
        aligned::<BrandStage>();
        aligned::<CultureActivityKind>();
        aligned::<MeetingKind>();
        aligned::<Severity>();
        aligned::<RecommendationRule>();
        aligned::<ReportKind>();
    }

    #[test]
    fn report_kinds_are_spelled_as_in_their_paths() {
        let values: Vec<&str> = ReportKind::CHOICES.iter().map(|c| c.value).collect();
        let want: Vec<&str> = ReportKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(values, want);
    }

    #[test]
    fn recommendation_choices_are_the_rule_ids() {
        let ids: Vec<&str> = RecommendationRule::CHOICES
            .iter()
            .map(|c| c.value)
            .collect();
        let want: Vec<&str> = RecommendationRule::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(ids, want);
    }
}
