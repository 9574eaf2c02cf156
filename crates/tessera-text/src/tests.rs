use super::*;
use proptest::prelude::*;

fn norms(text: &str) -> Vec<String> {
    let t = tokenize(text, &NormalizeOptions::default());
    (0..t.len()).map(|i| t.norm(i).to_string()).collect()
}

#[test]
fn table_of_normalisations() {
    let cases: &[(&str, &[&str])] = &[
        ("", &[]),
        ("  ,;  ", &[]),
        ("Hello, World!", &["hello", "world"]),
        ("U.S. dlrs", &["u", "s", "dlrs"]),
        ("160-bed facility", &["160", "bed", "facility"]),
        ("Café CAFÉ cafe\u{301}", &["cafe", "cafe", "cafe"]),
        ("ﬁnance ＦＵＬＬ", &["finance", "full"]),
        ("Straße", &["straße"]),
        ("Assad’s air force", &["assad", "s", "air", "force"]),
        ("Путин встретился", &["путин", "встретился"]),
        ("北京市长", &["北", "京", "市", "长"]),
        ("ภาษาไทย", &["ภ", "า", "ษ", "า", "ไ", "ท", "ย"]),
        ("が", &["が"]),
        ("abc中文def", &["abc", "中", "文", "def"]),
    ];
    for (text, want) in cases {
        assert_eq!(norms(text), *want, "text {text:?}");
    }
}

#[test]
fn diacritics_can_be_kept() {
    let opts = NormalizeOptions {
        fold_diacritics: false,
    };
    let t = tokenize("Café", &opts);
    assert_eq!(t.norm(0), "café");
}

#[test]
fn offsets_are_code_points() {
    let text = "“They” said: naïve Россия 中国";
    let t = tokenize(text, &NormalizeOptions::default());
    let chars: Vec<char> = text.chars().collect();
    for tok in &t.tokens {
        let by_chars: String = chars[tok.start as usize..tok.end as usize].iter().collect();
        assert_eq!(
            by_chars,
            &text[tok.byte_start as usize..tok.byte_end as usize]
        );
    }
    assert_eq!(t.char_len as usize, chars.len());
}

fn sentence_starts(text: &str) -> Vec<String> {
    let t = tokenize(text, &NormalizeOptions::default());
    t.tokens
        .iter()
        .filter(|t| t.is_sentence_start())
        .map(|t| text[t.byte_start as usize..t.byte_end as usize].to_string())
        .collect()
}

#[test]
fn table_of_sentence_boundaries() {
    let cases: &[(&str, &[&str])] = &[
        ("One two. Three four.", &["One", "Three"]),
        ("The U.S. Air Force said so. It agreed.", &["The", "It"]),
        ("Mr. Smith left. He said 4.5 mln.", &["Mr", "He"]),
        ("He left. \"We won,\" he said.", &["He", "We"]),
        ("prices rose 5 pct. in march", &["prices"]),
        (
            "first line of wire\ncopy wraps. Next sentence\n    New paragraph",
            &["first", "Next", "New"],
        ),
        ("Headline here\n\nBody starts", &["Headline", "Body"]),
        ("今天下雨。明天晴", &["今", "明"]),
        ("Is it? Yes! No.", &["Is", "Yes", "No"]),
    ];
    for (text, want) in cases {
        assert_eq!(sentence_starts(text), *want, "text {text:?}");
    }
}

#[test]
fn sentence_end_flags_mirror_starts() {
    let t = tokenize(
        "Alpha beta. Gamma delta. Epsilon",
        &NormalizeOptions::default(),
    );
    let ends: Vec<usize> = (0..t.len())
        .filter(|&i| t.tokens[i].is_sentence_end())
        .collect();
    assert_eq!(ends, vec![1, 3, 4]);
}

#[test]
fn closing_and_opening_punctuation() {
    let text = "“Our case is you can’t do both”. Next";
    let t = tokenize(text, &NormalizeOptions::default());
    let both = t
        .tokens
        .iter()
        .find(|t| &text[t.byte_start as usize..t.byte_end as usize] == "both")
        .copied();
    let both = both.expect("token both");
    assert_eq!(trailing_closing_punct(text, both.byte_end as usize).0, 2);
    let our = t.tokens[0];
    assert_eq!(leading_opening_punct(text, our.byte_start as usize).0, 1);
    assert_eq!(leading_opening_punct(text, 0), (0, 0));
}

