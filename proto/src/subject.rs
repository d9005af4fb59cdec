//! The NATS subject scheme. Every subject Synergy uses is built here.
//!
//! - commits: `syn.evt.<context>.<partnership>.<aggregate>`
//! - commands: `syn.cmd.<context>.<verb>` (request/reply, queue group per context)
//! - queries: `syn.qry.<context>.<name>`
//!
//! Ids are validated tokens ([`crate::ids`]), so they cannot smuggle `.`, `*` or `>`
//! into a subject; verbs and query names are checked here.

use crate::envelope::StreamId;
use crate::ids::{AggregateId, IdError, PartnershipId, validate_token};
use crate::principal::Context;

pub const EVENT_ROOT: &str = "syn.evt";
pub const COMMAND_ROOT: &str = "syn.cmd";
pub const QUERY_ROOT: &str = "syn.qry";
/// Operator requests to a component that is not a context (token administration of the
/// gateway): only the operator's NATS user may publish here.
pub const ADMIN_ROOT: &str = "syn.adm";
/// Every commit subject; the event stream binds this.
pub const ALL_COMMITS: &str = "syn.evt.>";
/// The JetStream key-value bucket of stream snapshots, beside the event stream.
pub const SNAPSHOT_BUCKET: &str = "synergy-snapshots";

/// The key of `stream`'s snapshot in [`SNAPSHOT_BUCKET`]: `<context>.<partnership>.<aggregate>`
/// with the aggregate's `:` written `=` (keys take no `:`; ids hold no `=`, so keys stay
/// one per stream).
pub fn snapshot_key(stream: &StreamId) -> String {
    format!(
        "{}.{}.{}",
        stream.context.as_str(),
        stream.partnership,
        stream.aggregate.as_str().replace(':', "=")
    )
}

/// What a service requests to learn that the server has read its subscriptions before it
/// calls itself ready: JetStream's account-info API, which every service user may publish
/// (deploy/nats/accounts.conf) and the server always answers.
pub const SERVICE_SYNC: &str = "$JS.API.INFO";
/// The same for the gateway, which has no JetStream rights: a query subject no service
/// listens on, so the server answers "no responders" once it has read what came before.
pub const GATEWAY_SYNC: &str = "syn.qry.gateway.sync";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectError {
    #[error(transparent)]
    Token(#[from] IdError),
    #[error("{0:?} is not a commit subject (syn.evt.<context>.<partnership>.<aggregate>)")]
    NotACommitSubject(String),
}

/// The subject a commit of `stream` is published on.
pub fn commit(stream: &StreamId) -> String {
    format!(
        "{EVENT_ROOT}.{}.{}.{}",
        stream.context.as_str(),
        stream.partnership,
        stream.aggregate
    )
}

/// A subscription filter over commit subjects: by context, by partnership, both or neither.
pub fn commit_filter(context: Option<Context>, partnership: Option<&PartnershipId>) -> String {
    match (context, partnership) {
        (None, None) => ALL_COMMITS.to_owned(),
        (Some(c), None) => format!("{EVENT_ROOT}.{}.>", c.as_str()),
        (None, Some(p)) => format!("{EVENT_ROOT}.*.{p}.*"),
        (Some(c), Some(p)) => format!("{EVENT_ROOT}.{}.{p}.*", c.as_str()),
    }
}

/// Parses a commit subject back into its stream.
pub fn parse_commit(subject: &str) -> Result<StreamId, SubjectError> {
    let bad = || SubjectError::NotACommitSubject(subject.to_owned());
    let rest = subject
        .strip_prefix(EVENT_ROOT)
        .and_then(|r| r.strip_prefix('.'))
        .ok_or_else(bad)?;
    let mut parts = rest.split('.');
    let (Some(c), Some(p), Some(a), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let context: Context = c.parse().map_err(|_| bad())?;
    Ok(StreamId::new(
        context,
        PartnershipId::new(p)?,
        AggregateId::new(a)?,
    ))
}

/// The subject a context answers a command verb on, e.g. `syn.cmd.information.submit-market-data`.
pub fn command(context: Context, verb: &str) -> Result<String, SubjectError> {
    validate_token("command verb", verb, &[])?;
    Ok(format!("{COMMAND_ROOT}.{}.{verb}", context.as_str()))
}

/// Every command subject of a context, for a service's subscription.
pub fn commands_of(context: Context) -> String {
    format!("{COMMAND_ROOT}.{}.*", context.as_str())
}

/// The subject a context answers a query on, e.g. `syn.qry.evaluation.report`.
pub fn query(context: Context, name: &str) -> Result<String, SubjectError> {
    validate_token("query name", name, &[])?;
    Ok(format!("{QUERY_ROOT}.{}.{name}", context.as_str()))
}

/// An operator request to a component, e.g. `syn.adm.gateway.tokens`.
pub fn admin(component: &str, verb: &str) -> Result<String, SubjectError> {
    validate_token("component", component, &[])?;
    validate_token("admin verb", verb, &[])?;
    Ok(format!("{ADMIN_ROOT}.{component}.{verb}"))
}

/// The queue group the replicas of a context's service share.
pub fn queue_group(context: Context) -> String {
    format!("synergy-{}", context.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream() -> StreamId {
        StreamId::new(
            Context::Information,
            PartnershipId::new("hongyun-changzhi").unwrap(),
            AggregateId::singleton("market-data"),
        )
    }

    #[test]
    fn commit_subjects_round_trip() {
        let s = commit(&stream());
        assert_eq!(s, "syn.evt.information.hongyun-changzhi.market-data");
        assert_eq!(parse_commit(&s).unwrap(), stream());
        let plan = StreamId::new(
            Context::Strategy,
            PartnershipId::new("p1").unwrap(),
            AggregateId::compose("plan", "2008-2010"),
        );
        assert_eq!(parse_commit(&commit(&plan)).unwrap(), plan);
    }

    #[test]
    fn refuses_malformed_subjects() {
        for bad in [
            "syn.evt.information.p1",
            "syn.evt.nope.p1.a",
            "syn.evt.information.p1.a.b",
            "syn.cmd.information.p1.a",
            "syn.evt.information.p*.a",
        ] {
            assert!(parse_commit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters() {
        let p = PartnershipId::new("p1").unwrap();
        assert_eq!(commit_filter(None, None), "syn.evt.>");
        assert_eq!(commit_filter(Some(Context::Brand), None), "syn.evt.brand.>");
        assert_eq!(commit_filter(None, Some(&p)), "syn.evt.*.p1.*");
        assert_eq!(
            commit_filter(Some(Context::Brand), Some(&p)),
            "syn.evt.brand.p1.*"
        );
    }

    #[test]
    fn commands_and_queries() {
        assert_eq!(
            command(Context::Information, "submit-market-data").unwrap(),
            "syn.cmd.information.submit-market-data"
        );
        assert!(command(Context::Information, "a.b").is_err());
        assert!(command(Context::Information, "*").is_err());
        assert!(query(Context::Evaluation, "report >").is_err());
        assert_eq!(
            query(Context::Evaluation, "report").unwrap(),
            "syn.qry.evaluation.report"
        );
        assert_eq!(commands_of(Context::Support), "syn.cmd.support.*");
        assert_eq!(
            admin("gateway", "tokens").unwrap(),
            "syn.adm.gateway.tokens"
        );
        assert!(admin("gate.way", "tokens").is_err());
    }
}
