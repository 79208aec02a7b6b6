//! The calendar (TSK-2): a month as a table of days, a week or a day as lists, for oneself or
//! the team; the event form with the overlap warning and "save anyway"; the feed address and
//! the feed itself (`/calendar/{token}.ics`, no sign-in: the token is the key).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::listing::{ListRequest, MAX_LIMIT};
use crm_core::patch::Patch;
use crm_core::schedule::actions as schedule;
use crm_core::schedule::{Conflict, Event, EventInput, EventKind, EventPatchInput};

use super::customer_choices;
use crate::http::AppState;
use crate::http::api::schedule::feed_path;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::customers::{code_choices, colleagues};
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, deleted, href, see_other, typed_time};
use crate::http::web::session::WebUser;

/// How much of the calendar one page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Day,
    Week,
    Month,
}

impl Span {
    const ALL: [Span; 3] = [Span::Day, Span::Week, Span::Month];

    fn code(self) -> &'static str {
        match self {
            Span::Day => "day",
            Span::Week => "week",
            Span::Month => "month",
        }
    }

    fn parse(text: &str) -> Self {
        Self::ALL.into_iter().find(|s| s.code() == text).unwrap_or(Span::Week)
    }

    /// The days shown around `date`: `[first, end)`. A month is shown in whole weeks from Monday.
    fn days(self, date: NaiveDate) -> (NaiveDate, NaiveDate) {
        let monday = |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
        match self {
            Span::Day => (date, date + Duration::days(1)),
            Span::Week => (monday(date), monday(date) + Duration::days(7)),
            Span::Month => {
                let first = date.with_day(1).unwrap_or(date);
                let next = first + Months::new(1);
                (monday(first), monday(next + Duration::days(6)))
            }
        }
    }

    /// The date the previous (`-1`) or next (`1`) page shows.
    fn step(self, date: NaiveDate, direction: i32) -> NaiveDate {
        match (self, direction < 0) {
            (Span::Day, back) => date + Duration::days(if back { -1 } else { 1 }),
            (Span::Week, back) => date + Duration::days(if back { -7 } else { 7 }),
            (Span::Month, true) => date - Months::new(1),
            (Span::Month, false) => date + Months::new(1),
        }
    }
}

/// The instant a day starts in the user's time zone.
fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight).earliest().map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// One event as a day shows it.
struct Slot {
    id: Uuid,
    title: String,
    kind: EventKind,
    /// `09:00–10:00` in the user's time zone; the day's part of an event over several days.
    hours: String,
}

struct Day {
    date: NaiveDate,
    /// Outside the month a month view shows (its first and last week's other days).
    outside: bool,
    today: bool,
    slots: Vec<Slot>,
}

