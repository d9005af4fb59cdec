//! Who acts, and in which bounded context.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::OrgId;

/// The six bounded contexts of the 5+1 model. The order is part of the wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Context {
    /// 戰略目標協同: partnerships and development plans.
    Strategy,
    /// 市場營銷協同: campaigns.
    Marketing,
    /// 品牌營銷協同: the regional brand portfolio.
    Brand,
    /// 信息協同: market data, forecasts, supply plans, orders.
    Information,
    /// 服務保障協同: meetings, action items, support requests.
    Support,
    /// 評估提升機制: issued reports.
    Evaluation,
}

impl Context {
    pub const ALL: [Context; 6] = [
        Context::Strategy,
        Context::Marketing,
        Context::Brand,
        Context::Information,
        Context::Support,
        Context::Evaluation,
    ];

    /// The subject token and the name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Context::Strategy => "strategy",
            Context::Marketing => "marketing",
            Context::Brand => "brand",
            Context::Information => "information",
            Context::Support => "support",
            Context::Evaluation => "evaluation",
        }
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a context; use one of strategy, marketing, brand, information, support, evaluation"
)]
pub struct UnknownContext(pub String);

impl std::str::FromStr for Context {
    type Err = UnknownContext;
    fn from_str(s: &str) -> Result<Self, UnknownContext> {
        Context::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownContext(s.to_owned()))
    }
}

/// The two sides of a partnership. In JSON `manufacturer` or `distributor`, as requests,
/// reports and the CLI write them; postcard encodes the variant's index, not its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The brand owner (e.g. Hongyun).
    Manufacturer,
    /// The regional distributor (e.g. the Changzhi tobacco company).
    Distributor,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Manufacturer => Side::Distributor,
            Side::Distributor => Side::Manufacturer,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Manufacturer => "manufacturer",
            Side::Distributor => "distributor",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The role a principal holds in its organisation's dealings with Synergy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    Manufacturer,
    Distributor,
    /// An operator of the installation; acts on behalf of a party, never as one.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Manufacturer => "manufacturer",
            Role::Distributor => "distributor",
            Role::Admin => "admin",
        }
    }

    /// The side of a partnership this role can act as, if any.
    pub fn side(self) -> Option<Side> {
        match self {
            Role::Manufacturer => Some(Side::Manufacturer),
            Role::Distributor => Some(Side::Distributor),
            Role::Admin => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a role; use manufacturer, distributor or admin")]
pub struct UnknownRole(pub String);

impl std::str::FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, UnknownRole> {
        match s {
            "manufacturer" => Ok(Role::Manufacturer),
            "distributor" => Ok(Role::Distributor),
            "admin" => Ok(Role::Admin),
            _ => Err(UnknownRole(s.to_owned())),
        }
    }
}

/// Who caused an event: an organisation, the role it acted in, and the person or system.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    pub org: OrgId,
    pub role: Role,
    /// A user name or system name (`cli`, `import`, `gateway`), for audit.
    pub user: String,
}
