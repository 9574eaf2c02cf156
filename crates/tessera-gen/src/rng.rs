//! A small seeded pseudo-random number generator.
//!
//! SplitMix64 (Steele, Lea and Flood, 2014), written out here instead of
//! taking the `rand` crate, for two reasons: the corpus must be identical for
//! a seed on every machine and with every future version of the workspace's
//! dependencies (`rand` has changed its generators and its sampling
//! algorithms between releases, which silently changes every "seeded"
//! output), and the generator needs nothing more than a fast 64-bit stream
//! and a few helpers, not worth a dependency. SplitMix64 passes BigCrush, has
//! a 2^64 period and needs one addition and two multiplications per number.

/// SplitMix64 stream.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

/// The SplitMix64 finaliser: a strong 64-bit mixing function.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// An independent stream for one purpose (`stream` is a constant per
    /// purpose), so that drawing more numbers for one purpose does not shift
    /// the numbers of another.
    pub fn derive(seed: u64, stream: u64) -> Self {
        Rng {
            state: mix64(seed ^ mix64(stream.wrapping_add(0x9E37_79B9_7F4A_7C15))),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2^-40
    /// for the sizes used here). Returns 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi` (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        if hi <= lo {
            lo
        } else {
            lo + self.below(hi - lo + 1)
        }
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Exponentially distributed with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }

    /// An element of a non-empty slice (`None` for an empty one).
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> Option<&'a T> {
        if xs.is_empty() {
            None
        } else {
            Some(&xs[self.below(xs.len())])
        }
    }

    /// An element of a static table that is never empty.
    pub fn pick_str(&mut self, xs: &[&'static str]) -> &'static str {
        self.pick(xs).copied().unwrap_or("")
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

/// Picks an index by weight from cumulative weights (binary search).
pub fn pick_weighted(rng: &mut Rng, cumulative: &[f64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let x = rng.unit() * total;
    cumulative
        .partition_point(|&c| c <= x)
        .min(cumulative.len().saturating_sub(1))
}
