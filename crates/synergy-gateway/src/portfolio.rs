//! The caller's partnerships and its portfolio (`docs/portfolio.md`): reads across the
//! partnerships of one organisation, the caller's own (or, for an admin, the one it acts
//! for with `X-Act-As`), so an organisation only ever sees the partnerships it is a party
//! of; and a partnership's audit trail for its parties (`docs/history.md`).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use synergy_domain::ErrorCode;
use synergy_evaluation::portfolio::{self, Output, Portfolio};
use synergy_proto::{Period, Side};
use synergy_runtime::PortfolioRequest;
use utoipa::{IntoParams, ToSchema};

use crate::GatewayState;
use crate::auth::Caller;
use crate::dto::PeriodText;
use crate::error::{ErrorBody, Problem};
use crate::extract::QueryArgs;
use crate::routes::{LangDto, ReportFormatDto, XLSX, report_lang};

/// Every partnership the caller's organisation is a party of, ordered by id.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnershipsBody {
    pub partnerships: Vec<synergy_strategy::Listed>,
}

/// Every partnership the caller's organisation is a party of — proposed, signed or
/// terminated — with its counterparty, region, signing day and time zone, ordered by id.
#[utoipa::path(
    get,
    path = "/v1/partnerships",
    tag = "strategy",
    params(
        ("X-Act-As" = inline(Option<crate::dto::Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "The caller's partnerships", body = PartnershipsBody),
        (status = 400, description = "Malformed header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "X-Act-As from a token that is no admin's", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_partnerships(
    State(s): State<GatewayState>,
    caller: Caller,
) -> Result<Response, Problem> {
    let side = caller.principal.role.side();
    let mut partnerships = s.api.partnerships(&caller.principal.org).await?;
    // A token with a side sees the partnerships its organisation is on that side of, as
    // every route of one partnership answers it (`docs/trust.md`).
    partnerships.retain(|l| {
        side.is_none_or(|side| match side {
            Side::Manufacturer => l.manufacturer == caller.principal.org,
            Side::Distributor => l.distributor == caller.principal.org,
        })
    });
    Ok(axum::Json(PartnershipsBody { partnerships }).into_response())
}

/// The KPIs a portfolio can be ranked by, as the document's enum: a key outside it is a
/// malformed query (400), as the handler answers it.
fn rank_by_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(portfolio::RANK_KEYS))
        .build()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortfolioArgs {
    /// The period: a month (2008-06), quarter (2008-Q2), half (2008-H1) or year (2008).
    #[param(inline)]
    pub period: PeriodText,
    /// The KPI ranked by, descending (ties by partnership id, a partnership without the
    /// figure last): any single figure of a partnership's `kpis` (`docs/kpis.md`);
    /// default `volume_share_pct`.
    #[param(schema_with = rank_by_schema)]
    pub rank_by: Option<String>,
    /// Rendering; json (default) is the contract of `docs/portfolio.md`.
    #[param(inline)]
    pub format: Option<ReportFormatDto>,
    /// The language of md, html and xlsx: zh-CN (the default), zh-TW or en; without it,
    /// the first of them `Accept-Language` names.
    #[param(inline)]
    pub lang: Option<LangDto>,
    /// Read-your-writes: wait until the portfolio reflects the log up to this position.
    pub after: Option<u64>,
}

/// One partnership of the portfolio.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioEntry {
    pub partnership: synergy_proto::PartnershipId,
    /// The other party: the distributor of a manufacturer, the manufacturer of a
    /// distributor.
    pub counterparty: synergy_proto::OrgId,
    pub region: String,
    /// 1 for the first.
    #[schema(minimum = 1)]
    pub rank: u32,
    /// The partnership's KPIs for the period, as a report's `kpis` (`docs/kpis.md`):
    /// each an exact decimal, or null when its inputs are missing; `class_mix` an object
    /// of percentages by price class.
    #[schema(value_type = Object)]
    pub kpis: BTreeMap<String, serde_json::Value>,
}

