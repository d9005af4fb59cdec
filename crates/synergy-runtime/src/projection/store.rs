//! How the read-model store lays out its database, and how one store is written.
//!
//! Everything a store writes goes to one tree, `evaluation/models`, in one [`sled::Batch`],
//! which sled applies atomically (and recovers whole or not at all after a crash):
//!
//! * a partnership's entries: [`model_prefix`] (its id and a zero byte), then the rest of
//!   the [`piece_key`];
//! * the consumer's position, at [`POSITION_KEY`];
//! * each quarantined record passed over, at [`QUARANTINE_PREFIX`] and its position.
//!
//! Ids are never empty, so no partnership's key starts with a zero byte like the last two.
//! The `evaluation/meta` tree holds the layout alone.
//!
//! The models, the position and the quarantined records used to be written by a sled
//! transaction over three trees: its every insert reads the key first, and a store also
//! read each entry's old piece count, so a rebuild's store of 50 new models (20,000
//! entries) took 281 ms. A batch reads nothing, and the old piece count is read only for
//! models that may have been stored before.

use synergy_evaluation::model::entries::Entry;
use synergy_eventlog::{Position, Quarantined};
use synergy_proto::PartnershipId;

use super::ProjectionError;

/// Largest piece of a stored model's entry. sled writes a tree node of more than a quarter of its
/// log segment (128 KiB of the default 512 KiB) to a file of its own, and a leaf holds up
/// to 17 entries: models stored whole (tens of KiB each) made stores write such files,
/// several times slower than pieces that keep leaves under the limit.
pub(super) const MODEL_CHUNK: usize = 4 * 1024;

/// Where the consumer's position is kept (u64 big-endian).
const POSITION_KEY: &[u8] = &[0, b'p'];
/// Where quarantined records start: then their position (u64 big-endian) →
/// [`encode_quarantined`].
const QUARANTINE_PREFIX: &[u8] = &[0, b'q'];
/// Bumped when the store's layout or `PartnershipModel`'s changes: a store of another
/// layout is rebuilt from position 0 instead of being misread.
pub(super) const MODEL_LAYOUT: u32 = 9;
const LAYOUT_KEY: &[u8] = b"layout";

/// The trees of one opening of the store's database.
#[derive(Debug, Clone)]
pub(super) struct Trees {
    pub(super) db: sled::Db,
    pub(super) models: sled::Tree,
}

impl Trees {
    /// Opens the trees, starting over (an empty store at position 0) when the database
    /// holds another layout or none; returns the stored position.
    pub(super) fn open(db: sled::Db) -> Result<(Trees, Position), ProjectionError> {
        let models = db.open_tree("evaluation/models")?;
        let meta = db.open_tree("evaluation/meta")?;
        let layout = meta
            .get(LAYOUT_KEY)?
            .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
            .map(u32::from_be_bytes);
        if layout != Some(MODEL_LAYOUT) {
            // Another layout (or a fresh store): start over from the log. Layouts before 9
            // kept the quarantined records in a tree of their own.
            models.clear()?;
            meta.clear()?;
            db.drop_tree("evaluation/quarantine")?;
            meta.insert(LAYOUT_KEY, &MODEL_LAYOUT.to_be_bytes())?;
        }
        let position = models
            .get(POSITION_KEY)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map_or(Position::START, |b| Position(u64::from_be_bytes(b)));
        Ok((Trees { db, models }, position))
    }

    /// The quarantined records stored, in log order.
    pub(super) fn quarantined(&self) -> Result<Vec<Quarantined>, ProjectionError> {
        let mut out = Vec::new();
        for entry in self.models.scan_prefix(QUARANTINE_PREFIX) {
            let (key, value) = entry?;
            if let Some(q) = decode_quarantined(&key[QUARANTINE_PREFIX.len()..], &value) {
                out.push(q);
            }
        }
        Ok(out)
    }

    pub(super) fn quarantined_count(&self) -> usize {
        self.models.scan_prefix(QUARANTINE_PREFIX).keys().count()
    }

    /// Writes the changed entries of `models`, the `quarantined` records passed over and
    /// the `position` in one batch. The caller holds the store's locks, so nothing else
    /// writes between the reads of old piece counts here and the batch.
    pub(super) fn write(
        &self,
        models: &[Encoded],
        quarantined: &[Quarantined],
        position: Position,
    ) -> Result<(), ProjectionError> {
        let mut batch = sled::Batch::default();
        for q in quarantined {
            batch.insert(quarantine_key(q.position), encode_quarantined(q));
        }
        for model in models {
            for (entry, pieces) in &model.entries {
                // A model never stored has no pieces to read, and most of a rebuild's
                // models are such.
                let before = match model.stored_before {
                    true => self
                        .models
                        .get(piece_key(entry, 0))?
                        .and_then(|first| split_first_chunk(&first).map(|(count, _)| count))
                        .unwrap_or(0),
                    false => 0,
                };
                let pieces = pieces.as_deref().unwrap_or_default();
                for (index, piece) in (0..).zip(pieces) {
                    batch.insert(piece_key(entry, index), piece.as_slice());
                }
                // An entry removed, or one that shrank, leaves no pieces behind.
                for index in (0..before).skip(pieces.len()) {
                    batch.remove(piece_key(entry, index));
                }
            }
        }
        batch.insert(POSITION_KEY, &position.get().to_be_bytes());
        self.models.apply_batch(batch)?;
        Ok(())
    }
}

/// An entry's [`entry_key_prefix`] and its pieces, `None` when it was removed.
pub(super) type EncodedEntry = (Vec<u8>, Option<Vec<Vec<u8>>>);

