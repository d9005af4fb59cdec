//! Webhooks: where a party wants the partnership's alerts POSTed. A webhook belongs to one
//! partnership and to the party that registered it; only that party sees or removes it.
//! It lives on the partnership's stream, so the parties and the registrations are decided
//! against one history. Its signing secret is no part of the domain: the delivering
//! process derives it from the webhook id, so it never enters the log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synergy_domain::{DecisionContext, DomainError, partnership_not_found};
use synergy_proto::{OrgId, PartnershipId, Uuid, events::strategy::StrategyEvent};

use crate::state::StrategyState;

/// The longest URL accepted: enough for any receiver's path and query, short enough that
/// no registration carries a document in its URL.
pub const MAX_URL_BYTES: usize = 2_048;

/// The most webhooks one partnership holds (both parties together): every alert is
/// delivered once to each, so the count bounds the work one alert makes.
pub const MAX_WEBHOOKS: usize = 20;

/// A registered webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: Uuid,
    pub partnership: PartnershipId,
    /// The party that registered it, the only one that sees or removes it.
    pub org: OrgId,
    pub url: String,
}

/// The webhooks of a partnership, by id.
pub(crate) type Webhooks = BTreeMap<Uuid, (OrgId, String)>;

/// Checks a webhook URL: absolute http or https with a host, at most [`MAX_URL_BYTES`],
/// no user name or password in it (a secret in a URL ends up in logs and in the event
/// log, which is published on NATS). Answers the URL as parsed, normalised.
pub fn check_url(url: &str) -> Result<String, DomainError> {
    let refuse = |rule: &'static str, why: String| Err(DomainError::invalid(rule, "url", why));
    let url = url.trim();
    if url.len() > MAX_URL_BYTES {
        return refuse(
            "webhook.url_too_long",
            format!(
                "url has {} bytes; at most {MAX_URL_BYTES} are accepted",
                url.len()
            ),
        );
    }
    let parsed = match url::Url::parse(url) {
        Ok(parsed) => parsed,
        Err(e) => {
            return refuse(
                "webhook.url_invalid",
                format!("url is not an absolute URL ({e}); write e.g. https://example.com/hook"),
            );
        }
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return refuse(
            "webhook.url_scheme",
            format!(
                "url uses {}:; only http and https are delivered to",
                parsed.scheme()
            ),
        );
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return refuse("webhook.url_invalid", "url names no host".to_owned());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return refuse(
            "webhook.url_credentials",
            "url carries a user name or password; remove them (deliveries are signed instead)"
                .to_owned(),
        );
    }
    Ok(parsed.into())
}

impl StrategyState {
    /// The partnership's webhooks that `org` registered, by id.
    pub fn webhooks_of<'a>(
        &'a self,
        partnership: &'a PartnershipId,
        org: Option<&'a OrgId>,
    ) -> impl Iterator<Item = Webhook> + 'a {
        self.webhooks
            .iter()
            .filter(move |(_, (owner, _))| org.is_none_or(|o| o == owner))
            .map(|(id, (owner, url))| Webhook {
                id: *id,
                partnership: partnership.clone(),
                org: owner.clone(),
                url: url.clone(),
            })
    }

    pub(crate) fn register_webhook(
        &self,
        id: &PartnershipId,
        webhook: Uuid,
        url: &str,
        ctx: &DecisionContext,
    ) -> Result<Vec<StrategyEvent>, DomainError> {
        self.webhook_party(id, ctx)?;
        let url = check_url(url)?;
        let org = ctx.principal.org.clone();
        match self.webhooks.get(&webhook) {
            Some((owner, known)) if *owner == org && *known == url => return Ok(Vec::new()),
            Some(_) => {
                return Err(DomainError::state(
                    "webhook.id_taken",
                    format!("webhook {webhook} is registered already; choose another id"),
                )
                .at("webhook"));
            }
            None => {}
        }
        if self.webhooks.len() >= MAX_WEBHOOKS {
            return Err(DomainError::state(
                "webhook.too_many",
                format!("partnership {id} has {MAX_WEBHOOKS} webhooks already; remove one first"),
            ));
        }
        Ok(vec![StrategyEvent::WebhookRegistered { webhook, org, url }])
    }

    pub(crate) fn remove_webhook(
        &self,
        id: &PartnershipId,
        webhook: Uuid,
        ctx: &DecisionContext,
    ) -> Result<Vec<StrategyEvent>, DomainError> {
        self.webhook_party(id, ctx)?;
        match self.webhooks.get(&webhook) {
            Some((owner, _)) if *owner == ctx.principal.org => {
                Ok(vec![StrategyEvent::WebhookRemoved { webhook }])
            }
            // Another party's webhook is answered as one that does not exist: its URL
            // is that party's business.
            _ => Err(DomainError::not_found(
                "webhook.must_exist",
                format!(
                    "no webhook {webhook} of {} on partnership {id}",
                    ctx.principal.org
                ),
            )
            .at("webhook")),
        }
    }

    /// Either party of the partnership in force; an outsider is answered as for a
    /// partnership that does not exist.
    fn webhook_party(&self, id: &PartnershipId, ctx: &DecisionContext) -> Result<(), DomainError> {
        let partnership = self
            .partnership
            .as_ref()
            .ok_or_else(|| partnership_not_found(id))?;
        match partnership.view(id).active_side_of(&ctx.principal) {
            Ok(_) => Ok(()),
            Err(e) if e.rule == "partnership.parties_only" => Err(partnership_not_found(id)),
            Err(e) => Err(e),
        }
    }
}
