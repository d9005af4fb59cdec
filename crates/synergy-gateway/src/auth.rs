//! Who is calling (bearer token → organisation and role) and whether it may touch a
//! partnership. The domain checks the same rules again; this layer answers 401/403 before
//! anything is executed or read, and keeps one partnership's data from another's parties.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use synergy_domain::ErrorCode;
use synergy_domain::{PartnershipView, Principal};
use synergy_proto::{OrgId, PartnershipId, Role, Side};

use crate::GatewayState;
use crate::error::Problem;

/// The header an admin names the party it acts for with.
pub const ACT_AS: &str = "x-act-as";

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The principal commands are executed as (for an admin: the party it acts for).
    pub principal: Principal,
    pub token_id: String,
}

fn bearer(headers: &HeaderMap) -> Result<&str, Problem> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        Problem::unauthorized("no Authorization header; send `Authorization: Bearer <token>`")
    })?;
    let value = value
        .to_str()
        .map_err(|_| Problem::unauthorized("the Authorization header is not readable text"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| Problem::unauthorized("use `Authorization: Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Problem::unauthorized(
            "only Bearer tokens are accepted; use `Authorization: Bearer <token>`",
        ));
    }
    Ok(token.trim())
}

impl FromRequestParts<GatewayState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &GatewayState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)?;
        let info = state
            .tokens
            .authenticate(token)
            .map_err(|e| {
                tracing::error!(error = %e, "token store");
                Problem::new(
                    ErrorCode::Unavailable,
                    "tokens cannot be checked right now; retry",
                )
            })?
            .ok_or_else(|| {
                Problem::unauthorized(
                    "the token is unknown or revoked; ask an administrator for a new one",
                )
            })?;
        let act_as = parts.headers.get(ACT_AS);
        let org = match (info.role, act_as) {
            (Role::Admin, Some(v)) => {
                let text = v.to_str().map_err(|_| {
                    Problem::new(ErrorCode::InvalidHeader, "X-Act-As is not readable text")
                })?;
                OrgId::new(text).map_err(|e| {
                    Problem::new(ErrorCode::InvalidHeader, format!("X-Act-As: {e}"))
                        .with_field("X-Act-As")
                })?
            }
            (_, Some(_)) => {
                return Err(Problem::forbidden(
                    "gateway.act_as_admin_only",
                    "only an admin token may act for another organisation (X-Act-As)",
                ));
            }
            (_, None) => info.org.clone(),
        };
        Ok(Caller {
            principal: Principal::new(org, info.role, format!("token:{}", info.id)),
            token_id: info.id,
        })
    }
}

/// Which side a route's command belongs to in the 5+1 model (`docs/model.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Either,
    Only(Side),
}

impl Caller {
    /// The side the caller is in `view`; a caller that is no party of it gets the answer
    /// of a partnership that does not exist (404, naming nobody), so an outsider cannot
    /// tell an existing partnership from a missing one; a party in the wrong role, 403.
    pub fn side_in(&self, view: &PartnershipView) -> Result<Side, Problem> {
        view.side_of(&self.principal).map_err(|e| {
            if e.rule == "partnership.parties_only" {
                not_found(&view.id)
            } else {
                Problem::from(e)
            }
        })
    }

    /// The partnership `id`, read for a caller who is a party of it: 404 for one never
    /// signed and, as [`Caller::side_in`] answers, for one the caller is no party of.
    pub async fn party_view(
        &self,
        state: &GatewayState,
        id: &PartnershipId,
    ) -> Result<PartnershipView, Problem> {
        let view = partnership(state, id).await?;
        self.side_in(&view)?;
        Ok(view)
    }

    /// The caller must be a party of `view` and, for a one-sided command, on that side.
    pub fn may(&self, view: &PartnershipView, who: Who, action: &str) -> Result<(), Problem> {
        let side = self.side_in(view)?;
        match who {
            Who::Only(required) if required != side => Err(Problem::forbidden(
                match required {
                    Side::Manufacturer => "gateway.manufacturer_only",
                    Side::Distributor => "gateway.distributor_only",
                },
                format!(
                    "{action} is the {required}'s task; {} is the {side} of partnership {}",
                    self.principal.org, view.id
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// Loads the partnership the request is about; 404 if it was never signed.
pub async fn partnership(
    state: &GatewayState,
    id: &PartnershipId,
) -> Result<PartnershipView, Problem> {
    state
        .api
        .partnership(id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// The one answer for a partnership that does not exist, is only proposed, or that the
/// caller is no party of.
fn not_found(id: &PartnershipId) -> Problem {
    Problem::from(synergy_domain::partnership_not_found(id))
}
