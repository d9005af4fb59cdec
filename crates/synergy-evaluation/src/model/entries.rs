//! The model as entries, for storage by entry: one per month's market data, SKU, plan,
//! campaign, meeting, action item, issued report … (each map of the model is a *part*, and
//! each of its keys an entry), plus one entry holding the small scalar parts together. A
//! fold records which entries it changed ([`Tracked`]), so storing a model after a commit
//! costs what the commit changed, not what the model holds.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{PartnershipModel, Tracked};

/// One entry of a model: which part, the key's postcard bytes (empty for the scalars) and
/// the value's postcard bytes, `None` when the entry was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub part: u8,
    pub key: Vec<u8>,
    pub value: Option<Vec<u8>>,
}

/// The part of the scalars: `info`, `exception_rules` and `issuing`, together.
pub const SCALARS: u8 = 0;

/// Something done to each part of a model in turn.
trait Parts {
    fn part<K, V>(&mut self, part: u8, map: &mut Tracked<K, V>) -> Result<(), postcard::Error>
    where
        K: Serialize + DeserializeOwned + Ord + Clone,
        V: Serialize + DeserializeOwned;
}

/// Every map of the model with its part number: the one list of them. A number is never
/// reused for another map (stores would be misread): a new map takes the next one.
fn each_part(m: &mut PartnershipModel, f: &mut impl Parts) -> Result<(), postcard::Error> {
    f.part(1, &mut m.months)?;
    f.part(2, &mut m.catalogue)?;
    f.part(3, &mut m.brands)?;
    f.part(4, &mut m.plans)?;
    f.part(5, &mut m.price_checks)?;
    f.part(6, &mut m.forecasts)?;
    f.part(7, &mut m.orders)?;
    f.part(8, &mut m.order_months)?;
    f.part(9, &mut m.campaigns)?;
    f.part(10, &mut m.meetings)?;
    f.part(11, &mut m.action_items)?;
    f.part(12, &mut m.support_requests)?;
    f.part(13, &mut m.culture)?;
    f.part(14, &mut m.issued)?;
    f.part(15, &mut m.recommendation_decisions)?;
    f.part(16, &mut m.analyses)?;
    Ok(())
}

struct Changed<'a>(&'a mut Vec<Entry>);

impl Parts for Changed<'_> {
    fn part<K, V>(&mut self, part: u8, map: &mut Tracked<K, V>) -> Result<(), postcard::Error>
    where
        K: Serialize + DeserializeOwned + Ord + Clone,
        V: Serialize + DeserializeOwned,
    {
        for key in map.take_changed() {
            let value = map.get(&key).map(postcard::to_allocvec).transpose()?;
            self.0.push(Entry {
                part,
                key: postcard::to_allocvec(&key)?,
                value,
            });
        }
        Ok(())
    }
}

/// Decodes one stored entry into its part.
struct Stored<'a> {
    part: u8,
    key: &'a [u8],
    value: &'a [u8],
    found: bool,
}

impl Parts for Stored<'_> {
    fn part<K, V>(&mut self, part: u8, map: &mut Tracked<K, V>) -> Result<(), postcard::Error>
    where
        K: Serialize + DeserializeOwned + Ord + Clone,
        V: Serialize + DeserializeOwned,
    {
        if part == self.part {
            map.insert_stored(
                postcard::from_bytes(self.key)?,
                postcard::from_bytes(self.value)?,
            );
            self.found = true;
        }
        Ok(())
    }
}

type Scalars = (
    Option<super::PartnershipInfo>,
    synergy_proto::events::evaluation::ExceptionRules,
    synergy_proto::events::evaluation::IssuingSetting,
);

impl PartnershipModel {
    /// The entries changed since the last call, to store, forgetting that they changed.
    /// The scalars are always among them: they are small, and a model always has them, so
    /// a stored model is never without an entry.
    pub fn take_changed_entries(&mut self) -> Result<Vec<Entry>, postcard::Error> {
        let scalars = postcard::to_allocvec(&(&self.info, &self.exception_rules, &self.issuing))?;
        let mut out = vec![Entry {
            part: SCALARS,
            key: Vec::new(),
            value: Some(scalars),
        }];
        each_part(self, &mut Changed(&mut out))?;
        Ok(out)
    }

    /// The model of `partnership` from its stored entries `(part, key, value)`, in any
    /// order; an unknown part or a missing scalars entry is an error, never a guess.
    pub fn from_entries<'a>(
        partnership: synergy_proto::PartnershipId,
        entries: impl IntoIterator<Item = (u8, &'a [u8], &'a [u8])>,
    ) -> Result<Self, postcard::Error> {
        let mut model = PartnershipModel::new(partnership);
        let mut scalars = false;
        for (part, key, value) in entries {
            if part == SCALARS {
                (model.info, model.exception_rules, model.issuing) =
                    postcard::from_bytes::<Scalars>(value)?;
                scalars = true;
                continue;
            }
            let mut stored = Stored {
                part,
                key,
                value,
                found: false,
            };
            each_part(&mut model, &mut stored)?;
            if !stored.found {
                return Err(postcard::Error::DeserializeBadEnum);
            }
        }
        if !scalars {
            return Err(postcard::Error::DeserializeUnexpectedEnd);
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use synergy_proto::PartnershipId;

    use super::*;
    use crate::model::{ActionItemState, ItemStatus};

    fn item(title: &str) -> ActionItemState {
        let on = "2008-03-01".parse().unwrap();
        ActionItemState {
            title: title.into(),
            owner: synergy_proto::Side::Distributor,
            raised_on: on,
            meeting: None,
            timeline: vec![ItemStatus {
                from: on,
                open: true,
                due_on: on,
            }],
        }
    }

    #[test]
    fn only_changed_entries_are_given_and_they_rebuild_the_model() {
        let id = PartnershipId::new("hongyun-changzhi").unwrap();
        let mut model = PartnershipModel::new(id.clone());
        let a = synergy_proto::ActionItemId::new("a").unwrap();
        let b = synergy_proto::ActionItemId::new("b").unwrap();
        model.action_items.insert(a.clone(), item("first"));
        model.action_items.insert(b.clone(), item("second"));
        let first = model.take_changed_entries().unwrap();
        assert_eq!(first.len(), 3, "the scalars and two items: {first:?}");

        let mut store: std::collections::BTreeMap<(u8, Vec<u8>), Vec<u8>> = first
            .into_iter()
            .map(|e| ((e.part, e.key), e.value.unwrap()))
            .collect();
        model.action_items.get_mut(&b).unwrap().title = "second, renamed".into();
        let second = model.take_changed_entries().unwrap();
        assert_eq!(
            second.len(),
            2,
            "the scalars and the renamed item: {second:?}"
        );
        for e in second {
            store.insert((e.part, e.key), e.value.unwrap());
        }
        let read = PartnershipModel::from_entries(
            id.clone(),
            store
                .iter()
                .map(|((p, k), v)| (*p, k.as_slice(), v.as_slice())),
        )
        .unwrap();
        assert_eq!(read, model);
        assert!(
            PartnershipModel::from_entries(id.clone(), [(99, &[][..], &[][..])]).is_err(),
            "an unknown part is refused"
        );
        assert!(
            PartnershipModel::from_entries(id, []).is_err(),
            "a model without its scalars is refused"
        );
    }
}
