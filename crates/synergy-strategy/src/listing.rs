//! The partnerships an organisation is a party of, in any status: what `GET
//! /v1/partnerships` and `synergy partnership list` answer. Each is read from its own
//! strategy stream, so a caller learns nothing of a partnership it is no party of.

use serde::{Deserialize, Serialize};
use synergy_proto::{Date, Event, OrgId, PartnershipId};

use crate::state::StrategyState;

/// Where a partnership is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ListedStatus {
    /// One party proposed it; the other has not accepted yet.
    Proposed,
    /// Both parties agreed: it binds them.
    Signed,
    /// It ended.
    Terminated,
}

/// One partnership of the caller's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Listed {
    pub partnership: PartnershipId,
    pub status: ListedStatus,
    pub manufacturer: OrgId,
    pub distributor: OrgId,
    /// The other party than the organisation listed for.
    pub counterparty: OrgId,
    pub region: String,
    /// The day it was signed on, or for a proposal the day it proposes.
    pub signed_on: Date,
    pub terminated_on: Option<Date>,
    /// The IANA name of the zone it keeps its calendar in.
    pub time_zone: String,
}

/// The partnership whose strategy stream is `history`, as `org` lists it: `None` when
/// `org` is no party of it, or when nothing stands (a proposal declined or withdrawn).
pub fn listed<'a>(
    org: &OrgId,
    id: &PartnershipId,
    history: impl IntoIterator<Item = &'a Event>,
) -> Option<Listed> {
    let state = StrategyState::fold(history);
    let (status, manufacturer, distributor, region, signed_on, terminated_on, time_zone) =
        match (state.partnership(), state.proposal()) {
            (Some(p), _) => (
                if p.is_terminated() {
                    ListedStatus::Terminated
                } else {
                    ListedStatus::Signed
                },
                &p.manufacturer,
                &p.distributor,
                &p.region,
                p.signed_on,
                p.terminated.as_ref().map(|t| t.terminated_on),
                p.zone().name().to_owned(),
            ),
            (None, Some(p)) => (
                ListedStatus::Proposed,
                &p.manufacturer,
                &p.distributor,
                &p.region,
                p.signed_on,
                None,
                synergy_proto::TimeZone::default().name().to_owned(),
            ),
            (None, None) => return None,
        };
    let counterparty = if manufacturer == org {
        distributor
    } else if distributor == org {
        manufacturer
    } else {
        return None;
    };
    Some(Listed {
        partnership: id.clone(),
        status,
        manufacturer: manufacturer.clone(),
        distributor: distributor.clone(),
        counterparty: counterparty.clone(),
        region: region.clone(),
        signed_on,
        terminated_on,
        time_zone,
    })
}