/// The sums, and the shares and year-over-year changes computed from them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioTotals {
    #[schema(value_type = Option<f64>)]
    pub volume_cases: Option<serde_json::Number>,
    #[schema(value_type = Option<f64>)]
    pub revenue_yuan: Option<serde_json::Number>,
    #[schema(value_type = Option<f64>)]
    pub market_volume_cases: Option<serde_json::Number>,
    #[schema(value_type = Option<f64>)]
    pub market_revenue_yuan: Option<serde_json::Number>,
    #[schema(value_type = Option<f64>)]
    pub volume_share_pct: Option<serde_json::Number>,
    #[schema(value_type = Option<f64>)]
    pub revenue_share_pct: Option<serde_json::Number>,
    #[schema(value_type = Option<f64>)]
    pub volume_yoy_pct: Option<serde_json::Number>,
    #[schema(value_type = Option<f64>)]
    pub revenue_yoy_pct: Option<serde_json::Number>,
}

/// The portfolio's JSON (`docs/portfolio.md`); the other formats lay out the same.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioBody {
    pub org: synergy_proto::OrgId,
    pub period: Period,
    /// Ranked by `rank_by`.
    pub partnerships: Vec<PortfolioEntry>,
    pub totals: PortfolioTotals,
}

/// The caller's portfolio for a period: a manufacturer's every partnership in force, a
/// distributor's every manufacturer, each with its KPIs, ranked by one of them, and the
/// totals (`docs/portfolio.md`).
#[utoipa::path(
    get,
    path = "/v1/portfolio",
    tag = "evaluation",
    params(
        PortfolioArgs,
        ("X-Act-As" = inline(Option<crate::dto::Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "The portfolio",
            content(
                (PortfolioBody = "application/json"),
                ("text/csv"),
                ("text/markdown"),
                ("text/html"),
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )
        ),
        (status = 400, description = "Malformed query (a period, a rank_by that is no KPI) or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "X-Act-As from a token that is no admin's", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 503, description = "Read models not caught up yet; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_portfolio(
    State(s): State<GatewayState>,
    caller: Caller,
    headers: HeaderMap,
    QueryArgs(q): QueryArgs<PortfolioArgs>,
) -> Result<Response, Problem> {
    let period = crate::reads::query_arg::<Period>("period", Some(&q.period))?
        .ok_or_else(|| Problem::new(ErrorCode::InvalidQuery, "period is required"))?;
    let rank_by = q.rank_by.as_deref().unwrap_or(portfolio::DEFAULT_RANK_BY);
    portfolio::rank_key(rank_by).map_err(|e| {
        Problem::new(ErrorCode::InvalidQuery, e.message)
            .with_rule(&e.rule)
            .with_field("rank_by")
    })?;
    let json = s
        .api
        .portfolio(PortfolioRequest {
            org: caller.principal.org.clone(),
            side: caller.principal.role.side(),
            period,
            rank_by: rank_by.to_owned(),
            after: q.after.map(synergy_eventlog::Position),
        })
        .await?;
    let format = q.format.unwrap_or(ReportFormatDto::Json);
    let media = match format {
        ReportFormatDto::Xlsx => XLSX,
        other => other.rendering().1,
    };
    let body = if matches!(format, ReportFormatDto::Json) {
        json.into_bytes()
    } else {
        let output = match format {
            ReportFormatDto::Json => Output::Json,
            ReportFormatDto::Csv => Output::Csv,
            ReportFormatDto::Md => Output::Markdown,
            ReportFormatDto::Html => Output::Html,
            ReportFormatDto::Xlsx => Output::Xlsx,
        };
        Portfolio::from_json(&json, rank_by)
            .map_err(|e| Problem::internal(e.to_string()))?
            .render(output, report_lang(q.lang, &headers))
            .map_err(|e| Problem::internal(format!("the workbook: {e}")))?
    };
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(media))],
        body,
    )
        .into_response())
}

/// The contexts a trail may be filtered by.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContextDto {
    Strategy,
    Marketing,
    Brand,
    Information,
    Support,
    Evaluation,
}

