//! Fuzzy token equality for OCR noise and light misspellings.

/// Longest token compared (in code points).
const MAX_LEN: usize = 40;

/// Folds character sequences that OCR commonly confuses onto one form, so
/// that `rn`/`m`, `cl`/`d`, `vv`/`w`, `1`/`l` and `0`/`o` cost nothing.
/// Writes into a fixed buffer (the aligner calls this for many token
/// pairs; no allocation); returns the folded length.
fn ocr_fold(s: &str, out: &mut [char; MAX_LEN]) -> usize {
    let mut n = 0;
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        let next = it.peek().copied();
        let folded = match (c, next) {
            ('r', Some('n')) => {
                it.next();
                'm'
            }
            ('c', Some('l')) => {
                it.next();
                'd'
            }
            ('v', Some('v')) => {
                it.next();
                'w'
            }
            ('1' | '|' | 'i' | 'I', _) => 'l',
            ('0', _) => 'o',
            _ => c,
        };
        if n == MAX_LEN {
            break;
        }
        out[n] = folded;
        n += 1;
    }
    n
}

/// Levenshtein distance between two short char slices.
fn levenshtein(a: &[char], b: &[char]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    if b.is_empty() {
        return a.len();
    }
    let mut prev = [0usize; MAX_LEN + 1];
    let mut cur = [0usize; MAX_LEN + 1];
    for (j, p) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *p = j;
    }
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Similarity in `[0, 1]` of two normalised tokens after OCR folding:
/// `1 - distance / longer length`. Returns 0 for tokens too short or too
/// different in length to be judged (`min_len` code points at least,
/// lengths within 3 of each other).
pub fn similarity(a: &str, b: &str, min_len: usize) -> f32 {
    similarity_at_least(a, b, min_len, 0.0)
}

/// Set of the characters of a folded token, one bit per character class.
fn char_mask(s: &[char]) -> u64 {
    s.iter().fold(0u64, |m, &c| m | 1 << ((c as u32) % 64))
}

/// For each bit of [`char_mask`], the bit standing for its class when the
/// characters [`ocr_fold`] turns into one another are one class (`r n m`,
/// `c l d 1 | i I`, `v w`, `0 o`): the same class set whether a token is
/// folded or not.
const FOLD_CLASS: [u8; 64] = {
    let groups: [&[u8]; 4] = [b"mrn", b"dcl1|iI", b"wv", b"o0"];
    let mut t = [0u8; 64];
    let mut k = 0;
    while k < 64 {
        t[k] = k as u8;
        k += 1;
    }
    let mut g = 0;
    while g < groups.len() {
        let mut c = 0;
        while c < groups[g].len() {
            t[(groups[g][c] % 64) as usize] = groups[g][0] % 64;
            c += 1;
        }
        g += 1;
    }
    t
};

/// The classes of [`FOLD_CLASS`] present in `s`, unfolded.
fn folded_class_mask(s: &str) -> u64 {
    let bit = |c: u32| 1u64 << FOLD_CLASS[(c % 64) as usize];
    if s.is_ascii() {
        s.bytes().fold(0, |m, c| m | bit(u32::from(c)))
    } else {
        s.chars().fold(0, |m, c| m | bit(c as u32))
    }
}

