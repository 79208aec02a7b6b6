//! Contacts as vCard 4.0 (RFC 6350, CUS-10), for phones and mail clients.

use super::{Contact, Gender};

/// Surnames of two characters; every other Chinese name has a one-character surname.
const COMPOUND_SURNAMES: [&str; 20] = [
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕",
    "令狐", "端木", "独孤", "南宫", "西门", "澹台",
];

/// Escapes a text value: backslash, comma, semicolon and line breaks (RFC 6350 §3.4, the
/// same as iCalendar's TEXT, RFC 5545 §3.3.11).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets without splitting a UTF-8 character, and ends it with
/// CRLF (vCard and iCalendar fold alike).
pub(crate) fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// Family and given name: Chinese names start with the surname, Western names end with it.
fn name_parts(name: &str) -> (String, String) {
    let name = name.trim();
    if name.chars().next().is_some_and(|c| !c.is_ascii()) && !name.contains(' ') {
        let surname_len = COMPOUND_SURNAMES
            .iter()
            .find(|s| name.starts_with(*s) && name.chars().count() > 2)
            .map_or(1, |s| s.chars().count());
        let split = name.char_indices().nth(surname_len).map_or(name.len(), |(i, _)| i);
        return (name[..split].to_string(), name[split..].to_string());
    }
    match name.rsplit_once(' ') {
        Some((given, family)) => (family.trim().to_string(), given.trim().to_string()),
        None => (name.to_string(), String::new()),
    }
}

/// One contact as a vCard 4.0, lines folded and ended with CRLF.
pub fn contact(contact: &Contact) -> String {
    let mut out = String::new();
    push_line(&mut out, "BEGIN:VCARD");
    push_line(&mut out, "VERSION:4.0");
    push_line(&mut out, &format!("UID:urn:uuid:{}", contact.id));
    push_line(&mut out, &format!("FN:{}", escape(&contact.name)));
    let (family, given) = name_parts(&contact.name);
    push_line(&mut out, &format!("N:{};{};;;", escape(&family), escape(&given)));
    if let Some(gender) = contact.gender {
        let code = match gender {
            Gender::Male => "M",
            Gender::Female => "F",
        };
        push_line(&mut out, &format!("GENDER:{code}"));
    }
    push_line(&mut out, &format!("ORG:{}", escape(&contact.customer_name)));
    if let Some(title) = &contact.title {
        push_line(&mut out, &format!("TITLE:{}", escape(title)));
    }
    if let Some(phone) = &contact.phone {
        push_line(&mut out, &format!("TEL;TYPE=work,voice:{}", escape(phone)));
    }
    if let Some(mobile) = &contact.mobile {
        push_line(&mut out, &format!("TEL;TYPE=cell:{}", escape(mobile)));
    }
    if let Some(email) = &contact.email {
        push_line(&mut out, &format!("EMAIL;TYPE=work:{}", escape(email)));
    }
    if let Some(birthday) = contact.birthday {
        push_line(&mut out, &format!("BDAY:{}", birthday.format("%Y%m%d")));
    }
    if let Some(notes) = &contact.notes {
        push_line(&mut out, &format!("NOTE:{}", escape(notes)));
    }
    push_line(&mut out, &format!("REV:{}", contact.updated_at.format("%Y%m%dT%H%M%SZ")));
    push_line(&mut out, "END:VCARD");
    out
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    use super::*;

    fn zhang() -> Contact {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 8, 30, 0).unwrap();
        Contact {
            id: Uuid::nil(),
            customer_id: Uuid::nil(),
            customer_name: "北京华为, 有限公司".into(),
            name: "张三".into(),
            gender: Some(Gender::Male),
            title: Some("采购部经理".into()),
            phone: Some("010-8888 6666".into()),
            mobile: Some("13800138000".into()),
            email: Some("zhang.san@example.cn".into()),
            birthday: NaiveDate::from_ymd_opt(1980, 5, 17),
            reports_to_id: None,
            primary: true,
            notes: Some("喜欢喝茶, 不抽烟; 周一不在\n下午联系".into()),
            created_at: at,
            updated_at: at,
            version: 1,
        }
    }

    #[test]
    fn a_contact_becomes_a_vcard_4_with_escaped_text_and_crlf_lines() {
        let card = contact(&zhang());
        let expected = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:00000000-0000-0000-0000-000000000000\r\n\
FN:张三\r\nN:张;三;;;\r\nGENDER:M\r\nORG:北京华为\\, 有限公司\r\nTITLE:采购部经理\r\n\
TEL;TYPE=work,voice:010-8888 6666\r\nTEL;TYPE=cell:13800138000\r\nEMAIL;TYPE=work:zhang.san@example.cn\r\n\
BDAY:19800517\r\nNOTE:喜欢喝茶\\, 不抽烟\\; 周一不在\\n下午联系\r\nREV:20260301T083000Z\r\nEND:VCARD\r\n";
        assert_eq!(card, expected);
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let long = Contact { notes: Some("很".repeat(60)), ..zhang() };
        let card = contact(&long);
        for line in card.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        let unfolded = card.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("NOTE:{}", "很".repeat(60))));
    }

    #[test]
    fn names_split_into_family_and_given_names() {
        assert_eq!(name_parts("欧阳娜娜"), ("欧阳".into(), "娜娜".into()));
        assert_eq!(name_parts("王伟"), ("王".into(), "伟".into()));
        assert_eq!(name_parts("John Smith"), ("Smith".into(), "John".into()));
        assert_eq!(name_parts("Madonna"), ("Madonna".into(), String::new()));
    }

    #[test]
    fn backslashes_and_carriage_returns_are_escaped_once() {
        assert_eq!(escape("a\\b\r\nc\rd"), "a\\\\b\\nc\\nd");
    }
}
