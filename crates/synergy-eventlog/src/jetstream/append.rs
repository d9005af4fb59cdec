//! Appending: optimistic concurrency on the aggregate's last subject sequence, and
//! idempotency by commit id (a retry is answered with the original result).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_nats::HeaderMap;
use async_nats::jetstream::context::PublishErrorKind;
use futures::StreamExt;
use synergy_proto::codec::{decode_commit, encode_commit};
use synergy_proto::{Commit, StreamId, Timestamp, Uuid, subject};

use super::head::Head;
use super::read::retry_transient;
use super::{JetStreamLog, MSG_ID};
use crate::{AppendError, Appended, ExpectedVersion, Position};

const EXPECTED_LAST_SUBJECT_SEQ: &str = "Nats-Expected-Last-Subject-Sequence";
/// How often an `Any` append retries after losing a race before it gives up.
const ANY_RETRIES: usize = 16;
/// First pause before publishing again after "no stream found"; it doubles up to
/// [`STREAM_NOT_FOUND_MAX_PAUSE`].
const STREAM_NOT_FOUND_PAUSE: Duration = Duration::from_millis(20);
const STREAM_NOT_FOUND_MAX_PAUSE: Duration = Duration::from_millis(250);

fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    Timestamp::from_millis(millis)
}

impl JetStreamLog {
    /// [`EventLog::append`](crate::EventLog::append): publishes `commit` expecting the
    /// aggregate's last subject sequence to be what `expected` implies; a lost race or a
    /// stale cache is tried again, and so is "no stream found" within the request timeout.
    pub(super) async fn append_commit(
        &self,
        expected: ExpectedVersion,
        mut commit: Commit,
    ) -> Result<Appended, AppendError> {
        commit.validate()?;
        let subject = subject::commit(&commit.stream);
        let mut attempts = 0;
        let started = Instant::now();
        let mut pause = STREAM_NOT_FOUND_PAUSE;
        loop {
            attempts += 1;
            // (expected last subject sequence, version the commit follows)
            let (expected_seq, version) = match expected {
                // An aggregate of quarantined records alone is at version 0, but the
                // server checks against their sequence (learnt from the first refusal).
                ExpectedVersion::NoStream | ExpectedVersion::Exact(0) => {
                    match self.cached_head(&commit.stream) {
                        Some(h) if h.version == 0 => (h.seq, 0),
                        _ => (0, 0),
                    }
                }
                ExpectedVersion::Exact(v) => match self.cached_head(&commit.stream) {
                    Some(h) if h.version == v => (h.seq, v),
                    _ => {
                        let h = self.server_head(&commit.stream).await?;
                        if h.version != v {
                            return self
                                .duplicate_or_conflict(&commit, &subject, expected, h)
                                .await;
                        }
                        (h.seq, v)
                    }
                },
                ExpectedVersion::Any => match self.cached_head(&commit.stream) {
                    Some(h) => (h.seq, h.version),
                    None => {
                        let h = self.server_head(&commit.stream).await?;
                        (h.seq, h.version)
                    }
                },
            };
            commit.first_version = version + 1;
            commit.recorded_at = now();
            let mut headers = HeaderMap::new();
            headers.insert(MSG_ID, commit.commit_id.to_string().as_str());
            headers.insert(EXPECTED_LAST_SUBJECT_SEQ, expected_seq.to_string().as_str());
            let payload = encode_commit(&commit);

            let publish = async {
                self.inner
                    .js
                    .publish_with_headers(subject.clone(), headers, payload.into())
                    .await?
                    .await
            };
            let acked = tokio::time::timeout(self.timeout(), publish)
                .await
                .map_err(|_| AppendError::Unavailable {
                    reason: self.timed_out(&format!("appending to {}", commit.stream)),
                })?;
            match acked {
                Ok(ack) if ack.duplicate => return self.original_at(ack.sequence).await,
                Ok(ack) => {
                    let last_version = commit.last_version();
                    self.learn(
                        &commit.stream,
                        Head {
                            seq: ack.sequence,
                            version: last_version,
                        },
                    );
                    return Ok(Appended {
                        position: Position(ack.sequence),
                        first_version: commit.first_version,
                        last_version,
                        duplicate: false,
                    });
                }
                Err(e) if e.kind() == PublishErrorKind::WrongLastSequence => {
                    let head = self.server_head(&commit.stream).await?;
                    // The server checks the expected sequence before the message id, so
                    // a retry of a stored commit lands here: look for it before calling
                    // this a conflict.
                    // `Any` lost a race with another writer; an `Exact` whose version does
                    // match now only saw a stale cache. Both are worth another try.
                    if expected.admits(head.version) && attempts < ANY_RETRIES {
                        if let Some(original) =
                            self.stored_before(&commit, &subject, head.seq).await?
                        {
                            return Ok(original);
                        }
                        continue;
                    }
                    return self
                        .duplicate_or_conflict(&commit, &subject, expected, head)
                        .await;
                }
                // Nothing stored the message ("no responders"): a node of a cluster can
                // answer so for a moment after the stream was created or moved, before it
                // knows the stream. Publishing again is safe; past the request timeout
                // the log is unavailable.
                Err(e)
                    if e.kind() == PublishErrorKind::StreamNotFound
                        && started.elapsed() + pause < self.timeout() =>
                {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(STREAM_NOT_FOUND_MAX_PAUSE);
                }
                Err(e) => {
                    return Err(AppendError::Unavailable {
                        reason: format!("appending to {}: {e}", commit.stream),
                    });
                }
            }
        }
    }