/// Like [`similarity`], but returns 0 as soon as the similarity is known to
/// be below `min_sim`. The aligner compares many token pairs; most are
/// unrelated words that two cheap bounds reject before any edit distance
/// is computed.
pub fn similarity_at_least(a: &str, b: &str, min_len: usize, min_sim: f32) -> f32 {
    // A byte length bounds the code-point length: cheap rejections first.
    if a.len() < min_len || b.len() < min_len {
        return 0.0;
    }
    let (la, lb) = if a.is_ascii() && b.is_ascii() {
        (a.len(), b.len())
    } else {
        (a.chars().count(), b.chars().count())
    };
    if la < min_len || lb < min_len || la.abs_diff(lb) > 3 || la > MAX_LEN || lb > MAX_LEN {
        return 0.0;
    }
    // The same character-class bound before folding, with the classes
    // that folding merges taken as one: it never counts more differences
    // than the bound after folding, and the folded lengths are at most
    // the raw ones, so nothing this rejects would have passed.
    let raw_budget = ((1.0 - min_sim) * la.max(lb).max(1) as f32).floor() as usize;
    if (folded_class_mask(a) ^ folded_class_mask(b)).count_ones() as usize > 2 * raw_budget {
        return 0.0;
    }
    let mut fa = ['\0'; MAX_LEN];
    let mut fb = ['\0'; MAX_LEN];
    let na = ocr_fold(a, &mut fa);
    let nb = ocr_fold(b, &mut fb);
    let longer = na.max(nb).max(1);
    // The most edits that still reach `min_sim`.
    let budget = ((1.0 - min_sim) * longer as f32).floor() as usize;
    if na.abs_diff(nb) > budget {
        return 0.0;
    }
    // An edit adds or removes at most two character classes.
    let differing = (char_mask(&fa[..na]) ^ char_mask(&fb[..nb])).count_ones() as usize;
    if differing > 2 * budget {
        return 0.0;
    }
    let d = levenshtein(&fa[..na], &fb[..nb]);
    if d > budget {
        return 0.0;
    }
    1.0 - d as f32 / longer as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_similarities() {
        let cases = [
            ("national", "natiorial", 0.75),
            ("semiconductor", "semicondutor", 0.9),
            ("modern", "modem", 1.0),
            ("clear", "dear", 1.0),
            ("russia", "russian", 0.85),
            ("oil", "oil", 0.0), // too short to judge
            ("company", "market", 0.0),
        ];
        for (a, b, at_least) in cases {
            let s = similarity(a, b, 4);
            if at_least > 0.0 {
                assert!(s >= at_least, "{a} ~ {b}: {s}");
            } else {
                assert!(s < 0.5, "{a} ~ {b}: {s}");
            }
        }
    }

    /// [`similarity_at_least`] without its early rejections.
    fn reference(a: &str, b: &str, min_len: usize, min_sim: f32) -> f32 {
        let (la, lb) = (a.chars().count(), b.chars().count());
        if la < min_len || lb < min_len || la.abs_diff(lb) > 3 || la > MAX_LEN || lb > MAX_LEN {
            return 0.0;
        }
        let mut fa = ['\0'; MAX_LEN];
        let mut fb = ['\0'; MAX_LEN];
        let (na, nb) = (ocr_fold(a, &mut fa), ocr_fold(b, &mut fb));
        let longer = na.max(nb).max(1);
        let d = levenshtein(&fa[..na], &fb[..nb]);
        let budget = ((1.0 - min_sim) * longer as f32).floor() as usize;
        if d > budget {
            0.0
        } else {
            1.0 - d as f32 / longer as f32
        }
    }

    proptest::proptest! {
        /// The bounds that reject pairs before the edit distance (the
        /// class masks before and after folding) never reject a pair that
        /// reaches the similarity.
        #[test]
        fn early_rejections_change_nothing(
            a in "[rnmcld1iIvw0oaeéxyz|]{0,12}",
            b in "[rnmcld1iIvw0oaeéxyz|]{0,12}",
            min_sim in 0.0f32..1.0,
        ) {
            proptest::prop_assert_eq!(similarity_at_least(&a, &b, 4, min_sim), reference(&a, &b, 4, min_sim));
        }
    }

    #[test]
    fn levenshtein_basics() {
        let v = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(levenshtein(&v("kitten"), &v("sitting")), 3);
        assert_eq!(levenshtein(&v(""), &v("abc")), 3);
        assert_eq!(levenshtein(&v("abc"), &v("abc")), 0);
    }
}