/// The days of `[first, end)` with the events of each, in the user's time zone.
fn lay_out(tz: Tz, span: Span, date: NaiveDate, first: NaiveDate, end: NaiveDate, events: &[Event]) -> Vec<Day> {
    let today = Utc::now().with_timezone(&tz).date_naive();
    first
        .iter_days()
        .take_while(|d| *d < end)
        .map(|d| {
            let (starts, ends) = (day_start(tz, d), day_start(tz, d + Duration::days(1)));
            let slots = events
                .iter()
                .filter(|e| e.starts_at < ends && e.ends_at > starts)
                .map(|e| {
                    let from = e.starts_at.max(starts).with_timezone(&tz).format("%H:%M");
                    let to = if e.ends_at >= ends {
                        "24:00".to_string()
                    } else {
                        e.ends_at.with_timezone(&tz).format("%H:%M").to_string()
                    };
                    Slot { id: e.id, title: e.title.clone(), kind: e.kind, hours: format!("{from}–{to}") }
                })
                .collect();
            Day { date: d, outside: span == Span::Month && d.month() != date.month(), today: d == today, slots }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "schedule/calendar.html")]
struct CalendarPage {
    l: Layout,
    span: String,
    who: String,
    date: NaiveDate,
    spans: Vec<Choice>,
    days: Vec<Day>,
    weekdays: Vec<String>,
    previous: String,
    next: String,
    today: String,
    /// More events than one page holds were in the period.
    truncated: bool,
    has_feed: bool,
    /// The feed address just made, shown this once.
    new_feed: Option<String>,
    can_create: bool,
}

impl CalendarPage {
    fn link(&self, span: &str, who: &str, date: &NaiveDate) -> String {
        href("/calendar", &[("view", span), ("who", who), ("date", &date.to_string())])
    }

    fn weeks(&self) -> Vec<&[Day]> {
        self.days.chunks(7).collect()
    }
}

async fn render_calendar(
    state: &AppState,
    web: &WebUser,
    query: &FormData,
    new_feed: Option<String>,
) -> Result<Response, AppError> {
    let tz = layout::time_zone(&web.actor.time_zone);
    let span = Span::parse(query.get("view"));
    let who = if query.get("who") == "team" { "team" } else { "me" };
    let date = NaiveDate::parse_from_str(query.get("date"), "%Y-%m-%d")
        .unwrap_or_else(|_| Utc::now().with_timezone(&tz).date_naive());
    let (first, end) = span.days(date);
    let mut req = ListRequest::first("starts_at", MAX_LIMIT);
    req.filters.push(("from".into(), day_start(tz, first).to_rfc3339()));
    req.filters.push(("to".into(), day_start(tz, end).to_rfc3339()));
    if let (Some(me), "me") = (web.actor.user_id, who) {
        req.filters.push(("attendee_id".into(), me.to_string()));
    }
    let page = schedule::list_events(&state.db, &web.actor, &req).await?;
    let mut calendar = CalendarPage {
        l: Layout::new(web, "calendar-title"),
        span: span.code().into(),
        who: who.into(),
        date,
        spans: Span::ALL.iter().map(|s| Choice::new(s.code(), web.lang.t(&format!("calendar-{}", s.code())))).collect(),
        days: lay_out(tz, span, date, first, end, &page.items),
        weekdays: (1..=7).map(|n| web.lang.t(&format!("calendar-weekday-{n}"))).collect(),
        previous: String::new(),
        next: String::new(),
        today: String::new(),
        truncated: page.next_cursor.is_some(),
        has_feed: new_feed.is_some() || schedule::has_feed(&state.db, &web.actor).await?,
        new_feed,
        can_create: web.actor.can(Module::Schedule, Action::Create),
    };
    calendar.previous = calendar.link(span.code(), who, &span.step(date, -1));
    calendar.next = calendar.link(span.code(), who, &span.step(date, 1));
    calendar.today = calendar.link(span.code(), who, &Utc::now().with_timezone(&tz).date_naive());
    layout::ok(&calendar)
}

pub async fn show(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    render_calendar(&state, &web, &FormData(query), None).await
}

/// Makes a new feed address and shows it on the calendar page, this once.
pub async fn reset_feed(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let token = schedule::reset_feed(&state.db, &web.actor).await?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    let url = format!("{scheme}://{host}{}", feed_path(&token));
    render_calendar(&state, &web, &FormData::default(), Some(url)).await
}

/// `/calendar/{token}.ics`: the user's events for calendar apps; a wrong token is not found.
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, AppError> {
    let token = file.strip_suffix(".ics").ok_or(Error::NotFound)?;
    let text = schedule::feed(&state.db, token, Utc::now()).await?;
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], text)
        .into_response())
}

#[derive(Template)]
#[template(path = "schedule/event_form.html")]
struct FormPage {
    l: Layout,
    form: FormState,
    event: Option<Event>,
    kinds: Vec<Choice>,
    customers: Vec<Choice>,
    /// People to invite; empty for who may not list colleagues (they attend alone).
    people: Vec<Choice>,
    /// The events the form's period overlaps, when it was refused for them.
    conflicts: Vec<Conflict>,
    can_delete: bool,
}

