//! The NATS subject scheme. Every subject Synergy uses is built here.
//!
//! - commits: `syn.evt.<context>.<partnership>.<aggregate>`
//! - commands: `syn.cmd.<context>.<verb>` (request/reply, queue group per context)
//! - queries: `syn.qry.<context>.<name>`
//! - commits by partition (the partition stream, `docs/partitions.md`):
//!   `syn.par.<partition>.<context>.<partnership>.<aggregate>`
//! - queries of one partition: `syn.qry.<context>.p<partition>.<name>`
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
/// Every commit again, by partition: the partition stream's subjects.
pub const PARTITION_ROOT: &str = "syn.par";

/// The partition of a partnership among `partitions` (at least 1): FNV-1a (32 bits) of
/// its id modulo `partitions`, which is what nats-server's `{{partition(n,…)}}` subject
/// transform computes over the same token ([`partition_transform`]), so a query can be
/// routed to the replicas that folded the partnership without asking the server.
pub fn partition_of(partnership: &PartnershipId, partitions: u32) -> u32 {
    fnv1a_32(partnership.as_str().as_bytes()) % partitions.max(1)
}

/// FNV-1a over 32 bits, as Go's `hash/fnv.New32a` that the server uses (the `fnv` crate
/// has only the 64-bit variant).
fn fnv1a_32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash: u32, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
}

/// The subject transform of the partition stream's source: every commit subject
/// `syn.evt.<context>.<partnership>.<aggregate>` to
/// `syn.par.<partition>.<context>.<partnership>.<aggregate>`, the partition computed by
/// the server over the partnership (the second wildcard) among `partitions`.
pub fn partition_transform(partitions: u32) -> (String, String) {
    (
        "syn.evt.*.*.*".to_owned(),
        format!(
            "{PARTITION_ROOT}.{{{{partition({partitions},2)}}}}.{{{{wildcard(1)}}}}.{{{{wildcard(2)}}}}.{{{{wildcard(3)}}}}"
        ),
    )
}

/// Every commit of `partition` on the partition stream.
pub fn partition_filter(partition: u32) -> String {
    format!("{PARTITION_ROOT}.{partition}.>")
}

/// The commit subject a partition stream's subject stands for:
/// `syn.par.<k>.<rest>` → `syn.evt.<rest>`.
pub fn unpartitioned(subject: &str) -> Option<String> {
    let rest = subject.strip_prefix(PARTITION_ROOT)?.strip_prefix('.')?;
    let (partition, rest) = rest.split_once('.')?;
    partition.parse::<u32>().ok()?;
    Some(format!("{EVENT_ROOT}.{rest}"))
}

/// Every commit of one partnership, whatever its context and aggregate.
pub fn partnership_commits(partnership: &PartnershipId) -> String {
    commit_filter(None, Some(partnership))
}

/// The subject one partition's replicas answer a query on, e.g.
/// `syn.qry.evaluation.p3.report`.
pub fn partition_query(
    context: Context,
    partition: u32,
    name: &str,
) -> Result<String, SubjectError> {
    validate_token("query name", name, &[])?;
    Ok(format!(
        "{QUERY_ROOT}.{}.p{partition}.{name}",
        context.as_str()
    ))
}

/// The subject one partition's replicas answer a command verb on, e.g.
/// `syn.cmd.evaluation.p3.issue-report`.
pub fn partition_command(
    context: Context,
    partition: u32,
    verb: &str,
) -> Result<String, SubjectError> {
    validate_token("command verb", verb, &[])?;
    Ok(format!(
        "{COMMAND_ROOT}.{}.p{partition}.{verb}",
        context.as_str()
    ))
}

/// Every command subject of one partition of a context, for its replicas' subscription.
pub fn partition_commands_of(context: Context, partition: u32) -> String {
    format!("{COMMAND_ROOT}.{}.p{partition}.*", context.as_str())
}

/// The durable consumer of `partition` that replica `replica` follows: its own, so two
/// replicas owning a partition each get all of it, and the same after its restarts.
pub fn partition_consumer(replica: &str, partition: u32) -> Result<String, SubjectError> {
    validate_token("replica name", replica, &[])?;
    Ok(format!("{replica}-p{partition}"))
}

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
    fn partitions() {
        // FNV-1a's published 32-bit test vectors.
        assert_eq!(fnv1a_32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a_32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a_32(b"foobar"), 0xbf9c_f968);
        let p = PartnershipId::new("p1").unwrap();
        assert_eq!(partition_of(&p, 1), 0);
        assert_eq!(partition_of(&p, 0), 0);
        assert_eq!(partition_of(&p, 7), fnv1a_32(b"p1") % 7);
        assert_eq!(partition_filter(3), "syn.par.3.>");
        assert_eq!(
            unpartitioned("syn.par.3.information.p1.market-data").as_deref(),
            Some("syn.evt.information.p1.market-data")
        );
        assert_eq!(unpartitioned("syn.par.x.information.p1.a"), None);
        assert_eq!(unpartitioned("syn.evt.information.p1.a"), None);
        assert_eq!(
            partition_transform(8).1,
            "syn.par.{{partition(8,2)}}.{{wildcard(1)}}.{{wildcard(2)}}.{{wildcard(3)}}"
        );
        assert_eq!(
            partition_query(Context::Evaluation, 3, "report").unwrap(),
            "syn.qry.evaluation.p3.report"
        );
        assert!(partition_query(Context::Evaluation, 3, "a.b").is_err());
        assert_eq!(
            partition_command(Context::Evaluation, 2, "issue-report").unwrap(),
            "syn.cmd.evaluation.p2.issue-report"
        );
        assert_eq!(
            partition_commands_of(Context::Evaluation, 2),
            "syn.cmd.evaluation.p2.*"
        );
        assert_eq!(partition_consumer("eval-a", 4).unwrap(), "eval-a-p4");
        assert!(partition_consumer("eval.a", 4).is_err());
        assert!(partition_consumer("", 4).is_err());
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
