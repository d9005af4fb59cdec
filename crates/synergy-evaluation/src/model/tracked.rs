//! [`Tracked`]: a map that records which of its keys changed, so the runtime stores only
//! the entries a fold changed instead of the whole model.

use std::collections::BTreeSet;
use std::collections::btree_map::{self, BTreeMap};
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `BTreeMap` read through `Deref`, changed only through its own methods, each of which
/// records the key it changed. There is no `DerefMut`: a change that bypassed the record
/// would be lost when the model is stored by entry, so the compiler refuses one.
///
/// The record is not part of the value: it is neither serialised nor compared.
#[derive(Debug, Clone)]
pub struct Tracked<K, V> {
    map: BTreeMap<K, V>,
    changed: BTreeSet<K>,
}

impl<K, V> Default for Tracked<K, V> {
    fn default() -> Self {
        Tracked {
            map: BTreeMap::new(),
            changed: BTreeSet::new(),
        }
    }
}

impl<K: Ord + Clone, V> Tracked<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.changed.insert(key.clone());
        self.map.insert(key, value)
    }

    /// The value of `key` to change, recorded as changed if it exists.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        if self.map.contains_key(key) {
            self.changed.insert(key.clone());
        }
        self.map.get_mut(key)
    }

    /// The entry of `key`, recorded as changed whatever is done with it.
    pub fn entry(&mut self, key: K) -> btree_map::Entry<'_, K, V> {
        self.changed.insert(key.clone());
        self.map.entry(key)
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let removed = self.map.remove(key);
        if removed.is_some() {
            self.changed.insert(key.clone());
        }
        removed
    }

    /// The keys changed since the last call (those removed among them), forgetting them.
    pub fn take_changed(&mut self) -> BTreeSet<K> {
        std::mem::take(&mut self.changed)
    }

    /// Adds an entry as it was stored: not recorded as changed.
    pub fn insert_stored(&mut self, key: K, value: V) {
        self.map.insert(key, value);
    }
}

impl<K, V> Deref for Tracked<K, V> {
    type Target = BTreeMap<K, V>;

    fn deref(&self) -> &BTreeMap<K, V> {
        &self.map
    }
}

impl<'a, K, V> IntoIterator for &'a Tracked<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = btree_map::Iter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.map.iter()
    }
}

/// Every entry is new, so every key is recorded as changed.
impl<K: Ord + Clone, V> FromIterator<(K, V)> for Tracked<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let map: BTreeMap<K, V> = iter.into_iter().collect();
        let changed = map.keys().cloned().collect();
        Tracked { map, changed }
    }
}

impl<K: PartialEq, V: PartialEq> PartialEq for Tracked<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl<K: Eq, V: Eq> Eq for Tracked<K, V> {}

impl<K: Serialize, V: Serialize> Serialize for Tracked<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(s)
    }
}

/// A map read back whole is as stored: nothing in it is recorded as changed.
impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Tracked<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Tracked {
            map: BTreeMap::deserialize(d)?,
            changed: BTreeSet::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_is_recorded_by_key_and_reading_records_none() {
        let mut m: Tracked<u32, String> = Tracked::new();
        m.insert_stored(1, "stored".into());
        m.insert_stored(2, "stored".into());
        assert!(m.get(&1).is_some() && m.len() == 2);
        assert!(m.take_changed().is_empty(), "reading changes nothing");
        m.insert(3, "new".into());
        m.get_mut(&1).unwrap().push('!');
        m.entry(4).or_default();
        m.remove(&2);
        assert!(m.get_mut(&9).is_none() && m.remove(&9).is_none());
        assert_eq!(m.take_changed(), BTreeSet::from([1, 2, 3, 4]));
        assert!(m.take_changed().is_empty(), "taken once");
    }
}
