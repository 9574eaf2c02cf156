//! Fuzzy token equality for OCR noise and light misspellings.

/// Folds character sequences that OCR commonly confuses onto one form, so
/// that `rn`/`m`, `cl`/`d`, `vv`/`w`, `1`/`l` and `0`/`o` cost nothing.
fn ocr_fold(s: &str, out: &mut Vec<char>) {
    out.clear();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match (c, next) {
            ('r', Some('n')) => {
                out.push('m');
                i += 2;
            }
            ('c', Some('l')) => {
                out.push('d');
                i += 2;
            }
            ('v', Some('v')) => {
                out.push('w');
                i += 2;
            }
            ('1' | '|' | 'i' | 'I', _) => {
                out.push('l');
                i += 1;
            }
            ('0', _) => {
                out.push('o');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// Levenshtein distance between two short char slices.
fn levenshtein(a: &[char], b: &[char]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    if b.is_empty() {
        return a.len();
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
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
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la < min_len || lb < min_len || la.abs_diff(lb) > 3 || la > 40 || lb > 40 {
        return 0.0;
    }
    let mut fa = Vec::with_capacity(la);
    let mut fb = Vec::with_capacity(lb);
    ocr_fold(a, &mut fa);
    ocr_fold(b, &mut fb);
    let longer = fa.len().max(fb.len()).max(1);
    1.0 - levenshtein(&fa, &fb) as f32 / longer as f32
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
