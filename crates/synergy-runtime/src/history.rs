//! A partnership's audit trail (`docs/history.md`): who recorded what, when and why, read
//! from the event log and told in words with real units — cases, yuan from fen, dates —
//! never as Rust's debug output. `synergy history`, `GET /v1/partnerships/{id}/history`
//! and `synergy tail` print it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use synergy_evaluation::figure::group_thousands;
use synergy_eventlog::{EventLog, Filter, StoredCommit};
use synergy_proto::events::StrategyEvent;
use synergy_proto::{Context, Event, PartnershipId, Timestamp};

use crate::executor::{ExecuteError, Executor};

/// The most commits one page holds.
pub const MAX_LIMIT: usize = 500;
/// The commits a page holds when the caller names no limit.
pub const DEFAULT_LIMIT: usize = 100;

/// Which part of a partnership's history to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    pub partnership: PartnershipId,
    /// Only this context's commits.
    pub context: Option<Context>,
    /// Only this aggregate's (stream's) commits, e.g. `market-data` or `plan:p2008`.
    pub aggregate: Option<String>,
    /// Only commits recorded at or after this instant.
    pub from: Option<Timestamp>,
    /// Only commits recorded at or before this instant.
    pub to: Option<Timestamp>,
    /// Only commits after this log position: the `next_after` of the page before.
    pub after: Option<u64>,
    /// At most this many commits (1 to [`MAX_LIMIT`]).
    pub limit: usize,
}

/// One recorded event, as the trail tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// The commit's position in the event log (a commit of several events repeats it).
    pub position: u64,
    /// When it was recorded (UTC).
    pub recorded_at: Timestamp,
    /// strategy, marketing, brand, information, support or evaluation.
    pub context: String,
    /// The aggregate (stream) it was recorded on, e.g. `market-data`.
    pub aggregate: String,
    /// The aggregate's version after it.
    pub version: u64,
    /// The organisation that recorded it.
    pub org: synergy_proto::OrgId,
    /// Its role: manufacturer, distributor or admin.
    pub role: String,
    /// The user or token that recorded it (`token:<id>`, `cli`, …).
    pub user: String,
    /// The event's name, e.g. `MarketDataSubmitted`.
    pub event: String,
    /// What was recorded, in words with units.
    pub what: String,
    /// Why, where the event carries a reason.
    pub why: Option<String>,
}

/// One page of the trail, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next_after: Option<u64>,
}

impl<L: EventLog> Executor<L> {
    /// One page of the partnership's trail.
    pub async fn history(&self, q: &HistoryQuery) -> Result<HistoryPage, ExecuteError> {
        let commits = self
            .log()
            .read_matching(Filter {
                context: q.context,
                partnership: Some(q.partnership.clone()),
            })
            .await?;
        Ok(page(commits, q))
    }
}

/// The commits `q` selects, a page of them told as entries.
pub fn page(commits: Vec<StoredCommit>, q: &HistoryQuery) -> HistoryPage {
    let limit = q.limit.clamp(1, MAX_LIMIT);
    let mut selected = commits.into_iter().filter(|s| {
        let c = &s.commit;
        q.after.is_none_or(|a| s.position.get() > a)
            && q.aggregate
                .as_deref()
                .is_none_or(|a| c.stream.aggregate.as_str() == a)
            && q.from.is_none_or(|f| c.recorded_at >= f)
            && q.to.is_none_or(|t| c.recorded_at <= t)
    });
    let taken: Vec<StoredCommit> = selected.by_ref().take(limit).collect();
    let more = selected.next().is_some();
    let next_after = more
        .then(|| taken.last().map(|s| s.position.get()))
        .flatten();
    HistoryPage {
        entries: taken.iter().flat_map(entries).collect(),
        next_after,
    }
}

/// The entries of one stored commit, one per event.
pub fn entries(stored: &StoredCommit) -> Vec<HistoryEntry> {
    stored
        .commit
        .envelopes()
        .map(|env| {
            let (what, why) = describe(env.event);
            HistoryEntry {
                position: stored.position.get(),
                recorded_at: env.recorded_at,
                context: env.context.as_str().to_owned(),
                aggregate: env.aggregate.to_string(),
                version: env.version,
                org: env.actor.org.clone(),
                role: env.actor.role.to_string(),
                user: env.actor.user.clone(),
                event: env.event.name().to_owned(),
                what,
                why,
            }
        })
        .collect()
}

