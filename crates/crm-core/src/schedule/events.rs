//! Calendar events (TSK-2): appointments, calls and meetings with their attendees, the range a
//! calendar reads, and the overlaps a new or moved event is warned of.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::customers::Ref;
use crate::error::{Error, FieldError, Validator, optional_text, required_text, required_time};
use crate::patch::Patch;

code_enum! {
    /// 约见, 电话, 会议.
    EventKind { Appointment = "appointment", Call = "call", Meeting = "meeting" }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Event {
    pub id: Uuid,
    /// The customer's division, or the organiser's.
    pub division_id: Uuid,
    pub title: String,
    pub kind: EventKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub notes: Option<String>,
    pub customer_id: Option<Uuid>,
    pub customer: Option<Ref>,
    pub attendee_ids: Vec<Uuid>,
    pub attendees: Vec<Ref>,
    /// The organiser.
    pub created_by: Option<Uuid>,
    pub creator: Option<Ref>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// What writing an event came to: saved, or refused for its clashes with other events.
#[derive(Debug, Clone, PartialEq)]
pub enum Booking {
    Booked(Box<Event>),
    Clashes(Vec<Conflict>),
}

/// An event of an attendee that a new or moved event overlaps. The title is left out when the
/// caller may not read that event: they learn only that the person is busy then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Conflict {
    pub event_id: Uuid,
    pub title: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub attendee_id: Uuid,
    pub attendee: String,
    #[serde(skip)]
    pub division_id: Uuid,
    #[serde(skip)]
    pub created_by: Option<Uuid>,
}

const TITLE_MAX: usize = 200;
const LOCATION_MAX: usize = 200;
const NOTES_MAX: usize = 5000;
/// Attendees of one event.
const ATTENDEES_MAX: usize = 100;

/// Raw input for a new event.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    #[serde(default)]
    pub title: String,
    /// Defaults to `appointment`.
    pub kind: Option<String>,
    /// RFC 3339 with an offset; overlap is checked on the UTC instants.
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    /// Defaults to the organiser alone.
    pub attendee_ids: Option<Vec<Uuid>>,
    pub customer_id: Option<Uuid>,
    pub location: Option<String>,
    pub notes: Option<String>,
    /// For an event with no customer; defaults to the organiser's first division.
    pub division_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub title: String,
    pub kind: EventKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub notes: Option<String>,
    pub customer_id: Option<Uuid>,
    /// Empty: the organiser alone.
    pub attendee_ids: Vec<Uuid>,
    pub division_id: Option<Uuid>,
}

/// The attendees without repeats, in the order given.
fn parse_attendees(ids: Vec<Uuid>) -> Result<Vec<Uuid>, FieldError> {
    let mut unique = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    if unique.len() > ATTENDEES_MAX {
        return Err(FieldError::with_param("attendee_ids", "too_many", ATTENDEES_MAX));
    }
    Ok(unique)
}

