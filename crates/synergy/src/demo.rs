//! `synergy demo`: the Changzhi case from the seed, driven through the real command path.
//!
//! Every step is a command decided by the domain and appended to a fresh embedded sled log;
//! the report is then folded from that log. The figures it prints (15,300 cases, 22.63 %,
//! +29.66 %, ¥217,000,000, 29.77 %, +40.91 % for 2008-H1) are computed, never written down:
//! the inputs are the monthly submissions of the `synergy_changzhi` dataset.
//!
//! The clock is a [`ManualClock`] set to the day each step happened, so "the month has
//! ended" and "submitted by the 10th" are judged as they were in 2007–2008.

use std::sync::Arc;

use anyhow::Context as _;
use synergy_brand::SkuEntry;
use synergy_changzhi::{
    ANALYSES, CATALOGUE, DISTRIBUTOR, HISTORY_2006, MANUFACTURER, MONTHS, MonthRow, PARTNERSHIP,
    PLAN, PLAN_TARGETS, Q1_FOLLOW_UP_NOTE, Q1_FOLLOW_UP_TITLE, REGION, RULEBOOKS,
};
use synergy_domain::Principal;
use synergy_eventlog::SledLog;
use synergy_information::{
    Command as Info, ForecastCommand, MonthSubmission, OrderCommand, SubmitAnalysis,
    SubmitMarketData,
};
use synergy_marketing::Command as Mkt;
use synergy_proto::events::information::VolumeLine;
use synergy_proto::events::support::{Attendee, MeetingKind};
use synergy_proto::*;
use synergy_runtime::{AnyCommand, Api, Local, ManualClock, Request};
use synergy_strategy::Command as Strat;
use synergy_support::{ActionItemCommand, Command as Sup, MeetingCommand};

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().expect("the demo's ids are valid")
}

fn day(s: &str) -> Date {
    s.parse().expect("the demo's dates are valid")
}