    /// The answer to a duplicate of the commit stored at `seq`: its original versions.
    async fn original_at(&self, seq: u64) -> Result<Appended, AppendError> {
        let original = self.commit_at(seq).await?;
        Ok(Appended {
            position: Position(seq),
            first_version: original.first_version,
            last_version: original.last_version(),
            duplicate: true,
        })
    }

    /// The commit stored at `seq`, for answering a duplicate with the original versions.
    async fn commit_at(&self, seq: u64) -> Result<Commit, AppendError> {
        let msg = tokio::time::timeout(self.timeout(), self.inner.stream.get_raw_message(seq))
            .await
            .map_err(|_| AppendError::Unavailable {
                reason: self.timed_out("reading the original of a duplicate commit"),
            })?
            .map_err(|e| AppendError::Unavailable {
                reason: format!("reading the original commit at @{seq}: {e}"),
            })?;
        decode_commit(&msg.payload)
            .map(|d| d.commit)
            .map_err(|e| AppendError::Unavailable {
                reason: format!("the original commit at @{seq} cannot be decoded: {e}"),
            })
    }

    /// The answer to an append whose expectation the aggregate (at `head`) does not meet:
    /// the original result if this commit was stored before, else a conflict.
    async fn duplicate_or_conflict(
        &self,
        commit: &Commit,
        subject: &str,
        expected: ExpectedVersion,
        head: Head,
    ) -> Result<Appended, AppendError> {
        match self.stored_before(commit, subject, head.seq).await? {
            Some(original) => Ok(original),
            None => Err(AppendError::Conflict {
                stream: commit.stream.clone(),
                expected,
                actual: head.version,
            }),
        }
    }

    /// The original result of `commit` if its id is stored in the aggregate at or before
    /// `last_seq`.
    async fn stored_before(
        &self,
        commit: &Commit,
        subject: &str,
        last_seq: u64,
    ) -> Result<Option<Appended>, AppendError> {
        let Some(seq) = retry_transient(|| {
            self.find_commit(&commit.stream, subject, commit.commit_id, last_seq)
        })
        .await?
        else {
            return Ok(None);
        };
        self.original_at(seq).await.map(Some)
    }

    /// The stream sequence of the commit `commit_id` of `stream`, if it is stored at or
    /// before `last_seq` (the aggregate's head). Reads only headers; one attempt, which
    /// [`stored_before`](Self::stored_before) retries.
    async fn find_commit(
        &self,
        stream: &StreamId,
        subject: &str,
        commit_id: Uuid,
        last_seq: u64,
    ) -> Result<Option<u64>, AppendError> {
        if last_seq == 0 {
            return Ok(None);
        }
        let unavailable = |reason: String| AppendError::Unavailable { reason };
        let wanted = commit_id.to_string();
        let mut read = self
            .bounded_from(1, subject, true)
            .await
            .map_err(unavailable)?;
        let messages = &mut read.messages;
        loop {
            let next = tokio::time::timeout(self.timeout(), messages.next())
                .await
                .map_err(|_| {
                    unavailable(self.timed_out(&format!("looking for a commit id in {stream}")))
                })?;
            let msg = match next {
                Some(Ok(msg)) => msg,
                Some(Err(e)) => {
                    return Err(unavailable(format!(
                        "looking for a commit id in {stream}: {e}"
                    )));
                }
                None => return Ok(None),
            };
            let seq = msg
                .info()
                .map(|i| i.stream_sequence)
                .map_err(|e| unavailable(format!("a delivered message has no sequence: {e}")))?;
            let id = msg
                .headers
                .as_ref()
                .and_then(|h| h.get(MSG_ID))
                .map(|v| v.as_str());
            if id == Some(wanted.as_str()) {
                return Ok(Some(seq));
            }
            if seq >= last_seq {
                return Ok(None);
            }
        }
    }
}