impl FormPage {
    async fn new(
        state: &AppState,
        web: &WebUser,
        form: FormState,
        event: Option<Event>,
        conflicts: Vec<Conflict>,
    ) -> Result<Self, AppError> {
        let actor = &web.actor;
        let customers = customer_choices(state, actor).await?;
        let title = if event.is_some() { "events-record" } else { "events-new" };
        Ok(Self {
            l: Layout::new(web, title).with_fields("event"),
            form,
            kinds: code_choices(web.lang, "event-kind", EventKind::ALL.iter().map(|k| k.code())),
            customers,
            people: colleagues(state, actor).await?.into_iter().map(|c| c.choice).collect(),
            conflicts,
            can_delete: event.as_ref().is_some_and(|e| schedule::deletes(actor, e.created_by)),
            event,
        })
    }

    fn action(&self) -> String {
        self.event.as_ref().map_or_else(|| "/events".into(), |e| format!("/events/{}", e.id))
    }
}

fn values_of(e: &Event, l: &Layout) -> FormState {
    let mut values = vec![
        ("title".to_string(), e.title.clone()),
        ("kind".to_string(), e.kind.code().to_string()),
        ("starts_at".to_string(), l.local_input(&e.starts_at)),
        ("ends_at".to_string(), l.local_input(&e.ends_at)),
        ("customer_id".to_string(), e.customer_id.map(|c| c.to_string()).unwrap_or_default()),
        ("location".to_string(), e.location.clone().unwrap_or_default()),
        ("notes".to_string(), e.notes.clone().unwrap_or_default()),
        ("version".to_string(), e.version.to_string()),
    ];
    values.extend(e.attendee_ids.iter().map(|a| ("attendee_ids".to_string(), a.to_string())));
    FormState::new(values)
}

pub async fn new(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let l = Layout::new(&web, "events-new");
    let tz = l.tz;
    let day = NaiveDate::parse_from_str(query.get("date"), "%Y-%m-%d").ok();
    let starts = match day.and_then(|d| d.and_hms_opt(9, 0, 0)).and_then(|t| tz.from_local_datetime(&t).earliest()) {
        Some(t) => t.with_timezone(&Utc),
        None => Utc::now() + Duration::hours(1),
    };
    let mut values = vec![
        ("kind".to_string(), EventKind::Appointment.code().to_string()),
        ("starts_at".to_string(), l.local_input(&starts)),
        ("ends_at".to_string(), l.local_input(&(starts + Duration::hours(1)))),
        ("customer_id".to_string(), query.get("customer_id").to_string()),
    ];
    values.extend(web.actor.user_id.map(|me| ("attendee_ids".to_string(), me.to_string())));
    layout::ok(&FormPage::new(&state, &web, FormState::new(values), None, Vec::new()).await?)
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let event = schedule::get_event(&state.db, &web.actor, parse_id(&id)?).await?;
    let page = FormPage::new(&state, &web, FormState::default(), Some(event), Vec::new()).await?;
    let form = page.event.as_ref().map(|e| values_of(e, &page.l)).unwrap_or_default();
    layout::ok(&FormPage { form, ..page })
}

