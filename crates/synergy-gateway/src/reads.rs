//! The reads of the contexts (the five, and evaluation's issued versions): one GET route
//! per query of a context, answered through
//! [`synergy_runtime::Api::query`] from that context's own streams. Parties only (either
//! side, or an admin acting for one); outsiders get 403 like everywhere else.
//!
//! The body is the context's answer as JSON, with dates, months, periods, instants and
//! amounts as text (`"2008-06"`, `"1250.500"`), as the proto types write themselves; the
//! OpenAPI document states it as the answer's own type (its `ToSchema`, behind the
//! contexts' `openapi` feature). A route that names one item (a plan, a campaign, an order,
//! ...) answers 404 when it does not exist.

use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde::Deserialize;
use synergy_domain::ErrorCode;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{
    ActionItemId, BrandId, CampaignId, Date, MeetingId, OrderId, PartnershipId, Period, PlanId,
    SkuId, SupportRequestId, YearMonth,
};
use synergy_runtime::AnyQuery;
use utoipa::IntoParams;

use crate::GatewayState;
use crate::auth::{self, Caller};
use crate::dto::{DateText, Id, MonthText, PeriodText, SideDto, parse};
use crate::error::{ErrorBody, Problem};
use crate::extract::{Params, QueryArgs};

use synergy_brand::{
    Answer as BrandA, BrandRecord, CultureActivity, Evaluation, Query as BrandQ, Sku,
};
use synergy_evaluation::alerts::Alerts;
use synergy_evaluation::rules::ExceptionRulesAgreed;
use synergy_evaluation::versions::{Answer as EvalA, Query as EvalQ, VersionIssued};
use synergy_information::{
    Analysis, Answer as InfoA, MonthPlan, MonthRecord, Order, Query as InfoQ,
};
use synergy_marketing::{Answer as MktA, Campaign, Query as MktQ, Ratio};
use synergy_proto::events::strategy::Target;
use synergy_strategy::{Answer as StratA, Partnership, Plan, Query as StratQ};
use synergy_support::{
    ActionItem, Answer as SupA, Meeting, Query as SupQ, SupportOverview, SupportRequest,
};

/// Reads a query parameter's text with its shape and proto parser; a bad one is the
/// request's shape (400 `invalid_query`), not a rule, naming the parameter.
pub(crate) fn query_arg<T>(
    name: &str,
    value: Option<&impl crate::dto::Shaped>,
) -> Result<Option<T>, Problem>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value
        .map(|v| parse(name, v).map_err(|p| p.recoded(ErrorCode::InvalidQuery)))
        .transpose()
}

/// Asks the query as `caller` (a party of its partnership) and serves the answer. `one`
/// names the item a query for one item asks for: a `null` answer is then a 404.
async fn answer(
    s: &GatewayState,
    caller: &Caller,
    query: AnyQuery,
    one: Option<&'static str>,
) -> Result<Response, Problem> {
    caller.party_view(s, query.partnership()).await?;
    let value = s.api.query(query).await?;
    if value.is_null()
        && let Some(what) = one
    {
        return Err(Problem::new(
            ErrorCode::NotFound,
            format!("no such {what} in this partnership"),
        ));
    }
    Ok(axum::Json(value).into_response())
}

/// No query parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// An optional period the answer is limited to.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodArgs {
    /// Only the months of this period (2008-06, 2008-Q2, 2008-H1 or 2008); all if absent.
    #[param(inline)]
    pub period: Option<PeriodText>,
}

/// An optional side.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SideArgs {
    /// Only the tasks assigned to this side; both if absent.
    #[param(inline)]
    pub side: Option<SideDto>,
}

/// An optional period the evaluations fall inside.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WithinArgs {
    /// Only evaluations of periods inside this one; all if absent.
    #[param(inline)]
    pub within: Option<PeriodText>,
}

/// Optional brand and period of culture activities.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActivityArgs {
    /// Only activities about this brand.
    #[param(inline)]
    pub brand: Option<Id>,
    /// Only activities held in this period.
    #[param(inline)]
    pub period: Option<PeriodText>,
}

/// The instant an overview is judged at.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AsOfArgs {
    /// Judge overdue items and response times at the end of this day (YYYY-MM-DD) on the
    /// partnership's calendar (its time zone); now if absent.
    #[param(inline)]
    pub as_of: Option<DateText>,
}

/// What an answer about one item holds when the item exists: the 200 body of a read whose
/// `null` answer is a 404.
pub(crate) trait OneOf<T> {}
impl<T> OneOf<T> for Option<T> {}
impl<T> OneOf<T> for Option<Box<T>> {}