#[test]
fn numeric_flag() {
    let t = tokenize("rose 4.5 pct in 1987", &NormalizeOptions::default());
    let numeric: Vec<bool> = t.tokens.iter().map(|t| t.flags & NUMERIC != 0).collect();
    assert_eq!(numeric, vec![false, true, true, false, false, true]);
}

proptest! {
    #[test]
    fn spans_are_in_bounds_ordered_and_exact(text in "\\PC{0,200}") {
        let t = tokenize(&text, &NormalizeOptions::default());
        let total = text.chars().count() as u32;
        prop_assert_eq!(t.char_len, total);
        let mut last_end = 0u32;
        for (i, tok) in t.tokens.iter().enumerate() {
            prop_assert!(tok.start < tok.end);
            prop_assert!(tok.start >= last_end);
            prop_assert!(tok.end <= total);
            let raw = &text[tok.byte_start as usize..tok.byte_end as usize];
            prop_assert_eq!(raw.chars().count() as u32, tok.end - tok.start);
            let prefix = &text[..tok.byte_start as usize];
            prop_assert_eq!(prefix.chars().count() as u32, tok.start);
            prop_assert!(!t.norm(i).is_empty());
            prop_assert_eq!(tok.hash, hash_norm(t.norm(i)));
            last_end = tok.end;
        }
        if let Some(first) = t.tokens.first() {
            prop_assert!(first.is_sentence_start());
        }
        if let Some(last) = t.tokens.last() {
            prop_assert!(last.is_sentence_end());
        }
    }

    #[test]
    fn token_hashes_agree_with_tokenize(
        text in "\\PC{0,200}",
        mixed in "[a-zA-Z09 .,'\n\u{301}\u{308}éÉßﬁ½日本ไทย\u{e31}Ωщ-]{0,120}",
        words in prop::collection::vec("[a-zA-Z0-9]{1,40}|[ ,.\n]{1,3}|[éß日\u{301}]", 0..30),
        fold in any::<bool>(),
    ) {
        let opts = NormalizeOptions { fold_diacritics: fold };
        let words = words.concat();
        for t in [&text, &mixed, &words] {
            let toks = tokenize(t, &opts);
            let mut hashes = vec![7];
            let chars = token_hashes(t, &opts, &mut hashes);
            prop_assert_eq!(hashes[0], 7, "appends, keeps what was there");
            prop_assert_eq!(&hashes[1..], &toks.hashes()[..]);
            prop_assert_eq!(chars, toks.char_len);
        }
    }

    #[test]
    fn tokenisation_is_deterministic_and_case_blind(text in "[a-zA-Z ,.éÉ]{0,80}") {
        let a = tokenize(&text, &NormalizeOptions::default());
        let b = tokenize(&text.to_uppercase(), &NormalizeOptions::default());
        prop_assert_eq!(a.hashes(), b.hashes());
    }

    #[test]
    fn normalisation_is_idempotent(word in "\\w{1,12}") {
        let opts = NormalizeOptions::default();
        let once = normalize_word(&word, &opts);
        prop_assert_eq!(normalize_word(&once, &opts), once);
    }
}

#[test]
fn ascii_classes_agree_with_the_byte_table() {
    // Every byte value in every lane, next to every other in a few patterns.
    for b in 0..=255u8 {
        for other in [
            0u8, b'a', b'Z', b'0', b' ', 0x80, 0xff, b'@', b'[', b'`', b'{',
        ] {
            for lane in 0..8 {
                let mut bytes = [other; 8];
                bytes[lane] = b;
                let (letters, alnum) = ascii_classes(u64::from_le_bytes(bytes));
                for (k, &c) in bytes.iter().enumerate() {
                    let bit = 0x80u64 << (8 * k);
                    assert_eq!(
                        letters & bit != 0,
                        c.is_ascii_alphabetic(),
                        "{bytes:?} lane {k}"
                    );
                    assert_eq!(
                        alnum & bit != 0,
                        c.is_ascii_alphanumeric(),
                        "{bytes:?} lane {k}"
                    );
                }
                assert_eq!(letters & !HIGH_BITS, 0);
            }
        }
    }
}
