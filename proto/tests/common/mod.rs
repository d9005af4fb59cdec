//! One value of every event variant, built from a handful of field values, so golden
//! vectors and property tests cover the whole contract. Adding a variant to proto means
//! adding it here; `every_variant_is_covered` in golden.rs fails until you do.

#![allow(dead_code)]

use synergy_proto::events::brand::{BrandStage, CultureActivityKind, PriceClass, Score};
use synergy_proto::events::evaluation::{
    ExceptionRules, IssuingSetting, RecommendationRule, ReportKind, Restatement,
};
use synergy_proto::events::information::{MarketTotals, SkuLine, VolumeLine};
use synergy_proto::events::marketing::CampaignOutcome;
use synergy_proto::events::strategy::Target;
use synergy_proto::events::support::{Attendee, MeetingKind, Severity};
use synergy_proto::events::{
    BrandEvent, EvaluationEvent, InformationEvent, MarketingEvent, StrategyEvent, SupportEvent,
};
use synergy_proto::*;

/// The field values every sample event is built from.
#[derive(Debug, Clone)]
pub struct Fields {
    pub org_a: OrgId,
    pub org_b: OrgId,
    pub id: String,
    pub text: String,
    pub date: Date,
    pub month: YearMonth,
    pub period: Period,
    pub cases: Cases,
    pub yuan: Yuan,
    pub count: u32,
    pub big: u64,
    pub small: u8,
    pub class: u8,
    pub at: Timestamp,
    pub flag: bool,
}

impl Fields {
    pub fn fixed() -> Self {
        Fields {
            org_a: OrgId::new("hongyun").unwrap(),
            org_b: OrgId::new("changzhi-tobacco").unwrap(),
            id: "x1".into(),
            text: "紅云 Hongyun 長治".into(),
            date: Date::new(2008, 6, 30).unwrap(),
            month: YearMonth::new(2008, 6).unwrap(),
            period: "2008-H1".parse().unwrap(),
            cases: Cases::from_units(15_300_000),
            yuan: Yuan::from_units(21_700_000_000),
            count: 1_234,
            big: 40_000,
            small: 87,
            class: 2,
            at: Timestamp::from_millis(1_214_784_000_000),
            flag: true,
        }
    }
}

fn opt<T>(flag: bool, v: T) -> Option<T> {
    flag.then_some(v)
}