/// Ties the answer type a read declares to its context's `Answer` variant: it compiles only
/// if the variant holds that type (for a read of one item, an `Option` of it).
fn declares<A, T>(_: impl FnOnce(A) -> Option<T>) {}

/// Declares the reads: each entry is one route (path, tag, parameters), the query it asks,
/// the answer's type named with the context's `Answer` variant that carries it
/// (`StratA::Plan => Plan`), and for a read of one item the name its 404 gives
/// (`404 "plan"`). The OpenAPI 200 schema is that type, so it is the type the context
/// answers with; the handlers, [`routes`] and [`Doc`] (their OpenAPI paths) all derive
/// from the entries.
macro_rules! reads {
    ($(
        $(#[doc = $doc:expr])*
        $name:ident: $path:tt, $tag:tt, [$(($param:tt, $pty:ty, $pdesc:tt)),*], $args:ty,
        $what:tt, $variant:path => $answer:ty, $(404 $item:literal,)?
        |$s:ident, $p:ident, $params:ident, $q:ident| $build:block
    )*) => {
        $(
            reads!(@one
                $(#[doc = $doc])*
                $name: $path, $tag, [$(($param, $pty, $pdesc)),*], $args,
                $what, [$($item)?], $variant => $answer,
                |$s, $p, $params, $q| $build
            );
        )*

        /// The read routes: method, path (as in the OpenAPI document) and handler.
        pub(crate) fn routes() -> Vec<(Method, &'static str, MethodRouter<GatewayState>)> {
            vec![$((Method::GET, $path, get($name))),*]
        }

        /// The reads' part of the OpenAPI document.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($name),*))]
        pub(crate) struct Doc;

        /// Each read's operation alone, with the components its answer names.
        #[cfg(test)]
        fn each() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
            vec![$({
                #[derive(utoipa::OpenApi)]
                #[openapi(paths($name))]
                struct One;
                (stringify!($name), <One as utoipa::OpenApi>::openapi())
            }),*]
        }
    };

    (@one
        $(#[doc = $doc:expr])*
        $name:ident: $path:tt, $tag:tt, [$(($param:tt, $pty:ty, $pdesc:tt)),*], $args:ty,
        $what:tt, [$($item:literal)?], $variant:path => $answer:ty,
        |$s:ident, $p:ident, $params:ident, $q:ident| $build:block
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            get,
            path = $path,
            tag = $tag,
            params(
                ("id" = inline(Id), Path, description = "Partnership id"),
                $(($param = inline($pty), Path, description = $pdesc),)*
                $args,
                ("X-Act-As" = inline(Option<Id>), Header,
                    description = "Admin tokens only: the organisation the admin acts for"),
            ),
            responses(
                (status = 200, description = $what, body = $answer),
                (status = 400, description = "Malformed path, query or header", body = ErrorBody),
                (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
                (status = 403, description = "Not a party", body = ErrorBody),
                (status = 404, description = "No such partnership, or no such item", body = ErrorBody),
                (status = 408, description = "The request took too long", body = ErrorBody),
                (status = 503, description = "Temporarily unavailable; retry", body = ErrorBody),
            ),
            security(("bearer" = []))
        )]
        pub async fn $name(
            State($s): State<GatewayState>,
            caller: Caller,
            $params: Params,
            QueryArgs($q): QueryArgs<$args>,
        ) -> Result<Response, Problem> {
            let one: Option<&'static str> = None $(.or(Some($item)))?;
            #[allow(unreachable_patterns)]
            declares(|a| match a {
                $variant(held) => {
                    reads!(@holds held, $answer, [$($item)?]);
                    Some(())
                }
                _ => None,
            });
            let $p: PartnershipId = $params.get("id")?;
            // Not every route uses the state, its path parameters or its query arguments.
            let _ = (&$s, &$params, &$q);
            let query: AnyQuery = $build;
            answer(&$s, &caller, query, one).await
        }
    };

    (@holds $x:ident, $answer:ty, []) => {
        let _: $answer = $x;
    };
    (@holds $x:ident, $answer:ty, [$item:literal]) => {{
        fn one_of<T, A: OneOf<T>>(_: A) {}
        one_of::<$answer, _>($x);
    }};
}

reads! {
    // ---------------------------------------------------------------- strategy
    /// The whole partnership record: parties, region, signing date, rulebooks, termination.
    get_agreement: "/v1/partnerships/{id}/agreement", "strategy", [], NoArgs,
    "The partnership record", StratA::Partnership => Partnership,
    404 "partnership",
    |s, p, args, q| {
        AnyQuery::Strategy(StratQ::Partnership { partnership: p })
    }

    /// Every plan of the partnership, in any status, ordered by plan id.
    list_plans: "/v1/partnerships/{id}/plans", "strategy", [], NoArgs,
    "The plans", StratA::Plans => Vec<Plan>,
    |s, p, args, q| {
        AnyQuery::Strategy(StratQ::Plans { partnership: p })
    }

    /// One plan: years, targets, status, signatures and revisions.
    get_plan: "/v1/partnerships/{id}/plans/{plan}", "strategy",
    [("plan", Id, "Plan id")], NoArgs,
    "The plan", StratA::Plan => Plan,
    404 "plan",
    |s, p, args, q| {
        let plan: PlanId = args.get("plan")?;
        AnyQuery::Strategy(StratQ::Plan { partnership: p, plan })
    }

    /// The active plan covering a year.
    get_active_plan: "/v1/partnerships/{id}/active-plans/{year}", "strategy",
    [("year", i32, "A year, e.g. 2008")], NoArgs,
    "The active plan", StratA::ActivePlan => Plan,
    404 "active plan for that year",
    |s, p, args, q| {
        let year: i32 = args.get("year")?;
        AnyQuery::Strategy(StratQ::ActivePlan { partnership: p, year })
    }

    /// The targets the active plan sets for exactly this period (every brand, and all
    /// brands together); an empty list if no active plan sets any.
    get_targets: "/v1/partnerships/{id}/targets/{period}", "strategy",
    [("period", PeriodText, "2008-06, 2008-Q2, 2008-H1 or 2008")], NoArgs,
    "The targets", StratA::ActiveTargets => Vec<Target>,
    |s, p, args, q| {
        let period: Period = args.get("period")?;
        AnyQuery::Strategy(StratQ::ActiveTargets { partnership: p, period })
    }

    // ---------------------------------------------------------------- marketing

    /// One campaign, folded: plan, lifecycle, tasks, materials, outlets, price checks,
    /// supply and closure.
    get_campaign: "/v1/partnerships/{id}/campaigns/{campaign}", "marketing",
    [("campaign", Id, "Campaign id")], NoArgs,
    "The campaign", MktA::Campaign => Campaign,
    404 "campaign",
    |s, p, args, q| {
        let campaign: CampaignId = args.get("campaign")?;
        AnyQuery::Marketing(MktQ::Campaign { partnership: p, campaign })
    }

    /// Tasks done out of tasks assigned (`part`, `whole`, `pct`), optionally of one side.
    get_task_progress: "/v1/partnerships/{id}/campaigns/{campaign}/task-progress", "marketing",
    [("campaign", Id, "Campaign id")], SideArgs,
    "Tasks done out of assigned", MktA::TaskProgress => Ratio,
    |s, p, args, q| {
        let campaign: CampaignId = args.get("campaign")?;
        AnyQuery::Marketing(MktQ::TaskProgress {
            partnership: p,
            campaign,
            side: q.side.map(Into::into),
        })
    }

    /// Retail price checks within ±5 % of the guide price out of all checks.
    get_price_compliance: "/v1/partnerships/{id}/campaigns/{campaign}/price-compliance", "marketing",
    [("campaign", Id, "Campaign id")], NoArgs,
    "Compliant checks out of all", MktA::PriceCompliance => Ratio,
    |s, p, args, q| {
        let campaign: CampaignId = args.get("campaign")?;
        AnyQuery::Marketing(MktQ::PriceCompliance { partnership: p, campaign })
    }

    // ---------------------------------------------------------------- brand

    /// Every introduced brand with its stage and stage history.
    list_brands: "/v1/partnerships/{id}/brands", "brand", [], NoArgs,
    "The brands", BrandA::Brands => Vec<BrandRecord>,
    |s, p, args, q| {
        AnyQuery::Brand(BrandQ::Brands { partnership: p })
    }

    /// One brand's stage and stage history.
    get_brand: "/v1/partnerships/{id}/brands/{brand}", "brand",
    [("brand", Id, "Brand id")], NoArgs,
    "The brand", BrandA::Brand => BrandRecord,
    404 "brand",
    |s, p, args, q| {
        let brand: BrandId = args.get("brand")?;
        AnyQuery::Brand(BrandQ::Brand { partnership: p, brand })
    }

    /// One registered SKU.
    get_sku: "/v1/partnerships/{id}/skus/{sku}", "brand",
    [("sku", Id, "SKU id")], NoArgs,
    "The SKU", BrandA::Sku => Sku,
    404 "SKU",
    |s, p, args, q| {
        let sku: SkuId = args.get("sku")?;
        AnyQuery::Brand(BrandQ::Sku { partnership: p, sku })
    }

    /// A brand's current evaluations, optionally of periods inside `within`.
    list_brand_evaluations: "/v1/partnerships/{id}/brands/{brand}/evaluations", "brand",
    [("brand", Id, "Brand id")], WithinArgs,
    "The evaluations", BrandA::Evaluations => Vec<Evaluation>,
    |s, p, args, q| {
        let brand: BrandId = args.get("brand")?;
        AnyQuery::Brand(BrandQ::Evaluations {
            partnership: p,
            brand: Some(brand),
            within: query_arg::<Period>("within", q.within.as_ref())?,
        })
    }

    /// The current evaluations of every brand, optionally of periods inside `within`.
    list_evaluations: "/v1/partnerships/{id}/brand-evaluations", "brand", [], WithinArgs,
    "The evaluations", BrandA::Evaluations => Vec<Evaluation>,
    |s, p, args, q| {
        AnyQuery::Brand(BrandQ::Evaluations {
            partnership: p,
            brand: None,
            within: query_arg::<Period>("within", q.within.as_ref())?,
        })
    }

    /// Culture activities, optionally about one brand and/or held in a period.
    list_culture_activities: "/v1/partnerships/{id}/culture-activities", "brand", [], ActivityArgs,
    "The activities", BrandA::Activities => Vec<CultureActivity>,
    |s, p, args, q| {
        AnyQuery::Brand(BrandQ::Activities {
            partnership: p,
            brand: query_arg::<BrandId>("brand", q.brand.as_ref())?,
            period: query_arg::<Period>("period", q.period.as_ref())?,
        })
    }

    // ---------------------------------------------------------------- information

    /// The latest revision of every recorded month, or of the months of one period.
    list_market_data: "/v1/partnerships/{id}/market-data", "information", [], PeriodArgs,
    "The months", InfoA::MarketData => Vec<MonthRecord>,
    |s, p, args, q| {
        AnyQuery::Information(InfoQ::MarketData {
            partnership: p,
            period: query_arg::<Period>("period", q.period.as_ref())?,
        })
    }

    /// Every revision of one month, oldest first: the trail of its corrections.
    list_market_data_revisions: "/v1/partnerships/{id}/market-data/{month}/revisions", "information",
    [("month", MonthText, "A month, YYYY-MM")], NoArgs,
    "The revisions", InfoA::MarketData => Vec<MonthRecord>,
    |s, p, args, q| {
        let month: YearMonth = args.get("month")?;
        AnyQuery::Information(InfoQ::MarketDataRevisions { partnership: p, month })
    }

    /// The forecast and supply plan of every month, or of the months of one period.
    list_forecasts: "/v1/partnerships/{id}/forecasts", "information", [], PeriodArgs,
    "The month plans", InfoA::Forecasts => Vec<MonthPlan>,
    |s, p, args, q| {
        AnyQuery::Information(InfoQ::Forecasts {
            partnership: p,
            period: query_arg::<Period>("period", q.period.as_ref())?,
        })
    }

    /// One order with its quantities at every step.
    get_order: "/v1/partnerships/{id}/orders/{order}", "information",
    [("order", Id, "Order id")], NoArgs,
    "The order", InfoA::Order => Order,
    404 "order",
    |s, p, args, q| {
        let order: OrderId = args.get("order")?;
        AnyQuery::Information(InfoQ::Order { partnership: p, order })
    }

    /// The distributor's analyses in force of a period and of every month and quarter
    /// inside it (revision, submitted date, reason, Markdown text), each month before the
    /// quarter it closes.
    list_analyses: "/v1/partnerships/{id}/analyses/{period}", "information",
    [("period", PeriodText, "2008-06, 2008-Q2, 2008-H1 or 2008")], NoArgs,
    "The analyses", InfoA::Analyses => Vec<Analysis>,
    |s, p, args, q| {
        let period: Period = args.get("period")?;
        AnyQuery::Information(InfoQ::Analyses { partnership: p, period })
    }

    // ---------------------------------------------------------------- support

    /// One meeting: schedule, attendance, minutes or cancellation.
    get_meeting: "/v1/partnerships/{id}/meetings/{meeting}", "support",
    [("meeting", Id, "Meeting id")], NoArgs,
    "The meeting", SupA::Meeting => Meeting,
    404 "meeting",
    |s, p, args, q| {
        let meeting: MeetingId = args.get("meeting")?;
        AnyQuery::Support(SupQ::Meeting { partnership: p, meeting })
    }

    /// One action item with its notes.
    get_action_item: "/v1/partnerships/{id}/action-items/{item}", "support",
    [("item", Id, "Action item id")], NoArgs,
    "The action item", SupA::ActionItem => ActionItem,
    404 "action item",
    |s, p, args, q| {
        let item: ActionItemId = args.get("item")?;
        AnyQuery::Support(SupQ::ActionItem { partnership: p, item })
    }

    /// One support request with its response measured against its target.
    get_support_request: "/v1/partnerships/{id}/support-requests/{request}", "support",
    [("request", Id, "Support request id")], NoArgs,
    "The support request", SupA::SupportRequest => SupportRequest,
    404 "support request",
    |s, p, args, q| {
        let request: SupportRequestId = args.get("request")?;
        AnyQuery::Support(SupQ::SupportRequest { partnership: p, request })
    }

    /// The support figures of a period (the scorecard's): meetings held, action items
    /// closed and overdue, support requests answered within target.
    get_support_overview: "/v1/partnerships/{id}/support-overview/{period}", "support",
    [("period", PeriodText, "2008-06, 2008-Q2, 2008-H1 or 2008")], AsOfArgs,
    "The overview", SupA::Overview => SupportOverview,
    |s, p, args, q| {
        let period: Period = args.get("period")?;
        let as_of = match query_arg::<Date>("as_of", q.as_of.as_ref())? {
            // Whether the caller may read it is `answer`'s to say, before anything is read.
            Some(day) => day.last_instant_in(&auth::partnership(&s, &p).await?.time_zone),
            None => s.clock.now(),
        };
        AnyQuery::Support(SupQ::Overview { partnership: p, period, as_of })
    }

    // ---------------------------------------------------------------- evaluation
    /// Every issued version of a report, oldest first: its number, when it was issued, who
    /// issued it (`issued_by`: `scheduler` when evaluation issued it by itself once the
    /// period was complete or its figures changed, `person` when a party did; with the
    /// organisation, role and user recorded) and its restatements (what changed since the
    /// version before; empty for version 1). Empty when none was issued.
    list_report_versions: "/v1/partnerships/{id}/reports/{kind}/{period}/versions", "evaluation",
    [("kind", crate::routes::ReportKindDto, "market, brand, scorecard or review"),
     ("period", PeriodText, "2008-06, 2008-Q2, 2008-H1 or 2008")], NoArgs,
    "The issued versions", EvalA::Versions => Vec<VersionIssued>,
    |s, p, args, q| {
        let kind: ReportKind = args.get("kind")?;
        let period: Period = args.get("period")?;
        AnyQuery::Evaluation(EvalQ::Versions { partnership: p, kind, period })
    }

    /// The exception rules in force (the defaults until both parties agree others, with
    /// who set them and when) and the proposal waiting for the other party, if any: its
    /// rules, the side that proposed them, who and when.
    get_exception_rules: "/v1/partnerships/{id}/exception-rules", "evaluation", [], NoArgs,
    "The exception rules", EvalA::ExceptionRules => ExceptionRulesAgreed,
    |s, p, args, q| {
        AnyQuery::Evaluation(EvalQ::ExceptionRules { partnership: p })
    }

    /// The partnership's alerts (docs/alerts.md): the exceptions raised and not cleared,
    /// with their figures and sentences; every exception raised or cleared, oldest first;
    /// and the months whose missing market data was reminded before it was due.
    get_alerts: "/v1/partnerships/{id}/alerts", "evaluation", [], NoArgs,
    "The alerts", EvalA::Alerts => Alerts,
    |s, p, args, q| {
        AnyQuery::Evaluation(EvalQ::Alerts { partnership: p })
    }
}

#[cfg(test)]
mod tests {
    /// utoipa names a component by its type's name alone and the document keeps one schema
    /// per name, so two answer types of one name would silently share a schema. Each read's
    /// own components are therefore those of the whole document, name for name.
    #[test]
    fn every_read_names_its_components_as_the_document_does() {
        let doc = crate::openapi::document();
        let all = doc.components.expect("components").schemas;
        let mut named = 0;
        for (read, alone) in super::each() {
            for (name, schema) in alone.components.expect("components").schemas {
                assert!(
                    all.get(&name) == Some(&schema),
                    "{read}: its answer's {name} is not the document's {name}: another type has its name"
                );
                named += 1;
            }
        }
        assert!(named > 50, "the reads' answers name {named} components");
    }
}
