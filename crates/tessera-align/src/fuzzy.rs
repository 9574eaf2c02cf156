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

    #[test]
    fn levenshtein_basics() {
        let v = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(levenshtein(&v("kitten"), &v("sitting")), 3);
        assert_eq!(levenshtein(&v(""), &v("abc")), 3);
        assert_eq!(levenshtein(&v("abc"), &v("abc")), 0);
    }
}