/// The attendees ticked, none meaning "keep" (or the organiser alone for a new event).
fn attendees(form: &FormData) -> Result<Option<Vec<Uuid>>, crm_core::FieldError> {
    let ids = form
        .all("attendee_ids")
        .iter()
        .map(|v| Uuid::parse_str(v).map_err(|_| crm_core::FieldError::new("attendee_ids", "invalid_id")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((!ids.is_empty()).then_some(ids))
}

/// After a save: the calendar at the event's day, or the form again with the messages or the
/// overlaps and the button to save anyway.
async fn saved(
    state: &AppState,
    web: &WebUser,
    form: &FormData,
    event: Option<Event>,
    result: Result<Event, Error>,
    flash: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(e) => {
            let day = e.starts_at.with_timezone(&layout::time_zone(&web.actor.time_zone)).date_naive();
            Ok(see_other(&href("/calendar", &[("view", "week"), ("date", &day.to_string())]), flash))
        }
        Err(Error::Overlaps(found)) => {
            let page = FormPage::new(state, web, FormState::from_form(form), event, found).await?;
            layout::render(StatusCode::CONFLICT, &page)
        }
        Err(e) => {
            let refused = FormState::from_form(form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(state, web, refused, event, Vec::new()).await?)
        }
    }
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let tz = layout::time_zone(&web.actor.time_zone);
    let result = match (form.id("customer_id"), attendees(&form)) {
        (Ok(customer_id), Ok(attendee_ids)) => {
            let input = EventInput {
                title: form.get("title").to_string(),
                kind: Some(form.get("kind").to_string()),
                starts_at: typed_time(tz, form.get("starts_at")),
                ends_at: typed_time(tz, form.get("ends_at")),
                attendee_ids,
                customer_id,
                location: Some(form.get("location").to_string()),
                notes: Some(form.get("notes").to_string()),
                division_id: None,
            };
            let confirm = form.get("confirm_conflict") == "true";
            schedule::create_event(&state.db, &web.actor, input, confirm).await
        }
        (Err(e), _) | (_, Err(e)) => Err(Error::Invalid(vec![e])),
    };
    saved(&state, &web, &form, None, result, "created").await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let tz = layout::time_zone(&web.actor.time_zone);
    let result = match (form.id("customer_id"), attendees(&form)) {
        (Ok(customer_id), Ok(attendee_ids)) => {
            let input = EventPatchInput {
                title: Some(form.get("title").to_string()),
                kind: Some(form.get("kind").to_string()),
                starts_at: Some(typed_time(tz, form.get("starts_at"))),
                ends_at: Some(typed_time(tz, form.get("ends_at"))),
                attendee_ids,
                customer_id: customer_id.map_or(Patch::Clear, Patch::Set),
                location: Patch::Set(form.get("location").to_string()),
                notes: Patch::Set(form.get("notes").to_string()),
            };
            let confirm = form.get("confirm_conflict") == "true";
            schedule::update_event(&state.db, &web.actor, id, form.version(), input, confirm).await
        }
        (Err(e), _) | (_, Err(e)) => Err(Error::Invalid(vec![e])),
    };
    let event = match &result {
        Ok(_) => None,
        Err(_) => Some(schedule::get_event(&state.db, &web.actor, id).await?),
    };
    saved(&state, &web, &form, event, result, "saved").await
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    deleted(schedule::delete_event(&state.db, &web.actor, id).await, "/calendar", &format!("/events/{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_month_is_shown_in_whole_weeks_from_monday() {
        // March 2026 starts on a Sunday and ends on a Tuesday.
        assert_eq!(Span::Month.days(day("2026-03-15")), (day("2026-02-23"), day("2026-04-06")));
        assert_eq!(Span::Week.days(day("2026-03-15")), (day("2026-03-09"), day("2026-03-16")));
        assert_eq!(Span::Month.step(day("2026-01-31"), 1), day("2026-02-28"));
    }

    #[test]
    fn an_event_shows_on_the_days_of_the_users_time_zone() {
        let tz = chrono_tz::Asia::Shanghai;
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
        let event = Event {
            id: Uuid::nil(),
            division_id: Uuid::nil(),
            title: "晚间电话".into(),
            kind: EventKind::Call,
            starts_at: at("2026-03-02T15:30:00Z"),
            ends_at: at("2026-03-02T16:30:00Z"),
            location: None,
            notes: None,
            customer_id: None,
            customer: None,
            attendee_ids: Vec::new(),
            attendees: Vec::new(),
            created_by: None,
            creator: None,
            created_at: at("2026-03-01T00:00:00Z"),
            updated_at: at("2026-03-01T00:00:00Z"),
            version: 1,
        };
        let days = lay_out(tz, Span::Week, day("2026-03-02"), day("2026-03-02"), day("2026-03-05"), &[event]);
        // 23:30–00:30 in Shanghai: the end of the 2nd and the start of the 3rd.
        assert_eq!(days[0].slots[0].hours, "23:30–24:00");
        assert_eq!(days[1].slots[0].hours, "00:00–00:30");
        assert!(days[2].slots.is_empty());
    }
}
