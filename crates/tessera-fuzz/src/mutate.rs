//! A small byte mutator (no coverage feedback): bit flips, interesting
//! integers, insertions of dictionary words, deletions, duplications and
//! splices of two inputs.

/// A splitmix64 generator: deterministic from its seed, so any mutation
/// can be replayed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

const INTERESTING: &[u32] = &[
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
];

/// Largest input the mutator makes.
pub const MAX_LEN: usize = 64 << 10;

/// A mutation of `input`: one to eight edits, using `words` and `other`
/// (another input of the corpus, for splicing).
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8], words: &[&[u8]]) -> Vec<u8> {
    let mut b = input.to_vec();
    let edits = 1 + rng.below(8);
    for _ in 0..edits {
        edit(rng, &mut b, other, words);
    }
    b.truncate(MAX_LEN);
    b
}

fn edit(rng: &mut Rng, b: &mut Vec<u8>, other: &[u8], words: &[&[u8]]) {
    let len = b.len();
    match rng.below(10) {
        0 if len > 0 => {
            let at = rng.below(len);
            b[at] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let at = rng.below(len);
            b[at] = rng.next_u64() as u8;
        }
        2 if len >= 4 => {
            // An interesting little-endian integer, often on a 4-byte
            // boundary (the index formats are made of them).
            let mut at = rng.below(len - 3);
            if rng.below(2) == 0 {
                at &= !3;
            }
            let v = INTERESTING[rng.below(INTERESTING.len())];
            let v = if rng.below(4) == 0 {
                v.wrapping_add(rng.below(16) as u32)
            } else {
                v
            };
            b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        3 if !words.is_empty() => {
            let w = words[rng.below(words.len())];
            let at = rng.below(len + 1);
            b.splice(at..at, w.iter().copied());
        }
        4 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(64));
            b.drain(at..at + n);
        }
        5 if len > 0 => {
            // Duplicate a run, sometimes many times (deep nesting, long lines).
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(32));
            let run = b[at..at + n].to_vec();
            let times = if rng.below(8) == 0 {
                rng.below(2000)
            } else {
                1
            };
            for _ in 0..times {
                if b.len() >= MAX_LEN {
                    break;
                }
                b.splice(at..at, run.iter().copied());
            }
        }
        6 if !other.is_empty() => {
            let from = rng.below(other.len());
            let n = 1 + rng.below((other.len() - from).min(256));
            let at = rng.below(len + 1);
            b.splice(at..at, other[from..from + n].iter().copied());
        }
        7 if len > 0 => {
            b.truncate(rng.below(len));
        }
        8 => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            b.splice(at..at, bytes);
        }
        _ => {
            let at = rng.below(len + 1);
            b.insert(at, [b'\n', b'"', b'\\', b'{', b'}', 0, 0xff][rng.below(7)]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_replayable_and_bounded() {
        let seed = b"{\"id\": \"1\", \"text\": \"a\"}\n";
        let a = mutate(&mut Rng::new(7), seed, b"other", &[b"word"]);
        let b = mutate(&mut Rng::new(7), seed, b"other", &[b"word"]);
        assert_eq!(a, b);
        let mut rng = Rng::new(1);
        let mut x = seed.to_vec();
        for _ in 0..500 {
            x = mutate(&mut rng, &x, seed, &[b"word"]);
            assert!(x.len() <= MAX_LEN);
        }
    }
}