/// One event of every variant, in declaration order.
pub fn every_event(f: &Fields) -> Vec<Event> {
    let brand = BrandId::new(format!("b{}", f.id)).unwrap();
    let sku = SkuId::new(format!("s{}", f.id)).unwrap();
    let plan = PlanId::new(format!("p{}", f.id)).unwrap();
    let campaign = CampaignId::new(format!("c{}", f.id)).unwrap();
    let task = TaskId::new(format!("t{}", f.id)).unwrap();
    let outlet = OutletId::new(format!("o{}", f.id)).unwrap();
    let order = OrderId::new(format!("r{}", f.id)).unwrap();
    let meeting = MeetingId::new(format!("m{}", f.id)).unwrap();
    let item = ActionItemId::new(format!("a{}", f.id)).unwrap();
    let request = SupportRequestId::new(format!("q{}", f.id)).unwrap();
    let class = PriceClass::new(f.class).unwrap();
    let line = SkuLine {
        sku: sku.clone(),
        volume: f.cases,
        revenue: f.yuan,
        closing_stock: f.cases,
        outlets_stocking: f.count,
        outlets_selling: f.count,
        avg_retail_price: f.yuan,
    };
    let market = MarketTotals {
        volume: f.cases,
        revenue: f.yuan,
        active_outlets: f.count,
    };
    let vline = VolumeLine {
        sku: sku.clone(),
        volume: f.cases,
    };
    let s = |t: &str| t.to_owned() + &f.text;

    let strategy = [
        StrategyEvent::PartnershipSigned {
            manufacturer: f.org_a.clone(),
            distributor: f.org_b.clone(),
            region: s("region "),
            signed_on: f.date,
        },
        StrategyEvent::RulebookAdopted {
            title: s("rulebook "),
            adopted_on: f.date,
        },
        StrategyEvent::PartnershipTerminated {
            reason: s("reason "),
            terminated_on: f.date,
        },
        StrategyEvent::PlanDrafted {
            plan: plan.clone(),
            title: s("plan "),
            first_year: f.date.year(),
            last_year: f.date.year() + 2,
        },
        StrategyEvent::PlanTargetSet {
            plan: plan.clone(),
            target: Target {
                brand: opt(f.flag, brand.clone()),
                period: f.period,
                volume: Some(f.cases),
                revenue: opt(!f.flag, f.yuan),
                volume_share: Some(Percent::from_units(i64::from(f.small) * 100)),
            },
        },
        StrategyEvent::PlanTargetRemoved {
            plan: plan.clone(),
            brand: opt(f.flag, brand.clone()),
            period: f.period,
        },
        StrategyEvent::PlanSubmitted {
            plan: plan.clone(),
            revision: f.count,
        },
        StrategyEvent::PlanSigned {
            plan: plan.clone(),
            revision: f.count,
            side: if f.flag {
                Side::Manufacturer
            } else {
                Side::Distributor
            },
            signed_by: f.org_a.clone(),
            signed_on: f.date,
        },
        StrategyEvent::PlanActivated {
            plan: plan.clone(),
            revision: f.count,
        },
        StrategyEvent::PlanRevised {
            plan: plan.clone(),
            revision: f.count,
            reason: s("why "),
        },
        StrategyEvent::PlanWithdrawn {
            plan,
            reason: s("why "),
        },
    ];
    let marketing = [
        MarketingEvent::CampaignPlanned {
            campaign: campaign.clone(),
            title: s("launch "),
            brand: brand.clone(),
            skus: vec![sku.clone(); usize::from(f.small % 4)],
            starts_on: f.date,
            ends_on: f.date,
            activity_plan: s("plan "),
        },
        MarketingEvent::CampaignTaskAssigned {
            campaign: campaign.clone(),
            task: task.clone(),
            title: s("task "),
            side: Side::Distributor,
            due_on: f.date,
        },
        MarketingEvent::CampaignTaskCompleted {
            campaign: campaign.clone(),
            task,
            completed_on: f.date,
            note: s("done "),
        },
        MarketingEvent::MaterialsDispatched {
            campaign: campaign.clone(),
            material: s("posters "),
            quantity: f.big,
            dispatched_on: f.date,
        },
        MarketingEvent::MaterialsReceived {
            campaign: campaign.clone(),
            material: s("posters "),
            quantity: f.big,
            received_on: f.date,
        },
        MarketingEvent::OutletsSelected {
            campaign: campaign.clone(),
            outlets: vec![outlet.clone(); usize::from(f.small % 3)],
        },
        MarketingEvent::RetailPriceChecked {
            campaign: campaign.clone(),
            sku: sku.clone(),
            outlet,
            observed_price: f.yuan,
            guide_price: f.yuan,
            checked_on: f.date,
        },
        MarketingEvent::SupplyAllocated {
            campaign: campaign.clone(),
            sku: sku.clone(),
            volume: f.cases,
            allocated_on: f.date,
        },
        MarketingEvent::CampaignLaunched {
            campaign: campaign.clone(),
            launched_on: f.date,
        },
        MarketingEvent::CampaignClosed {
            campaign,
            closed_on: f.date,
            outcome: if f.flag {
                CampaignOutcome::Succeeded
            } else {
                CampaignOutcome::PartlySucceeded
            },
            summary: s("summary "),
        },
    ];
    let brand_events = [
        BrandEvent::SkuRegistered {
            brand: brand.clone(),
            sku: sku.clone(),
            name: s("name "),
            price_class: class,
            guide_price: f.yuan,
        },
        BrandEvent::SkuUpdated {
            brand: brand.clone(),
            sku: sku.clone(),
            name: s("name "),
            price_class: class,
            guide_price: f.yuan,
        },
        BrandEvent::BrandIntroduced {
            brand: brand.clone(),
            introduced_on: f.date,
        },
        BrandEvent::BrandStageChanged {
            brand: brand.clone(),
            from: BrandStage::Introduction,
            to: if f.flag {
                BrandStage::Cultivation
            } else {
                BrandStage::Withdrawn
            },
            changed_on: f.date,
            reason: s("why "),
        },
        BrandEvent::BrandEvaluated {
            brand: brand.clone(),
            period: f.period,
            overall: f.small % 101,
            scores: vec![Score {
                criterion: s("awareness "),
                score: f.small % 101,
            }],
            comment: s("comment "),
        },
        BrandEvent::CultureActivityHeld {
            brand: opt(f.flag, brand),
            kind: if f.flag {
                CultureActivityKind::FactoryVisit
            } else {
                CultureActivityKind::CustomerManagerTraining
            },
            title: s("visit "),
            held_on: f.date,
            participants: f.count,
        },
    ];
    let information = [
        InformationEvent::MarketDataSubmitted {
            month: f.month,
            revision: 1,
            lines: vec![line.clone(); usize::from(f.small % 3)],
            market: market.clone(),
            submitted_on: f.date,
        },
        InformationEvent::MarketDataCorrected {
            month: f.month,
            revision: f.count,
            lines: vec![line],
            market,
            submitted_on: f.date,
            reason: s("typo "),
        },
        InformationEvent::DemandForecastSubmitted {
            month: f.month,
            lines: vec![vline.clone()],
            submitted_on: f.date,
        },
        InformationEvent::SupplyPlanConfirmed {
            month: f.month,
            lines: vec![vline.clone()],
            confirmed_on: f.date,
        },
        InformationEvent::OrderPlaced {
            order: order.clone(),
            month: f.month,
            lines: vec![vline.clone()],
            placed_on: f.date,
        },
        InformationEvent::OrderConfirmed {
            order: order.clone(),
            lines: vec![vline.clone()],
            confirmed_on: f.date,
        },
        InformationEvent::OrderShipped {
            order: order.clone(),
            lines: vec![vline.clone()],
            shipped_on: f.date,
        },
        InformationEvent::OrderReceived {
            order,
            lines: vec![vline],
            received_on: f.date,
        },
    ];
    let support = [
        SupportEvent::MeetingScheduled {
            meeting: meeting.clone(),
            kind: if f.flag {
                MeetingKind::RegularReview
            } else {
                MeetingKind::ExecutiveVisit
            },
            title: s("review "),
            scheduled_on: f.date,
            period: opt(f.flag, f.period),
            agenda: vec![s("why we won ")],
        },
        SupportEvent::MeetingHeld {
            meeting: meeting.clone(),
            held_on: f.date,
            attendees: vec![Attendee {
                org: f.org_b.clone(),
                name: s("Li "),
            }],
            minutes: s("minutes "),
            decisions: vec![s("decision ")],
        },
        SupportEvent::MeetingCancelled {
            meeting: meeting.clone(),
            reason: s("why "),
        },
        SupportEvent::ActionItemRaised {
            item: item.clone(),
            title: s("do "),
            owner: Side::Manufacturer,
            due_on: f.date,
            meeting: opt(f.flag, meeting),
            raised_on: f.date,
        },
        SupportEvent::ActionItemProgressed {
            item: item.clone(),
            note: s("half "),
            progressed_on: f.date,
        },
        SupportEvent::ActionItemClosed {
            item: item.clone(),
            note: s("done "),
            closed_on: f.date,
        },
        SupportEvent::ActionItemReopened {
            item: item.clone(),
            reason: s("again "),
            due_on: f.date,
            reopened_on: f.date,
        },
        SupportEvent::SupportRequestOpened {
            request: request.clone(),
            title: s("help "),
            severity: if f.flag {
                Severity::Critical
            } else {
                Severity::Low
            },
            requested_by: Side::Distributor,
            opened_at: f.at,
            response_target_hours: f.count,
        },
        SupportEvent::SupportRequestAcknowledged {
            request: request.clone(),
            acknowledged_at: f.at,
        },
        SupportEvent::SupportRequestResolved {
            request,
            resolved_at: f.at,
            resolution: s("fixed "),
        },
    ];
    let evaluation = [
        EvaluationEvent::ReportIssued {
            kind: if f.flag {
                ReportKind::Market
            } else {
                ReportKind::Review
            },
            period: f.period,
            version: f.count,
            body: s("{\"kpis\":{}} "),
            restatements: vec![Restatement {
                key: "kpis.volume_cases".into(),
                previous: opt(f.flag, f.cases.to_string()),
                current: Some(f.cases.to_string()),
            }],
        },
        EvaluationEvent::ExceptionRulesSet {
            rules: ExceptionRules::default(),
        },
    ];

    // Variants appended after the first vectors were frozen come last, so that the
    // commit ids (numbered in this order) of the earlier vectors keep their bytes.
    let strategy_later = [
        StrategyEvent::PartnershipProposed {
            manufacturer: f.org_a.clone(),
            distributor: f.org_b.clone(),
            region: s("region "),
            signed_on: f.date,
            proposed_by: if f.flag {
                Side::Manufacturer
            } else {
                Side::Distributor
            },
        },
        StrategyEvent::PartnershipProposalDeclined { reason: s("why ") },
        StrategyEvent::PartnershipProposalWithdrawn { reason: s("why ") },
    ];
    let marketing_later = [MarketingEvent::UpliftPromised {
        campaign: CampaignId::new(format!("c{}", f.id)).unwrap(),
        skus: vec![sku.clone(); usize::from(f.small % 3)],
        first_month: f.month,
        last_month: f.month,
        uplift: f.cases,
        reason: opt(f.flag, s("revised ")),
    }];

    let rule = RecommendationRule::ALL[usize::from(f.class) % RecommendationRule::ALL.len()];
    let support_later = [
        SupportEvent::RecommendationAccepted {
            item: item.clone(),
            period: f.period,
            rule,
            sku: opt(f.flag, sku.clone()),
            by: Side::Distributor,
        },
        SupportEvent::RecommendationDismissed {
            item: item.clone(),
            period: f.period,
            rule,
            sku: opt(!f.flag, sku.clone()),
            reason: s("why "),
            by: Side::Manufacturer,
            dismissed_on: f.date,
        },
    ];

    let mut all: Vec<Event> = Vec::new();
    all.extend(strategy.into_iter().map(Event::from));
    all.extend(marketing.into_iter().map(Event::from));
    all.extend(brand_events.into_iter().map(Event::from));
    all.extend(information.into_iter().map(Event::from));
    all.extend(support.into_iter().map(Event::from));
    all.extend(evaluation.into_iter().map(Event::from));
    all.extend(strategy_later.into_iter().map(Event::from));
    all.extend(support_later.into_iter().map(Event::from));
    all.extend(marketing_later.into_iter().map(Event::from));
    all.extend(
        [
            StrategyEvent::TimeZoneProposed {
                zone: s("America/New_York "),
                proposed_by: if f.flag {
                    Side::Distributor
                } else {
                    Side::Manufacturer
                },
            },
            StrategyEvent::TimeZoneSet {
                zone: s("Asia/Shanghai "),
            },
        ]
        .map(Event::from),
    );
    let information_later = [InformationEvent::AnalysisSubmitted {
        period: f.period,
        revision: f.count,
        text: s("## 市場分析 "),
        submitted_on: f.date,
        reason: opt(f.flag, s("revised ")),
    }];
    all.extend(information_later.into_iter().map(Event::from));
    let setting = IssuingSetting {
        kinds: vec![ReportKind::Market; usize::from(f.small % 3)],
        lengths: if f.flag {
            vec![PeriodKind::Month, PeriodKind::Year]
        } else {
            Vec::new()
        },
    };
    let evaluation_later = [
        EvaluationEvent::IssuingProposed {
            setting: setting.clone(),
            proposed_by: if f.flag {
                Side::Manufacturer
            } else {
                Side::Distributor
            },
        },
        EvaluationEvent::IssuingSet { setting },
        EvaluationEvent::ExceptionRulesProposed {
            rules: ExceptionRules {
                share_drop_points: Percent::from_units(i64::from(f.small) * 10),
                ..ExceptionRules::default()
            },
            proposed_by: if f.flag {
                Side::Distributor
            } else {
                Side::Manufacturer
            },
        },
        EvaluationEvent::ExceptionRaised {
            period: f.period,
            rule: s("share_down "),
            subject: format!("brand:b{}", f.id),
            value: opt(f.flag, format!("-{}.25", f.small)),
            threshold: Some("1".into()),
            message: s("份额下降 "),
        },
        EvaluationEvent::ExceptionCleared {
            period: f.period,
            rule: s("share_down "),
            subject: format!("brand:b{}", f.id),
        },
        EvaluationEvent::DataReminder {
            month: f.month,
            as_of: f.date,
            due: f.date,
        },
    ];
    all.extend(evaluation_later.into_iter().map(Event::from));
    let webhook = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(f.big));
    let webhooks = [
        StrategyEvent::WebhookRegistered {
            webhook,
            org: f.org_a.clone(),
            url: format!("https://hooks.example.com/{}", f.id),
        },
        StrategyEvent::WebhookRemoved { webhook },
    ];
    all.extend(webhooks.into_iter().map(Event::from));
    all
}

/// A commit carrying one event, with fixed envelope fields.
pub fn commit_of(event: Event, seq: u128) -> Commit {
    let context = event.context();
    Commit {
        commit_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | seq),
        stream: StreamId::new(
            context,
            PartnershipId::new("hongyun-changzhi").unwrap(),
            AggregateId::compose("agg", "x1"),
        ),
        first_version: 7,
        recorded_at: Timestamp::from_millis(1_214_784_001_000),
        actor: Actor {
            org: OrgId::new("changzhi-tobacco").unwrap(),
            role: Role::Distributor,
            user: "analyst".into(),
        },
        correlation_id: Uuid::from_u128(0xC0C0 | seq),
        causation_id: Some(Uuid::from_u128(0xCA05 | seq)),
        events: vec![RecordedEvent {
            event_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0001_0000 | seq),
            occurred_at: Timestamp::from_millis(1_214_784_000_000),
            event,
        }],
    }
}
