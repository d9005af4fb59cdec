//! The ids a request is recorded under, which is how a retry is recognised.

use serde::Serialize;
use sha2::{Digest, Sha256};
use synergy_domain::Principal;
use synergy_proto::{StreamId, Uuid};

use super::ExecuteError;

/// The ids a request is recorded under, derived from the caller's idempotency key so that
/// the key belongs to its caller (a 128-bit prefix of SHA-256, as a version-8 UUID):
/// - `request` = H(organisation, stream, key), recorded as the commit's causation id: the
///   request that caused it;
/// - `commit` = H(request, the command's postcard bytes), the commit id, which is how
///   the log recognises a retry.
///
/// A retry (same caller, stream, key and body) finds its commit; the same key with
/// another body finds a commit of the same request under another id; another
/// organisation, or another stream, gets ids of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestIds {
    pub request: Uuid,
    pub commit: Uuid,
}

impl RequestIds {
    pub fn derive<T: Serialize>(
        principal: &Principal,
        stream: &StreamId,
        key: Uuid,
        command: &T,
    ) -> Result<RequestIds, ExecuteError> {
        let request = hashed_uuid(
            &[
                b"synergy request",
                principal.org.as_str().as_bytes(),
                stream.context.as_str().as_bytes(),
                stream.partnership.as_str().as_bytes(),
                stream.aggregate.as_str().as_bytes(),
            ],
            key.as_bytes(),
        );
        let body = postcard::to_allocvec(command)
            .map_err(|e| ExecuteError::Internal(format!("cannot encode the command: {e}")))?;
        let mut h = Sha256::new();
        h.update(b"synergy commit");
        h.update(request.as_bytes());
        h.update(&body);
        Ok(RequestIds {
            request,
            commit: uuid_of(h.finalize().as_slice()),
        })
    }
}

/// The version-8 UUID of the first 128 bits of SHA-256 over `parts`, each after its length
/// (so that no two lists of parts hash the same bytes), then `tail` as it is. Every id
/// derived so is recorded in the log: the bytes hashed must never change.
pub(crate) fn hashed_uuid(parts: &[&[u8]], tail: &[u8]) -> Uuid {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.update(tail);
    uuid_of(h.finalize().as_slice())
}

fn uuid_of(digest: &[u8]) -> Uuid {
    let mut bytes = [0; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}
