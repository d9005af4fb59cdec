//! `synergy show …`: the reads of the five synergies and evaluation's exception rules and
//! alerts,
//! printed as JSON (the same answers the HTTP API serves), from the embedded data directory
//! or the services on NATS.

use std::process::ExitCode;

use clap::Subcommand;
use synergy_proto::{
    ActionItemId, BrandId, CampaignId, Date, MeetingId, OrderId, PartnershipId, Period, PlanId,
    SkuId, SupportRequestId, TimeZone, Timestamp, YearMonth,
};
use synergy_runtime::{AnyQuery, Api};

use crate::cli::SideArg;

use synergy_brand::Query as BrandQ;
use synergy_information::Query as InfoQ;
use synergy_marketing::Query as MktQ;
use synergy_strategy::Query as StratQ;
use synergy_support::Query as SupQ;

#[derive(Debug, Subcommand)]
pub enum ShowCmd {
    /// The partnership record: parties, region, signing date, rulebooks, termination.
    Agreement {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
    },
    /// Every plan, in any status.
    Plans {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
    },
    /// One plan: years, targets, status, signatures, revisions.
    Plan {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The plan.
        #[arg(long)]
        plan: PlanId,
    },
    /// The active plan covering a year.
    ActivePlan {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The year, e.g. 2008.
        #[arg(long)]
        year: i32,
    },
    /// The targets the active plan sets for exactly this period.
    Targets {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The period: a month (2008-06), quarter (2008-Q2), half (2008-H1) or year (2008).
        #[arg(long)]
        period: Period,
    },
    /// One campaign, folded.
    Campaign {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The campaign.
        #[arg(long)]
        campaign: CampaignId,
    },
    /// A campaign's tasks done out of assigned, optionally of one side.
    TaskProgress {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The campaign.
        #[arg(long)]
        campaign: CampaignId,
        /// Only this side's tasks.
        #[arg(long, value_enum)]
        side: Option<SideArg>,
    },
    /// A campaign's retail price checks within ±5 % of guide, out of all.
    PriceCompliance {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The campaign.
        #[arg(long)]
        campaign: CampaignId,
    },
    /// Every introduced brand with its stage history.
    Brands {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
    },
    /// One brand's stage history.
    Brand {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The brand.
        #[arg(long)]
        brand: BrandId,
    },
    /// One registered SKU.
    Sku {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The SKU.
        #[arg(long)]
        sku: SkuId,
    },
    /// Current brand evaluations, optionally of one brand and of periods inside another.
    Evaluations {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// Only this brand.
        #[arg(long)]
        brand: Option<BrandId>,
        /// Only evaluations of periods inside this one.
        #[arg(long)]
        within: Option<Period>,
    },
    /// Culture activities, optionally about one brand and/or held in a period.
    Activities {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// Only this brand.
        #[arg(long)]
        brand: Option<BrandId>,
        /// Only the months of this period: 2008-06, 2008-Q2, 2008-H1 or 2008.
        #[arg(long)]
        period: Option<Period>,
    },
    /// The latest revision of every recorded month, or of the months of a period.
    MarketData {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// Only the months of this period: 2008-06, 2008-Q2, 2008-H1 or 2008.
        #[arg(long)]
        period: Option<Period>,
    },
    /// Every revision of one month: the trail of its corrections.
    Revisions {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The month, e.g. 2008-06.
        #[arg(long)]
        month: YearMonth,
    },
    /// Forecasts and supply plans of every month, or of the months of a period.
    Forecasts {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// Only the months of this period: 2008-06, 2008-Q2, 2008-H1 or 2008.
        #[arg(long)]
        period: Option<Period>,
    },
    /// One order with its quantities at every step.
    Order {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The order.
        #[arg(long)]
        order: OrderId,
    },
    /// The distributor's analyses in force of a period and of the months and quarters in it.
    Analyses {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The period: a month (2008-06), quarter (2008-Q2), half (2008-H1) or year (2008).
        #[arg(long)]
        period: Period,
    },
    /// One meeting.
    Meeting {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The meeting.
        #[arg(long)]
        meeting: MeetingId,
    },
    /// One action item with its notes.
    Action {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The action item.
        #[arg(long)]
        item: ActionItemId,
    },
    /// One support request.
    Request {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The support request.
        #[arg(long)]
        request: SupportRequestId,
    },
    /// The support figures of a period, judged at the end of `--as-of` on the
    /// partnership's calendar (default: now).
    SupportOverview {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
        /// The period: a month (2008-06), quarter (2008-Q2), half (2008-H1) or year (2008).
        #[arg(long)]
        period: Period,
        /// Judge it at the end of this day on the partnership's calendar (default: now).
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// The exception rules in force (who set them, when) and the proposal waiting for the
    /// other party, if any.
    ExceptionRules {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
    },
    /// The alerts: the exceptions open now, every one raised or cleared, and the months
    /// reminded (docs/alerts.md).
    Alerts {
        /// The partnership.
        #[arg(long)]
        partnership: PartnershipId,
    },
}

impl ShowCmd {
    /// The query, and what a `null` answer means ("no such …"), if it names one item.
    /// `zone` is the partnership's, on whose calendar a day given as `--as-of` ends.
    fn query(self, now: Timestamp, zone: &TimeZone) -> (AnyQuery, Option<&'static str>) {
        use AnyQuery::{Brand as B, Information as I, Marketing as M, Strategy as S, Support as U};
        match self {
            ShowCmd::Agreement { partnership } => {
                (S(StratQ::Partnership { partnership }), Some("partnership"))
            }
            ShowCmd::Plans { partnership } => (S(StratQ::Plans { partnership }), None),
            ShowCmd::Plan { partnership, plan } => {
                (S(StratQ::Plan { partnership, plan }), Some("plan"))
            }
            ShowCmd::ActivePlan { partnership, year } => (
                S(StratQ::ActivePlan { partnership, year }),
                Some("active plan for that year"),
            ),
            ShowCmd::Targets {
                partnership,
                period,
            } => (
                S(StratQ::ActiveTargets {
                    partnership,
                    period,
                }),
                None,
            ),
            ShowCmd::Campaign {
                partnership,
                campaign,
            } => (
                M(MktQ::Campaign {
                    partnership,
                    campaign,
                }),
                Some("campaign"),
            ),
            ShowCmd::TaskProgress {
                partnership,
                campaign,
                side,
            } => (
                M(MktQ::TaskProgress {
                    partnership,
                    campaign,
                    side: side.map(Into::into),
                }),
                None,
            ),
            ShowCmd::PriceCompliance {
                partnership,
                campaign,
            } => (
                M(MktQ::PriceCompliance {
                    partnership,
                    campaign,
                }),
                None,
            ),
            ShowCmd::Brands { partnership } => (B(BrandQ::Brands { partnership }), None),
            ShowCmd::Brand { partnership, brand } => {
                (B(BrandQ::Brand { partnership, brand }), Some("brand"))
            }
            ShowCmd::Sku { partnership, sku } => (B(BrandQ::Sku { partnership, sku }), Some("SKU")),
            ShowCmd::Evaluations {
                partnership,
                brand,
                within,
            } => (
                B(BrandQ::Evaluations {
                    partnership,
                    brand,
                    within,
                }),
                None,
            ),
            ShowCmd::Activities {
                partnership,
                brand,
                period,
            } => (
                B(BrandQ::Activities {
                    partnership,
                    brand,
                    period,
                }),
                None,
            ),
            ShowCmd::MarketData {
                partnership,
                period,
            } => (
                I(InfoQ::MarketData {
                    partnership,
                    period,
                }),
                None,
            ),
            ShowCmd::Revisions { partnership, month } => {
                (I(InfoQ::MarketDataRevisions { partnership, month }), None)
            }
            ShowCmd::Forecasts {
                partnership,
                period,
            } => (
                I(InfoQ::Forecasts {
                    partnership,
                    period,
                }),
                None,
            ),
            ShowCmd::Order { partnership, order } => {
                (I(InfoQ::Order { partnership, order }), Some("order"))
            }
            ShowCmd::Analyses {
                partnership,
                period,
            } => (
                I(InfoQ::Analyses {
                    partnership,
                    period,
                }),
                None,
            ),
            ShowCmd::Meeting {
                partnership,
                meeting,
            } => (
                U(SupQ::Meeting {
                    partnership,
                    meeting,
                }),
                Some("meeting"),
            ),
            ShowCmd::Action { partnership, item } => (
                U(SupQ::ActionItem { partnership, item }),
                Some("action item"),
            ),
            ShowCmd::Request {
                partnership,
                request,
            } => (
                U(SupQ::SupportRequest {
                    partnership,
                    request,
                }),
                Some("support request"),
            ),
            ShowCmd::SupportOverview {
                partnership,
                period,
                as_of,
            } => (
                U(SupQ::Overview {
                    partnership,
                    period,
                    as_of: as_of.map_or(now, |day| day.last_instant_in(zone)),
                }),
                None,
            ),
            ShowCmd::ExceptionRules { partnership } => (
                AnyQuery::Evaluation(synergy_evaluation::Query::ExceptionRules { partnership }),
                None,
            ),
            ShowCmd::Alerts { partnership } => (
                AnyQuery::Evaluation(synergy_evaluation::Query::Alerts { partnership }),
                None,
            ),
        }
    }
}

/// Asks the query and prints the answer as pretty JSON; "no such …" exits as `not_found`.
pub async fn show(api: &dyn Api, cmd: ShowCmd, now: Timestamp) -> anyhow::Result<ExitCode> {
    let zone = match &cmd {
        ShowCmd::SupportOverview {
            partnership,
            as_of: Some(_),
            ..
        } => api
            .partnership(partnership)
            .await?
            .map(|view| view.time_zone)
            .unwrap_or_default(),
        _ => TimeZone::default(),
    };
    let (query, one) = cmd.query(now, &zone);
    let partnership = query.partnership().clone();
    let answer = api.query(query).await?;
    if answer.is_null()
        && let Some(what) = one
    {
        eprintln!("not found: no such {what} in partnership {partnership}");
        return Ok(crate::run::exit_for(synergy_domain::ErrorCode::NotFound));
    }
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(ExitCode::SUCCESS)
}