/// One line for people: `@position date context/aggregate vN by org (role, user) —
/// Event: what — why: …`, as `synergy history` prints it; `synergy tail`, which follows
/// every partnership, names it (`context/partnership/aggregate`).
pub fn line(e: &HistoryEntry, partnership: Option<&PartnershipId>) -> String {
    let stream = match partnership {
        Some(p) => format!("{}/{p}/{}", e.context, e.aggregate),
        None => format!("{}/{}", e.context, e.aggregate),
    };
    let mut s = format!(
        "@{} {} {stream} v{} by {} ({}, {}) — {}: {}",
        e.position,
        e.recorded_at.date(),
        e.version,
        e.org,
        e.role,
        e.user,
        e.event,
        e.what
    );
    if let Some(why) = &e.why {
        s.push_str(" — why: ");
        s.push_str(&one_line(why));
    }
    s
}

/// The page as a Markdown table for people: when, who, where, what and why, and how to
/// ask for the next page.
pub fn table(page: &HistoryPage) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::from(
        "| position | recorded (UTC) | who | context/aggregate | event | what | why |\n\
         |---:|---|---|---|---|---|---|\n",
    );
    for e in &page.entries {
        out.push_str(&format!(
            "| @{} | {} | {} ({}, {}) | {}/{} v{} | {} | {} | {} |\n",
            e.position,
            e.recorded_at,
            e.org,
            e.role,
            cell(&e.user),
            e.context,
            e.aggregate,
            e.version,
            e.event,
            cell(&e.what),
            e.why.as_deref().map_or("—".to_owned(), cell),
        ));
    }
    match page.next_after {
        Some(after) => out.push_str(&format!("\nMore after @{after} (`--after {after}`).\n")),
        None if page.entries.is_empty() => out.push_str("\nNothing recorded matches.\n"),
        None => {}
    }
    out
}

/// The event in words: its members with their units, and the reason it carries, if any.
/// Amounts travel as their exact decimal text, so the words show them digit for digit.
pub fn describe(event: &Event) -> (String, Option<String>) {
    // A webhook's URL may carry the receiver's own secret in its path or query (as chat
    // services' incoming webhooks do): the trail, which the other party reads too, shows
    // only where it points. Its owner reads it whole from `GET /v1/webhooks`.
    let redacted;
    let event = match event {
        Event::Strategy(StrategyEvent::WebhookRegistered { webhook, org, url }) => {
            redacted = Event::from(StrategyEvent::WebhookRegistered {
                webhook: *webhook,
                org: org.clone(),
                url: origin(url),
            });
            &redacted
        }
        _ => event,
    };
    let value = serde_json::to_value(event).unwrap_or(Value::Null);
    // `{"Information": {"MarketDataSubmitted": {…}}}`: the members are the innermost.
    let mut members = &value;
    while let Value::Object(m) = members {
        match m.iter().next() {
            Some((k, v)) if m.len() == 1 && k.starts_with(char::is_uppercase) => members = v,
            _ => break,
        }
    }
    let why = members
        .get("reason")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let what = match members {
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| k.as_str() != "reason")
            .map(|(k, v)| format!("{} {}", words(k), shown(k, v, 0)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => String::new(),
        other => shown("", other, 0),
    };
    (what, why)
}

/// `https://hooks.example.com:8443/t/secret?x=1` → `https://hooks.example.com:8443/…`.
fn origin(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "…".into();
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.len() == rest.len() {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}/…")
    }
}

fn words(key: &str) -> String {
    key.replace('_', " ")
}

/// How many items of a list are told one by one.
const LIST_ITEMS: usize = 6;

