//! Search tokens for Chinese and English text (CUS-6, INT-6), written once for both
//! databases. CJK runs are indexed as single characters plus overlapping bigrams, the way
//! CJK search engines do without a dictionary; everything else as lower-cased words. A
//! query matches a document that holds every one of the query's tokens, so a 1-character
//! query looks up the character, a 2-character one its bigram, and a longer one all of its
//! bigrams — each an index lookup (DESIGN.md explains why trigram indexes miss the first two).

use std::collections::BTreeSet;

/// CJK ideographs, kana and hangul: scripts written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FA1F) // CJK extensions B and later
}

/// Full-width ASCII (ＡＢＣ１２３, typed by Chinese input methods) as plain ASCII.
fn narrow(c: char) -> char {
    match c as u32 {
        code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

enum Run {
    Cjk(Vec<char>),
    Word(String),
}

fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut current: Option<Run> = None;
    for c in text.chars().map(narrow) {
        let next_is_cjk = is_cjk(c);
        let is_word = !next_is_cjk && c.is_alphanumeric();
        match (&mut current, next_is_cjk, is_word) {
            (Some(Run::Cjk(chars)), true, _) => chars.push(c),
            (Some(Run::Word(word)), _, true) => word.extend(c.to_lowercase()),
            _ => {
                out.extend(current.take());
                current = if next_is_cjk {
                    Some(Run::Cjk(vec![c]))
                } else if is_word {
                    Some(Run::Word(c.to_lowercase().collect()))
                } else {
                    None
                };
            }
        }
    }
    out.extend(current);
    out
}

/// The tokens a text is indexed under: every CJK character and adjacent pair, every word.
pub fn index_tokens(text: &str) -> BTreeSet<String> {
    let mut tokens = BTreeSet::new();
    for run in runs(text) {
        match run {
            Run::Cjk(chars) => {
                tokens.extend(chars.iter().map(char::to_string));
                tokens.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
            }
            Run::Word(word) => {
                tokens.insert(word);
            }
        }
    }
    tokens
}

/// The tokens a query requires: a lone CJK character itself, longer CJK runs their bigrams,
/// words themselves; a phone number, however grouped, its digits. Empty when the query has
/// nothing searchable (only punctuation).
pub fn query_tokens(query: &str) -> BTreeSet<String> {
    let mut tokens = BTreeSet::new();
    if looks_like_phone(query) {
        tokens.extend(phone_digits(query));
        return tokens;
    }
    for run in runs(query) {
        match run {
            Run::Cjk(chars) if chars.len() == 1 => {
                tokens.extend(chars.iter().map(char::to_string));
            }
            Run::Cjk(chars) => {
                tokens.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
            }
            Run::Word(word) => {
                tokens.insert(word);
            }
        }
    }
    tokens
}

/// Digits and phone separators only, with at least seven digits.
fn looks_like_phone(text: &str) -> bool {
    let text = text.trim();
    let digits = text.chars().map(narrow).filter(char::is_ascii_digit).count();
    digits >= 7 && text.chars().map(narrow).all(|c| c.is_ascii_digit() || " -+()./\u{3000}".contains(c))
}

/// A search document: the index tokens of several texts, space-separated, as stored.
/// Phone numbers add their normalised digits, so the number finds them however it was written.
pub fn document(texts: &[Option<&str>], phones: &[Option<&str>]) -> String {
    let mut tokens = BTreeSet::new();
    for text in texts.iter().chain(phones).flatten() {
        tokens.extend(index_tokens(text));
    }
    tokens.extend(phones.iter().flatten().flat_map(|p| phone_keys(p)));
    tokens.into_iter().collect::<Vec<_>>().join(" ")
}

/// What a phone number is found by: its national digits and, for a landline, the local number
/// without the area code (callers on the same exchange show up without it).
pub fn phone_keys(text: &str) -> Vec<String> {
    let Some(digits) = phone_digits(text) else { return Vec::new() };
    let area = match digits.as_bytes() {
        [b'0', b'1' | b'2', ..] => 3,
        [b'0', ..] => 4,
        _ => 0,
    };
    let local = digits.get(area..).filter(|l| area > 0 && l.len() >= 7).map(str::to_string);
    std::iter::once(digits).chain(local).collect()
}

/// The national digits of a phone number, as a CTI system presents a caller: separators
/// dropped, China's country code (`+86`, `0086`) replaced by the trunk prefix where due, an
/// extension (`转 123`, `ext. 5`) cut off. `None` when fewer than three digits remain.
pub fn phone_digits(text: &str) -> Option<String> {
    let mut digits = String::new();
    for c in text.chars().map(narrow) {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '+' | '(' | ')' | '.' | '/' | '\u{3000}' => {}
            _ if digits.is_empty() => {}
            _ => break,
        }
    }
    let plus = text.trim_start().starts_with('+') || text.trim_start().starts_with('＋');
    let international =
        digits.strip_prefix("0086").or_else(|| digits.strip_prefix("86").filter(|rest| plus || rest.len() == 11));
    // Dialled from abroad, a landline drops its trunk prefix 0 (+86 21 … is 021 …, +86 10 … is
    // 010 …); mobiles (11 digits from 1) and 400/800 service numbers have none.
    let national = match international {
        Some(rest)
            if rest.starts_with('0')
                || (rest.len() == 11 && rest.starts_with('1'))
                || rest.starts_with("400")
                || rest.starts_with("800") =>
        {
            rest.to_string()
        }
        Some(rest) => format!("0{rest}"),
        None => digits,
    };

    (national.len() >= 3).then_some(national)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn chinese_is_indexed_as_characters_and_overlapping_pairs() {
        assert_eq!(index_tokens("华为技术"), set(&["华", "为", "技", "术", "华为", "为技", "技术"]));
    }

    #[test]
    fn a_query_of_one_two_or_more_chinese_characters_needs_its_character_or_its_pairs() {
        assert_eq!(query_tokens("华"), set(&["华"]));
        assert_eq!(query_tokens("华为"), set(&["华为"]));
        assert_eq!(query_tokens("华为技术"), set(&["华为", "为技", "技术"]));
        let doc = index_tokens("深圳华为技术有限公司");
        for q in ["华", "华为", "技术有限", "深圳华为技术有限公司"] {
            assert!(query_tokens(q).is_subset(&doc), "{q}");
        }
        assert!(!query_tokens("腾讯").is_subset(&doc));
    }

    #[test]
    fn english_words_and_numbers_are_lower_cased_words_and_mixed_text_splits_at_script_changes() {
        assert_eq!(index_tokens("Acme Trading Co., Ltd."), set(&["acme", "trading", "co", "ltd"]));
        assert_eq!(
            index_tokens("ACME上海分公司"),
            set(&["acme", "上", "海", "分", "公", "司", "上海", "海分", "分公", "公司"])
        );
        assert_eq!(query_tokens("zhang.san@acme.com"), set(&["zhang", "san", "acme", "com"]));
        assert_eq!(query_tokens("KH202611230001"), set(&["kh202611230001"]));
    }

    #[test]
    fn full_width_letters_and_digits_count_as_ascii() {
        assert_eq!(index_tokens("ＩＢＭ１２３"), set(&["ibm123"]));
    }

    #[test]
    fn punctuation_alone_is_no_query() {
        assert!(query_tokens(" ，。!? ").is_empty());
    }

    #[test]
    fn phone_numbers_normalise_to_their_national_digits() {
        assert_eq!(phone_digits("010-8888 6666").as_deref(), Some("01088886666"));
        assert_eq!(phone_digits("+86 138 0013 8000").as_deref(), Some("13800138000"));
        assert_eq!(phone_digits("0086-21-5555-1234").as_deref(), Some("02155551234"));
        assert_eq!(phone_digits("+86 10 8888 6666").as_deref(), Some("01088886666"));
        assert_eq!(phone_digits("8613800138000").as_deref(), Some("13800138000"));
        assert_eq!(phone_digits("(021) 5555-1234 转 808").as_deref(), Some("02155551234"));
        assert_eq!(phone_digits("１３８００１３８０００").as_deref(), Some("13800138000"));
        assert_eq!(phone_digits("n/a"), None);
    }

    #[test]
    fn landlines_are_also_found_by_their_local_number() {
        assert_eq!(phone_keys("010-8888 6666"), ["01088886666", "88886666"]);
        assert_eq!(phone_keys("0755-2878 0808"), ["075528780808", "28780808"]);
        assert_eq!(phone_keys("138 0013 8000"), ["13800138000"]);
        assert!(phone_keys("转").is_empty());
    }

    #[test]
    fn a_phone_number_in_a_query_is_its_digits_however_grouped() {
        assert_eq!(query_tokens("0755-2878 0808"), set(&["075528780808"]));
        assert_eq!(query_tokens("2878 0808"), set(&["28780808"]));
        assert_eq!(query_tokens("0755 华为"), set(&["0755", "华为"]));
    }

    #[test]
    fn a_document_holds_every_text_and_the_digits_of_its_phones() {
        let doc = document(&[Some("上海贝尔"), None], &[Some("021-5555 1234")]);
        let tokens: BTreeSet<String> = doc.split(' ').map(str::to_string).collect();
        for t in ["贝尔", "5555", "02155551234", "55551234"] {
            assert!(tokens.contains(t), "{t} in {doc}");
        }
    }
}
