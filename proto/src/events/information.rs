//! 信息協同 — monthly market data, demand forecasts, supply plans, orders and the
//! distributor's written analysis of a month or quarter.

use serde::{Deserialize, Serialize};

use crate::amount::{Cases, Yuan};
use crate::ids::{OrderId, SkuId};
use crate::period::{Period, YearMonth};
use crate::time::Date;

/// One SKU's figures for one month, as the distributor reports them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkuLine {
    pub sku: SkuId,
    pub volume: Cases,
    pub revenue: Yuan,
    pub closing_stock: Cases,
    pub outlets_stocking: u32,
    pub outlets_selling: u32,
    /// Average observed retail price per carton.
    pub avg_retail_price: Yuan,
}

/// The whole regional market, all brands (the `ALL` line of an import).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarketTotals {
    pub volume: Cases,
    pub revenue: Yuan,
    pub active_outlets: u32,
}

/// A volume for one SKU (forecasts, supply plans, order lines).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VolumeLine {
    pub sku: SkuId,
    pub volume: Cases,
}

/// Events of the information context. Variants are only ever appended at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InformationEvent {
    /// The first submission of a month's market data (revision 1).
    MarketDataSubmitted {
        month: YearMonth,
        revision: u32,
        lines: Vec<SkuLine>,
        market: MarketTotals,
        submitted_on: Date,
    },
    /// A correction: supersedes (never merges with) the previous revision of the month.
    MarketDataCorrected {
        month: YearMonth,
        revision: u32,
        lines: Vec<SkuLine>,
        market: MarketTotals,
        submitted_on: Date,
        reason: String,
    },
    /// The distributor's demand forecast for a month (市場預測); a later one replaces it.
    DemandForecastSubmitted {
        month: YearMonth,
        lines: Vec<VolumeLine>,
        submitted_on: Date,
    },
    /// The manufacturer confirms the supply it will provide for a month (組織貨源).
    SupplyPlanConfirmed {
        month: YearMonth,
        lines: Vec<VolumeLine>,
        confirmed_on: Date,
    },
    /// The distributor places an order (網上配貨).
    OrderPlaced {
        order: OrderId,
        month: YearMonth,
        lines: Vec<VolumeLine>,
        placed_on: Date,
    },
    /// The manufacturer confirms the quantities it will ship.
    OrderConfirmed {
        order: OrderId,
        lines: Vec<VolumeLine>,
        confirmed_on: Date,
    },
    OrderShipped {
        order: OrderId,
        lines: Vec<VolumeLine>,
        shipped_on: Date,
    },
    /// The distributor records what arrived; never more than shipped.
    OrderReceived {
        order: OrderId,
        lines: Vec<VolumeLine>,
        received_on: Date,
    },
    /// The distributor's written analysis of a month or quarter (月度、季度市場和品牌分析報告),
    /// Markdown. Revision 1 has no reason; each later revision supersedes the previous one
    /// whole and says why (`reason`).
    AnalysisSubmitted {
        period: Period,
        revision: u32,
        text: String,
        submitted_on: Date,
        reason: Option<String>,
    },
}
