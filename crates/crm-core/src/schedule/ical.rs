//! Events as iCalendar (RFC 5545), for calendar apps that subscribe to a user's feed (INT-4).
//! Times are written in UTC (`Z`), so no time-zone definitions are needed.

use chrono::{DateTime, Utc};

use super::Event;
use crate::customers::vcard::{escape, push_line};

fn utc(at: &DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A whole calendar named `name` with one VEVENT per event; lines folded and ended with CRLF.
pub fn calendar(name: &str, events: &[Event], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    push_line(&mut out, "BEGIN:VCALENDAR");
    push_line(&mut out, "VERSION:2.0");
    push_line(&mut out, "PRODID:-//crm//schedule//ZH");
    push_line(&mut out, "CALSCALE:GREGORIAN");
    push_line(&mut out, "METHOD:PUBLISH");
    push_line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        push_line(&mut out, "BEGIN:VEVENT");
        push_line(&mut out, &format!("UID:{}@crm", e.id));
        push_line(&mut out, &format!("DTSTAMP:{}", utc(&now)));
        push_line(&mut out, &format!("DTSTART:{}", utc(&e.starts_at)));
        push_line(&mut out, &format!("DTEND:{}", utc(&e.ends_at)));
        push_line(&mut out, &format!("LAST-MODIFIED:{}", utc(&e.updated_at)));
        // Calendar apps replace their copy of an event when its sequence grows.
        push_line(&mut out, &format!("SEQUENCE:{}", e.version - 1));
        push_line(&mut out, &format!("SUMMARY:{}", escape(&e.title)));
        if let Some(location) = &e.location {
            push_line(&mut out, &format!("LOCATION:{}", escape(location)));
        }
        if let Some(notes) = &e.notes {
            push_line(&mut out, &format!("DESCRIPTION:{}", escape(notes)));
        }
        push_line(&mut out, &format!("CATEGORIES:{}", e.kind.code().to_uppercase()));
        push_line(&mut out, "END:VEVENT");
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::EventKind;
    use uuid::Uuid;

    fn event(title: &str, notes: Option<&str>) -> Event {
        let at: DateTime<Utc> = "2026-03-02T02:00:00Z".parse().unwrap();
        Event {
            id: Uuid::nil(),
            division_id: Uuid::nil(),
            title: title.into(),
            kind: EventKind::Meeting,
            starts_at: at,
            ends_at: at + chrono::Duration::hours(1),
            location: None,
            notes: notes.map(str::to_string),
            customer_id: None,
            customer: None,
            attendee_ids: Vec::new(),
            attendees: Vec::new(),
            created_by: None,
            creator: None,
            created_at: at,
            updated_at: at,
            version: 2,
        }
    }

    #[test]
    fn events_are_written_in_utc_with_their_text_escaped() {
        let now: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().unwrap();
        let text = calendar("张三", &[event("报价; 合同, 签字\\", Some("第一行\n第二行"))], now);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"), "{text}");
        assert!(text.contains("\r\nDTSTART:20260302T020000Z\r\nDTEND:20260302T030000Z\r\n"), "{text}");
        assert!(text.contains("\r\nSUMMARY:报价\\; 合同\\, 签字\\\\\r\n"), "{text}");
        assert!(text.contains("\r\nDESCRIPTION:第一行\\n第二行\r\n"), "{text}");
        assert!(text.contains("\r\nSEQUENCE:1\r\n") && text.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let text = calendar("x", &[event(&"客户".repeat(40), None)], Utc::now());
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let summary = text.split("\r\n").skip_while(|l| !l.starts_with("SUMMARY:")).take(3).collect::<Vec<_>>();
        assert!(summary[1].starts_with(' ') && summary[2].starts_with(' '), "{summary:?}");
    }
}