/// A value under `key`, with the unit its key names.
fn shown(key: &str, v: &Value, depth: usize) -> String {
    match v {
        Value::Null => "—".to_owned(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => with_unit(key, s),
        Value::Array(items) => {
            let mut parts: Vec<String> = items
                .iter()
                .take(LIST_ITEMS)
                .map(|i| shown(key, i, depth + 1))
                .collect();
            if items.len() > LIST_ITEMS {
                parts.push(format!("… {} more", items.len() - LIST_ITEMS));
            }
            format!("[{}]", parts.join("; "))
        }
        Value::Object(m) if depth < 4 => {
            // A unit-like enum variant (`{"Manufacturer": null}`) reads as its name.
            if m.len() == 1
                && let Some((k, Value::Null)) = m.iter().next()
            {
                return k.clone();
            }
            let inner = m
                .iter()
                .map(|(k, v)| format!("{} {}", words(k), shown(k, v, depth + 1)))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({inner})")
        }
        Value::Object(_) => "(…)".to_owned(),
    }
}

/// A member's text with its unit: amounts of money in 元, volumes in cases, shares in %.
fn with_unit(key: &str, text: &str) -> String {
    let numeric = !text.is_empty()
        && text
            .trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.')
        && text.contains('.');
    if !numeric {
        return one_line(text);
    }
    let money = ["revenue", "price", "yuan", "amount", "cost", "budget"];
    let volume = [
        "volume", "stock", "uplift", "ordered", "received", "cases", "quantity",
    ];
    let share = ["share", "pct", "percent"];
    if money.iter().any(|w| key.contains(w)) {
        format!("{} 元", group_thousands(text))
    } else if volume.iter().any(|w| key.contains(w)) {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        format!("{} cases", group_thousands(trimmed))
    } else if share.iter().any(|w| key.contains(w)) {
        format!("{text} %")
    } else {
        text.to_owned()
    }
}

/// The longest free text (an analysis, minutes) a trail's line quotes, in characters.
const TEXT_CHARS: usize = 120;

/// A free text on one line, cut after [`TEXT_CHARS`]: a trail line is one event, and the
/// whole text stays where it was recorded (`synergy show`).
fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(TEXT_CHARS) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synergy_proto::events::information::{MarketTotals, SkuLine};
    use synergy_proto::events::{InformationEvent, StrategyEvent};
    use synergy_proto::{Cases, Yuan};

    #[test]
    fn an_event_reads_in_words_with_cases_yuan_and_dates() {
        let event: Event = InformationEvent::MarketDataSubmitted {
            month: "2008-06".parse().unwrap(),
            revision: 2,
            lines: vec![SkuLine {
                sku: "hy-soft".parse().unwrap(),
                volume: Cases::parse("655").unwrap(),
                revenue: Yuan::parse("12000000").unwrap(),
                closing_stock: Cases::parse("310.5").unwrap(),
                outlets_stocking: 2900,
                outlets_selling: 2600,
                avg_retail_price: Yuan::parse("50.5").unwrap(),
            }],
            market: MarketTotals {
                volume: Cases::parse("9500").unwrap(),
                revenue: Yuan::parse("105000000").unwrap(),
                active_outlets: 5200,
            },
            submitted_on: "2008-07-05".parse().unwrap(),
        }
        .into();
        let (what, why) = describe(&event);
        assert!(what.contains("month 2008-06"), "{what}");
        assert!(what.contains("volume 655 cases"), "{what}");
        assert!(what.contains("revenue 12,000,000.00 元"), "{what}");
        assert!(what.contains("closing stock 310.5 cases"), "{what}");
        assert!(what.contains("avg retail price 50.50 元"), "{what}");
        assert!(what.contains("submitted on 2008-07-05"), "{what}");
        assert!(
            !what.contains("Cases(") && !what.contains("units"),
            "{what}"
        );
        assert_eq!(why, None);
    }

    #[test]
    fn the_reason_an_event_carries_is_the_why() {
        let event: Event = StrategyEvent::PartnershipTerminated {
            reason: "merged into the provincial company".into(),
            terminated_on: "2009-01-01".parse().unwrap(),
        }
        .into();
        let (what, why) = describe(&event);
        assert_eq!(what, "terminated on 2009-01-01");
        assert_eq!(why.as_deref(), Some("merged into the provincial company"));
    }

    #[test]
    fn a_webhooks_url_reads_as_where_it_points_only() {
        for (url, shown) in [
            (
                "https://hooks.example.com:8443/t/s3cret?key=k3y#x",
                "https://hooks.example.com:8443/…",
            ),
            ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
            ("https://example.com?key=k3y", "https://example.com/…"),
        ] {
            let event: Event = StrategyEvent::WebhookRegistered {
                webhook: synergy_proto::Uuid::nil(),
                org: "hongyun".parse().unwrap(),
                url: url.into(),
            }
            .into();
            let (what, _) = describe(&event);
            assert!(what.contains(&format!("url {shown}")), "{what}");
            assert!(!what.contains("s3cret") && !what.contains("k3y"), "{what}");
        }
    }

    #[test]
    fn a_free_text_is_one_line_and_cut() {
        assert_eq!(one_line("# 分析\n\n銷量  上升"), "# 分析 銷量 上升");
        let long = "字".repeat(200);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), TEXT_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands("1234567.50"), "1,234,567.50");
        assert_eq!(group_thousands("-1000"), "-1,000");
        assert_eq!(group_thousands("999"), "999");
    }
}