/// A trail's rendering: json (default) or md, a table for people.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HistoryFormatDto {
    Json,
    Md,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryArgs {
    /// Only this context's commits.
    #[param(inline)]
    pub context: Option<ContextDto>,
    /// Only this aggregate's (stream's), e.g. `market-data` or `plan:p2008`.
    pub aggregate: Option<String>,
    /// Only what was recorded on or after this day (YYYY-MM-DD, on the partnership's
    /// calendar).
    #[param(inline)]
    pub from: Option<crate::dto::DateText>,
    /// Only what was recorded on or before this day (YYYY-MM-DD, on the partnership's
    /// calendar).
    #[param(inline)]
    pub to: Option<crate::dto::DateText>,
    /// Only commits after this log position: the `next_after` of the page before.
    pub after: Option<u64>,
    /// At most this many commits, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    #[param(inline)]
    pub format: Option<HistoryFormatDto>,
}

/// The partnership's audit trail: who recorded what, when and why, in words with real
/// units, oldest first, a page at a time (parties only; `docs/history.md`).
#[utoipa::path(
    get,
    path = "/v1/partnerships/{id}/history",
    tag = "strategy",
    params(
        ("id" = inline(crate::dto::Id), Path, description = "Partnership id"),
        HistoryArgs,
        ("X-Act-As" = inline(Option<crate::dto::Id>), Header, description = "Admin tokens only: the organisation the admin acts for"),
    ),
    responses(
        (status = 200, description = "One page of the trail",
            content(
                (synergy_runtime::history::HistoryPage = "application/json"),
                ("text/markdown"),
            )
        ),
        (status = 400, description = "Malformed path, query or header", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "Not a party", body = ErrorBody),
        (status = 404, description = "No such partnership", body = ErrorBody),
        (status = 408, description = "The request took too long", body = ErrorBody),
        (status = 503, description = "Temporarily unavailable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_history(
    State(s): State<GatewayState>,
    caller: Caller,
    args: crate::extract::Params,
    QueryArgs(q): QueryArgs<HistoryArgs>,
) -> Result<Response, Problem> {
    use synergy_runtime::history::{self, HistoryQuery};
    let p: synergy_proto::PartnershipId = args.get("id")?;
    let from = crate::reads::query_arg::<synergy_proto::Date>("from", q.from.as_ref())?;
    let to = crate::reads::query_arg::<synergy_proto::Date>("to", q.to.as_ref())?;
    let limit = match q.limit {
        None => history::DEFAULT_LIMIT,
        Some(n) if (1..=history::MAX_LIMIT as u32).contains(&n) => n as usize,
        Some(n) => {
            return Err(Problem::new(
                ErrorCode::InvalidQuery,
                format!("limit must be 1 to {}; got {n}", history::MAX_LIMIT),
            )
            .with_field("limit"));
        }
    };
    let view = caller.party_view(&s, &p).await?;
    let context = q.context.map(|c| match c {
        ContextDto::Strategy => synergy_proto::Context::Strategy,
        ContextDto::Marketing => synergy_proto::Context::Marketing,
        ContextDto::Brand => synergy_proto::Context::Brand,
        ContextDto::Information => synergy_proto::Context::Information,
        ContextDto::Support => synergy_proto::Context::Support,
        ContextDto::Evaluation => synergy_proto::Context::Evaluation,
    });
    let page = s
        .api
        .history(HistoryQuery {
            partnership: p,
            context,
            aggregate: q.aggregate,
            from: from.map(|d| d.start_in(&view.time_zone)),
            to: to.map(|d| d.last_instant_in(&view.time_zone)),
            after: q.after,
            limit,
        })
        .await?;
    Ok(match q.format.unwrap_or(HistoryFormatDto::Json) {
        HistoryFormatDto::Json => axum::Json(page).into_response(),
        HistoryFormatDto::Md => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/markdown; charset=utf-8"),
            )],
            history::table(&page),
        )
            .into_response(),
    })
}