/// Runs the scenario on `api`, setting `clock` as it goes. Returns the number of commits.
pub async fn run(api: &Local<SledLog>, clock: &ManualClock) -> anyhow::Result<usize> {
    let p: PartnershipId = id(PARTNERSHIP);
    let hongyun = Principal::new(id(MANUFACTURER), Role::Admin, "demo");
    let changzhi = Principal::new(id(DISTRIBUTOR), Role::Admin, "demo");
    let mut commits = 0;
    let mut step = async |who: &Principal, on: &str, command: AnyCommand| -> anyhow::Result<()> {
        clock.set(day(on).start());
        let what = format!("{command:?}");
        let outcome = api
            .execute(Request::new(who.clone(), command))
            .await
            .with_context(|| format!("demo step on {on} failed: {}", truncate(&what)))?;
        if outcome.position.is_some() {
            commits += 1;
        }
        Ok(())
    };

    // 2007-12-18: the cooperation agreement and its rulebooks (戰略目標協同).
    let signed = "2007-12-18";
    step(
        &hongyun,
        signed,
        AnyCommand::Strategy(Strat::SignPartnership {
            partnership: p.clone(),
            manufacturer: id(MANUFACTURER),
            distributor: id(DISTRIBUTOR),
            region: REGION.to_owned(),
            signed_on: day(signed),
        }),
    )
    .await?;
    for title in RULEBOOKS {
        step(
            &hongyun,
            signed,
            AnyCommand::Strategy(Strat::AdoptRulebook {
                partnership: p.clone(),
                title: title.to_owned(),
                adopted_on: day(signed),
            }),
        )
        .await?;
    }

    // The regional portfolio (品牌營銷協同): catalogue, brands already in the market.
    step(
        &hongyun,
        signed,
        AnyCommand::Brand(synergy_brand::Command::RegisterCatalogue {
            partnership: p.clone(),
            skus: CATALOGUE
                .iter()
                .map(|r| SkuEntry {
                    brand: id(r.brand),
                    sku: id(r.sku),
                    name: r.name.to_owned(),
                    price_class: r.price_class,
                    guide_price: Yuan::from_units(r.guide_price_fen),
                })
                .collect(),
        }),
    )
    .await?;
    for (brand, on) in [("hongyun", "2006-03-01"), ("yunyan", "2006-09-01")] {
        step(
            &hongyun,
            signed,
            AnyCommand::Brand(synergy_brand::Command::IntroduceBrand {
                partnership: p.clone(),
                brand: id(brand),
                introduced_on: day(on),
            }),
        )
        .await?;
    }

    // The distributor loads its history (2006-07 … 2007-11) when the partnership starts
    // (信息協同).
    let (history, live): (Vec<&MonthRow>, Vec<_>) = HISTORY_2006
        .iter()
        .chain(&MONTHS)
        .partition(|m| m.year_month() < YearMonth::new(2007, 12).expect("valid"));
    step(
        &changzhi,
        "2007-12-20",
        AnyCommand::Information(Info::SubmitMarketData(SubmitMarketData {
            partnership: p.clone(),
            months: history
                .iter()
                .map(|m| MonthSubmission {
                    month: m.year_month(),
                    lines: m.sku_lines(),
                    market: m.market(),
                })
                .collect(),
            reason: None,
        })),
    )
    .await?;

    // The three-year plan, drafted, targeted, submitted and signed by both sides.
    let plan: PlanId = id(PLAN);
    let planned = "2007-12-26";
    step(
        &hongyun,
        planned,
        AnyCommand::Strategy(Strat::DraftPlan {
            partnership: p.clone(),
            plan: plan.clone(),
            title: "紅雲集團在長治市場三年發展規劃".to_owned(),
            first_year: 2008,
            last_year: 2010,
        }),
    )
    .await?;
    for t in &PLAN_TARGETS {
        step(
            &hongyun,
            planned,
            AnyCommand::Strategy(Strat::SetPlanTarget {
                partnership: p.clone(),
                plan: plan.clone(),
                target: t.target(),
            }),
        )
        .await?;
    }
    step(
        &hongyun,
        planned,
        AnyCommand::Strategy(Strat::SubmitPlan {
            partnership: p.clone(),
            plan: plan.clone(),
        }),
    )
    .await?;
    for who in [&hongyun, &changzhi] {
        step(
            who,
            "2007-12-28",
            AnyCommand::Strategy(Strat::SignPlan {
                partnership: p.clone(),
                plan: plan.clone(),
                revision: 1,
                signed_on: day("2007-12-28"),
            }),
        )
        .await?;
    }

    // Month by month from 2007-12: forecast, order, market data on the day it was sent.
    for m in &live {
        let month = m.year_month();
        let first = month.first_day().add_days(-5).expect("valid").to_string();
        let forecast: Vec<VolumeLine> = m
            .lines
            .iter()
            .map(|l| VolumeLine {
                sku: id(l.sku),
                // The forecast misses by a few percent, as forecasts do.
                volume: Cases::from_whole(l.volume_cases * 97 / 100).expect("small"),
            })
            .collect();
        step(
            &changzhi,
            &first,
            AnyCommand::Information(Info::Forecast(ForecastCommand::SubmitDemandForecast {
                partnership: p.clone(),
                month,
                lines: forecast.clone(),
            })),
        )
        .await?;
        step(
            &hongyun,
            &first,
            AnyCommand::Information(Info::Forecast(ForecastCommand::ConfirmSupplyPlan {
                partnership: p.clone(),
                month,
                lines: forecast.clone(),
            })),
        )
        .await?;
        let order: OrderId = id(&format!("order-{month}"));
        let received: Vec<VolumeLine> = forecast
            .iter()
            .map(|l| VolumeLine {
                sku: l.sku.clone(),
                volume: Cases::from_units(l.volume.units() * 98 / 100),
            })
            .collect();
        for (who, on, cmd) in [
            (
                &changzhi,
                first.as_str(),
                OrderCommand::Place {
                    partnership: p.clone(),
                    order: order.clone(),
                    month,
                    lines: forecast.clone(),
                },
            ),
            (
                &hongyun,
                first.as_str(),
                OrderCommand::Confirm {
                    partnership: p.clone(),
                    order: order.clone(),
                    lines: forecast.clone(),
                },
            ),
            (
                &hongyun,
                first.as_str(),
                OrderCommand::Ship {
                    partnership: p.clone(),
                    order: order.clone(),
                    lines: received.clone(),
                },
            ),
            (
                &changzhi,
                first.as_str(),
                OrderCommand::Receive {
                    partnership: p.clone(),
                    order: order.clone(),
                    lines: received.clone(),
                },
            ),
        ] {
            step(who, on, AnyCommand::Information(Info::Order(cmd))).await?;
        }
        let sent = m.submitted_on().to_string();
        step(
            &changzhi,
            &sent,
            AnyCommand::Information(Info::SubmitMarketData(SubmitMarketData {
                partnership: p.clone(),
                months: vec![MonthSubmission {
                    month,
                    lines: m.sku_lines(),
                    market: m.market(),
                }],
                reason: None,
            })),
        )
        .await?;
    }

    // A new-product push for 紅雲(硬) in spring 2008 (市場營銷協同): the manufacturer plans,
    // promises the uplift, ships materials and watches prices; the distributor picks
    // outlets, launches, supplies.
    let campaign: CampaignId = id("hongyun-hard-spring-2008");
    let hard: SkuId = id("hongyun-hard");
    let c = |cmd: Mkt| AnyCommand::Marketing(cmd);
    for (who, on, cmd) in [
        (
            &hongyun,
            "2008-02-20",
            Mkt::PlanCampaign {
                partnership: p.clone(),
                campaign: campaign.clone(),
                title: "紅雲(硬) 春季終端推廣".to_owned(),
                brand: id("hongyun"),
                skus: vec![hard.clone()],
                starts_on: day("2008-03-01"),
                ends_on: day("2008-05-31"),
                activity_plan: "Point-of-sale displays and retailer briefings in 120 outlets"
                    .to_owned(),
            },
        ),
        // 創值: the plan promises 300 cases of 紅雲(硬) over March–May above last year's
        // sales grown with the market; the review pack judges it.
        (
            &hongyun,
            "2008-02-20",
            Mkt::PromiseUplift {
                partnership: p.clone(),
                campaign: campaign.clone(),
                skus: vec![hard.clone()],
                first_month: id("2008-03"),
                last_month: id("2008-05"),
                uplift: Cases::from_whole(300).expect("small"),
                reason: String::new(),
            },
        ),
        (
            &hongyun,
            "2008-02-20",
            Mkt::AssignTask {
                partnership: p.clone(),
                campaign: campaign.clone(),
                task: id("pick-outlets"),
                title: "Select 120 outlets in the city districts".to_owned(),
                side: Side::Distributor,
                due_on: day("2008-02-28"),
            },
        ),
        (
            &hongyun,
            "2008-02-20",
            Mkt::DispatchMaterials {
                partnership: p.clone(),
                campaign: campaign.clone(),
                material: "display stand".to_owned(),
                quantity: 120,
                dispatched_on: day("2008-02-20"),
            },
        ),
        (
            &changzhi,
            "2008-02-27",
            Mkt::ReceiveMaterials {
                partnership: p.clone(),
                campaign: campaign.clone(),
                material: "display stand".to_owned(),
                quantity: 118,
                received_on: day("2008-02-27"),
            },
        ),
        (
            &changzhi,
            "2008-02-27",
            Mkt::SelectOutlets {
                partnership: p.clone(),
                campaign: campaign.clone(),
                outlets: (1..=12).map(|i| id(&format!("cz-outlet-{i:03}"))).collect(),
            },
        ),
        (
            &changzhi,
            "2008-02-27",
            Mkt::CompleteTask {
                partnership: p.clone(),
                campaign: campaign.clone(),
                task: id("pick-outlets"),
                completed_on: day("2008-02-27"),
                note: "12 anchor outlets confirmed; the rest follow the same profile".to_owned(),
            },
        ),
        (
            &changzhi,
            "2008-03-01",
            Mkt::LaunchCampaign {
                partnership: p.clone(),
                campaign: campaign.clone(),
                launched_on: day("2008-03-01"),
            },
        ),
        (
            &changzhi,
            "2008-03-01",
            Mkt::AllocateSupply {
                partnership: p.clone(),
                campaign: campaign.clone(),
                sku: hard.clone(),
                volume: Cases::from_whole(300).expect("small"),
                allocated_on: day("2008-03-01"),
            },
        ),
    ] {
        step(who, on, c(cmd)).await?;
    }
    for (i, (observed_fen, on)) in [
        (8_500, "2008-03-15"),
        (8_800, "2008-04-15"),
        (9_200, "2008-05-15"),
        (8_400, "2008-06-10"),
    ]
    .into_iter()
    .enumerate()
    {
        step(
            &hongyun,
            on,
            c(Mkt::CheckRetailPrice {
                partnership: p.clone(),
                campaign: campaign.clone(),
                sku: hard.clone(),
                outlet: id(&format!("cz-outlet-{:03}", i + 1)),
                observed_price: Yuan::from_units(observed_fen),
                checked_on: day(on),
            }),
        )
        .await?;
    }
    step(
        &hongyun,
        "2008-06-10",
        c(Mkt::CloseCampaign {
            partnership: p.clone(),
            campaign,
            closed_on: day("2008-06-10"),
            outcome: synergy_proto::events::marketing::CampaignOutcome::Succeeded,
            summary: "紅雲(硬) on shelf in all selected outlets; one price above guide".to_owned(),
        }),
    )
    .await?;

    // 提升: Q1's pack recommends data.late (2008-03 came on 12 April); Changzhi takes it up
    // as an action item and closes it once April's data is in on time, so the Q2 pack
    // shows what became of it.
    let follow_up = synergy_support::recommendation_item(
        id("2008-Q1"),
        synergy_proto::events::evaluation::RecommendationRule::DataLate,
        None,
    );
    step(
        &changzhi,
        "2008-04-20",
        AnyCommand::Support(Sup::ActionItem(ActionItemCommand::AcceptRecommendation {
            partnership: p.clone(),
            period: id("2008-Q1"),
            rule: synergy_proto::events::evaluation::RecommendationRule::DataLate,
            sku: None,
            title: Q1_FOLLOW_UP_TITLE.to_owned(),
            owner: None,
            due_on: day("2008-05-10"),
            meeting: None,
        })),
    )
    .await?;
    step(
        &changzhi,
        "2008-05-08",
        AnyCommand::Support(Sup::ActionItem(ActionItemCommand::Close {
            partnership: p.clone(),
            item: follow_up,
            note: Q1_FOLLOW_UP_NOTE.to_owned(),
        })),
    )
    .await?;
    // Changzhi's written analyses of May and of the second quarter, the quarter's revised
    // before the review (信息協同: 月度、季度市場和品牌分析報告).
    for a in &ANALYSES {
        step(
            &changzhi,
            a.submitted_on,
            AnyCommand::Information(Info::SubmitAnalysis(SubmitAnalysis {
                partnership: p.clone(),
                period: id(a.period),
                text: a.text.to_owned(),
                reason: a.reason.map(str::to_owned),
            })),
        )
        .await?;
    }

    // The joint review of 2008-H1 (服務保障協同): scheduled, held, decisions become actions.
    let meeting: MeetingId = id("review-2008-h1");
    step(
        &hongyun,
        "2008-07-01",
        AnyCommand::Support(Sup::Meeting(MeetingCommand::Schedule {
            partnership: p.clone(),
            meeting: meeting.clone(),
            kind: MeetingKind::RegularReview,
            title: "2008年上半年銷售例會".to_owned(),
            scheduled_on: day("2008-07-15"),
            period: Some(id("2008-H1")),
            agenda: Vec::new(),
        })),
    )
    .await?;
    step(
        &changzhi,
        "2008-07-15",
        AnyCommand::Support(Sup::Meeting(MeetingCommand::Hold {
            partnership: p.clone(),
            meeting: meeting.clone(),
            held_on: day("2008-07-15"),
            attendees: vec![
                Attendee {
                    org: id(MANUFACTURER),
                    name: "紅雲 brand team".to_owned(),
                },
                Attendee {
                    org: id(DISTRIBUTOR),
                    name: "長治 marketing centre".to_owned(),
                },
            ],
            minutes: "H1 volume up on 2007 and above a fifth of the market; 2008-03 data was late."
                .to_owned(),
            decisions: vec![
                "Submit monthly data by the 10th".to_owned(),
                "Extend 紅雲(硬) to more outlets".to_owned(),
            ],
        })),
    )
    .await?;
    for (who, item, title, owner, due) in [
        (
            &changzhi,
            "ai-2008-07-data",
            "Monthly data by the 10th: name a data owner",
            Side::Distributor,
            "2008-07-31",
        ),
        (
            &hongyun,
            "ai-2008-07-outlets",
            "Plan 紅雲(硬) coverage in 200 more outlets",
            Side::Manufacturer,
            "2008-08-31",
        ),
    ] {
        step(
            who,
            "2008-07-15",
            AnyCommand::Support(Sup::ActionItem(ActionItemCommand::Raise {
                partnership: p.clone(),
                item: id(item),
                title: title.to_owned(),
                owner,
                due_on: day(due),
                meeting: Some(meeting.clone()),
            })),
        )
        .await?;
    }
    Ok(commits)
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 160 {
        s.chars().take(160).collect::<String>() + "…"
    } else {
        s.to_owned()
    }
}

/// Opens a fresh embedded installation in `dir`, runs the scenario and returns the API and
/// the clock (left at the review day).
pub async fn prepare(dir: &std::path::Path) -> anyhow::Result<(Local<SledLog>, Arc<ManualClock>)> {
    let clock = Arc::new(ManualClock::new(day("2007-12-18").start()));
    let api = Local::open_embedded(dir, clock.clone())?;
    run(&api, &clock).await?;
    Ok((api, clock))
}
