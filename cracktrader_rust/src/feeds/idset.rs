//! The active bucket's trade ids (Python: a `set` of str). An arena of id bytes plus an
//! open-addressing index: inserting an id copies its bytes into the arena instead of
//! allocating a `Box<str>`, and a bucket roll clears everything without freeing. The
//! hash (Fx-style multiply-rotate) only decides where to look, never whether two ids
//! are equal, so results cannot depend on it; a venue that crafted colliding ids could
//! only slow its own bucket down.

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
const MIN_SLOTS: usize = 16;

fn hash(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut h = (bytes.len() as u64).wrapping_mul(SEED);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        h = (h.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
    for byte in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(*byte)).wrapping_mul(SEED);
    }
    h ^ (h >> 29)
}

/// The outcome of one lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    hash: u64,
    slot: Option<usize>,
    pub found: bool,
}

/// A set of strings that clears in place.
#[derive(Debug, Clone, Default)]
pub struct IdSet {
    arena: String,
    /// (hash, start, end) of each id in `arena`.
    entries: Vec<(u64, usize, usize)>,
    /// 0 = empty, else an index into `entries` plus one.
    slots: Vec<usize>,
}

impl IdSet {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn text(&self, entry: &(u64, usize, usize)) -> &str {
        self.arena.get(entry.1..entry.2).unwrap_or("")
    }

    /// The slot holding `text`, or the empty slot where it would go.
    fn find(&self, text: &str, h: u64) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        // the mask keeps the truncated hash in range
        #[allow(clippy::cast_possible_truncation)]
        let mut slot = (h as usize) & mask;
        loop {
            match self.slots.get(slot).copied()? {
                0 => return Some(slot),
                index => {
                    let entry = self.entries.get(index.checked_sub(1)?)?;
                    if entry.0 == h && self.text(entry) == text {
                        return Some(slot);
                    }
                }
            }
            slot = slot.wrapping_add(1) & mask;
        }
    }

    pub fn contains(&self, text: &str) -> bool {
        self.probe(text).found
    }

    /// Look `text` up once; pass the result to `insert_probed` to add it without a
    /// second hash and probe (the aggregator checks the volume in between).
    pub fn probe(&self, text: &str) -> Probe {
        let h = hash(text);
        match self.find(text, h) {
            Some(slot) => Probe { hash: h, slot: Some(slot), found: self.slots.get(slot).is_some_and(|v| *v != 0) },
            None => Probe { hash: h, slot: None, found: false },
        }
    }

    /// Add `text`; `false` when it was already there.
    pub fn insert(&mut self, text: &str) -> bool {
        let probe = self.probe(text);
        if probe.found {
            return false;
        }
        self.insert_probed(text, probe);
        true
    }

    /// Add `text`, known absent by `probe` (taken on this set, unchanged since).
    pub fn insert_probed(&mut self, text: &str, probe: Probe) {
        let mut slot = probe.slot;
        if slot.is_none() || self.entries.len().saturating_add(1).saturating_mul(2) > self.slots.len() {
            self.grow();
            slot = self.find(text, probe.hash);
        }
        let Some(slot) = slot else { return };
        let h = probe.hash;
        let start = self.arena.len();
        self.arena.push_str(text);
        self.entries.push((h, start, self.arena.len()));
        if let Some(cell) = self.slots.get_mut(slot) {
            *cell = self.entries.len();
        }
    }

    fn grow(&mut self) {
        let size = self.slots.len().saturating_mul(2).max(MIN_SLOTS);
        self.rebuild(size);
    }

    fn rebuild(&mut self, size: usize) {
        self.slots = vec![0; size];
        let mask = size.saturating_sub(1);
        for (index, entry) in self.entries.iter().enumerate() {
            #[allow(clippy::cast_possible_truncation)]
            let mut slot = (entry.0 as usize) & mask;
            while self.slots.get(slot).is_some_and(|v| *v != 0) {
                slot = slot.wrapping_add(1) & mask;
            }
            if let Some(cell) = self.slots.get_mut(slot) {
                *cell = index.saturating_add(1);
            }
        }
    }

    /// Empty the set, keeping its memory unless one huge bucket left it oversized.
    pub fn clear(&mut self) {
        let wanted = self.entries.len().saturating_mul(2).max(MIN_SLOTS).next_power_of_two();
        self.arena.clear();
        self.entries.clear();
        if self.slots.len() > wanted.saturating_mul(4) {
            self.slots = vec![0; wanted];
        } else {
            self.slots.fill(0);
        }
    }

    /// The ids, sorted (byte order of UTF-8 = code-point order, as Python sorts).
    pub fn sorted(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.entries.iter().map(|entry| self.text(entry)).collect();
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_set_across_clears() {
        let mut set = IdSet::default();
        for round in 0..3 {
            for i in 0..1000 {
                assert!(set.insert(&format!("id-{round}-{i}")));
            }
            for i in 0..1000 {
                assert!(!set.insert(&format!("id-{round}-{i}")));
                assert!(set.contains(&format!("id-{round}-{i}")));
                assert!(!set.contains(&format!("id-{}-{i}", round + 1)));
            }
            assert_eq!(set.len(), 1000);
            set.clear();
            assert!(set.is_empty() && !set.contains(&format!("id-{round}-0")));
        }
        assert!(set.insert("") && set.insert("é") && set.insert("e"));
        assert_eq!(set.sorted(), vec!["", "e", "é"]);
    }
}