/// The end must come after the start.
fn check_period(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<(), Error> {
    if ends_at > starts_at { Ok(()) } else { Err(Error::invalid("ends_at", "not_after_start")) }
}

impl NewEvent {
    pub fn parse(input: EventInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let title = v.check(required_text("title", &input.title, TITLE_MAX));
        let kind = v.check(EventKind::parse_optional("kind", input.kind.as_deref().unwrap_or("")));
        let starts_at = v.check(required_time("starts_at", &input.starts_at));
        let ends_at = v.check(required_time("ends_at", &input.ends_at));
        let location = v.check(optional_text("location", input.location.as_deref().unwrap_or(""), LOCATION_MAX));
        let notes = v.check(optional_text("notes", input.notes.as_deref().unwrap_or(""), NOTES_MAX));
        let attendee_ids = v.check(parse_attendees(input.attendee_ids.unwrap_or_default()));
        v.finish()?;
        let invalid = || Error::invalid("event", "invalid");
        let (starts_at, ends_at) = (starts_at.ok_or_else(invalid)?, ends_at.ok_or_else(invalid)?);
        check_period(starts_at, ends_at)?;
        Ok(Self {
            title: title.ok_or_else(invalid)?,
            kind: kind.ok_or_else(invalid)?.unwrap_or(EventKind::Appointment),
            starts_at,
            ends_at,
            location: location.ok_or_else(invalid)?,
            notes: notes.ok_or_else(invalid)?,
            customer_id: input.customer_id,
            attendee_ids: attendee_ids.ok_or_else(invalid)?,
            division_id: input.division_id,
        })
    }
}

/// Raw input for an update; moving an event (new times or attendees) is checked for overlaps
/// again.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventPatchInput {
    pub title: Option<String>,
    pub kind: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub attendee_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub customer_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub location: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventPatch {
    pub title: Option<String>,
    pub kind: Option<EventKind>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub attendee_ids: Option<Vec<Uuid>>,
    pub customer_id: Patch<Uuid>,
    pub location: Patch<String>,
    pub notes: Patch<String>,
}

impl EventPatch {
    pub fn parse(input: EventPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let patch = Self {
            title: input.title.and_then(|t| v.check(required_text("title", &t, TITLE_MAX))),
            kind: input.kind.and_then(|k| v.check(EventKind::parse("kind", &k))),
            starts_at: input.starts_at.and_then(|t| v.check(required_time("starts_at", &t))),
            ends_at: input.ends_at.and_then(|t| v.check(required_time("ends_at", &t))),
            attendee_ids: input.attendee_ids.and_then(|a| v.check(parse_attendees(a))),
            customer_id: input.customer_id,
            location: v.patch(input.location, |l| optional_text("location", l, LOCATION_MAX)),
            notes: v.patch(input.notes, |n| optional_text("notes", n, NOTES_MAX)),
        };
        v.finish()?;
        Ok(patch)
    }

    /// Whether the event moves: other times or other people, so overlaps are checked again.
    pub fn moves(&self) -> bool {
        self.starts_at.is_some() || self.ends_at.is_some() || self.attendee_ids.is_some()
    }

    pub fn apply(&self, e: &Event, at: DateTime<Utc>) -> Result<Event, Error> {
        let event = Event {
            title: self.title.clone().unwrap_or_else(|| e.title.clone()),
            kind: self.kind.unwrap_or(e.kind),
            starts_at: self.starts_at.unwrap_or(e.starts_at),
            ends_at: self.ends_at.unwrap_or(e.ends_at),
            attendee_ids: self.attendee_ids.clone().unwrap_or_else(|| e.attendee_ids.clone()),
            customer_id: self.customer_id.clone().apply(e.customer_id),
            location: self.location.clone().apply(e.location.clone()),
            notes: self.notes.clone().apply(e.notes.clone()),
            updated_at: at,
            ..e.clone()
        };
        check_period(event.starts_at, event.ends_at)?;
        Ok(event)
    }
}

/// The period a calendar reads: the events that overlap `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Range {
    /// The longest period one request may read.
    pub const MAX_DAYS: i64 = 366;

    /// `from` and `to` as RFC 3339 times or `YYYY-MM-DD` (midnight UTC), both required.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Self, Error> {
        let mut v = Validator::default();
        let from = v.check(bound("from", from.unwrap_or("")));
        let to = v.check(bound("to", to.unwrap_or("")));
        v.finish()?;
        let (Some(from), Some(to)) = (from, to) else { return Err(Error::invalid("from", "invalid")) };
        if to <= from {
            return Err(Error::invalid("to", "not_after_start"));
        }
        if to - from > Duration::days(Self::MAX_DAYS) {
            return Err(Error::Invalid(vec![FieldError::with_param("to", "range_too_long", Self::MAX_DAYS)]));
        }
        Ok(Self { from, to })
    }
}

fn bound(field: &str, value: &str) -> Result<DateTime<Utc>, FieldError> {
    match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
        Ok(day) => day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).ok_or_else(|| FieldError::new(field, "invalid_date")),
        Err(_) => required_time(field, value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_must_end_after_it_starts() {
        let input = EventInput {
            title: "拜访".into(),
            starts_at: "2026-03-02T10:00:00+08:00".into(),
            ends_at: "2026-03-02T10:00:00+08:00".into(),
            ..Default::default()
        };
        let Err(Error::Invalid(errs)) = NewEvent::parse(input) else { panic!("invalid") };
        assert_eq!((errs[0].field.as_str(), errs[0].code.as_str()), ("ends_at", "not_after_start"));
    }

    #[test]
    fn a_range_is_required_and_at_most_a_year_and_a_day() {
        assert!(Range::parse(Some("2026-01-01"), Some("2027-01-02")).is_ok());
        let Err(Error::Invalid(errs)) = Range::parse(Some("2026-01-01"), Some("2027-01-03")) else { panic!() };
        assert_eq!(errs[0].code, "range_too_long");
        let Err(Error::Invalid(errs)) = Range::parse(None, Some("soon")) else { panic!() };
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(fields, [("from", "required"), ("to", "invalid_datetime")]);
    }
}