/// One model's changed entries, keyed and cut into pieces for [`Trees::write`].
#[derive(Debug)]
pub(super) struct Encoded {
    /// Whether the model may have entries stored already (their old pieces are then
    /// read, so that those past the new ones are removed).
    pub(super) stored_before: bool,
    pub(super) entries: Vec<EncodedEntry>,
}

impl Encoded {
    pub(super) fn new(
        partnership: &PartnershipId,
        entries: Vec<Entry>,
        stored_before: bool,
    ) -> Result<Self, postcard::Error> {
        let entries = entries
            .into_iter()
            // A removed entry of a model never stored has nothing to remove.
            .filter(|e| stored_before || e.value.is_some())
            .map(|Entry { part, key, value }| {
                let pieces = value.as_deref().map(chunks).transpose()?;
                Ok((entry_key_prefix(partnership, part, &key)?, pieces))
            })
            .collect::<Result<Vec<_>, postcard::Error>>()?;
        Ok(Encoded {
            stored_before,
            entries,
        })
    }
}

fn quarantine_key(position: Position) -> Vec<u8> {
    let mut key = QUARANTINE_PREFIX.to_vec();
    key.extend_from_slice(&position.get().to_be_bytes());
    key
}

/// A quarantined record's stored value: its subject (`-` when unknown), a newline and the
/// reason. Subjects are tokens joined by dots and never hold a newline.
pub(super) fn encode_quarantined(q: &Quarantined) -> Vec<u8> {
    format!("{}\n{}", q.subject.as_deref().unwrap_or("-"), q.reason).into_bytes()
}

pub(super) fn decode_quarantined(key: &[u8], value: &[u8]) -> Option<Quarantined> {
    let position = Position(u64::from_be_bytes(<[u8; 8]>::try_from(key).ok()?));
    let text = String::from_utf8_lossy(value);
    let (subject, reason) = text.split_once('\n').unwrap_or(("-", &text));
    Some(Quarantined {
        position,
        subject: (subject != "-").then(|| subject.to_owned()),
        reason: reason.to_owned(),
    })
}

/// Where a partnership's entries start: the partnership id and a zero byte (ids never
/// hold one).
pub(super) fn model_prefix(partnership: &PartnershipId) -> Vec<u8> {
    let id = partnership.as_str().as_bytes();
    let mut key = Vec::with_capacity(id.len() + 16);
    key.extend_from_slice(id);
    key.push(0);
    key
}

/// The key of an entry without its piece index: [`model_prefix`], the part, the length of
/// the entry's key (u16 big-endian) and the key. With the length before it, the pieces of
/// one entry sort together and in order, never among another entry's.
pub(super) fn entry_key_prefix(
    partnership: &PartnershipId,
    part: u8,
    key: &[u8],
) -> Result<Vec<u8>, postcard::Error> {
    let len = u16::try_from(key.len()).map_err(|_| postcard::Error::SerializeBufferFull)?;
    let mut out = model_prefix(partnership);
    out.push(part);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(key);
    Ok(out)
}

/// Key of piece `index` of an entry: its [`entry_key_prefix`] and the index (u16
/// big-endian).
pub(super) fn piece_key(entry: &[u8], index: u16) -> Vec<u8> {
    let mut key = Vec::with_capacity(entry.len() + 2);
    key.extend_from_slice(entry);
    key.extend_from_slice(&index.to_be_bytes());
    key
}

/// The part, the entry's key and the piece index of a piece's key after [`model_prefix`].
pub(super) fn split_entry_key(rest: &[u8]) -> Option<(u8, &[u8], u16)> {
    let (&part, rest) = rest.split_first()?;
    let (len, rest) = rest.split_first_chunk::<2>()?;
    let (key, index) = rest.split_at_checked(usize::from(u16::from_be_bytes(*len)))?;
    let index = <[u8; 2]>::try_from(index).ok()?;
    Some((part, key, u16::from_be_bytes(index)))
}

/// An entry being read piece by piece.
pub(super) struct Reading {
    pub(super) part: u8,
    pub(super) key: Vec<u8>,
    /// Pieces still to come.
    pub(super) left: u16,
    pub(super) bytes: Vec<u8>,
}

impl Reading {
    /// The entry's part, key and bytes, if no piece is missing.
    pub(super) fn finished(self) -> Result<(u8, Vec<u8>, Vec<u8>), postcard::Error> {
        if self.left != 0 {
            return Err(postcard::Error::DeserializeUnexpectedEnd);
        }
        Ok((self.part, self.key, self.bytes))
    }
}

/// An entry's postcard bytes cut into stored pieces of at most [`MODEL_CHUNK`] bytes; the
/// first starts with the number of pieces (u16 big-endian).
pub(super) fn chunks(bytes: &[u8]) -> Result<Vec<Vec<u8>>, postcard::Error> {
    let pieces = bytes.chunks(MODEL_CHUNK).collect::<Vec<_>>();
    let Ok(count) = u16::try_from(pieces.len().max(1)) else {
        // 2¹⁶ pieces would be an entry of 256 MiB.
        return Err(postcard::Error::SerializeBufferFull);
    };
    let mut out = Vec::with_capacity(pieces.len().max(1));
    let mut first = count.to_be_bytes().to_vec();
    first.extend_from_slice(pieces.first().copied().unwrap_or_default());
    out.push(first);
    out.extend(pieces.iter().skip(1).map(|p| p.to_vec()));
    Ok(out)
}

/// The piece count and bytes of an entry's first stored piece.
pub(super) fn split_first_chunk(first: &[u8]) -> Option<(u16, &[u8])> {
    let (count, piece) = first.split_first_chunk::<2>()?;
    Some((u16::from_be_bytes(*count), piece))
}
