//! Use cases of tasks, events and calendar feeds, called alike from the API and the web pages.
//! Each starts with the policy check and reads through the actor's scope; a linked record the
//! actor cannot see is a field error naming the link.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{
    Booking, Conflict, Event, EventInput, EventPatch, EventPatchInput, NewEvent, NewTask, Range, Task, TaskAssignInput,
    TaskInput, TaskPatch, TaskPatchInput, TaskStatus, ical,
};
use crate::access::actions::actor_for;
use crate::access::{Action, Actor, AuditStamp, Module, Scope, hash_token, new_token};
use crate::customers::Ref;
use crate::customers::actions::{check_owner, missing};
use crate::error::{Error, FieldError};
use crate::listing::{ListRequest, MAX_LIMIT, Page};
use crate::store::{Store, StoreError};

/// The views of the task list (`view=`): a preset filter each. `team` is everything the
/// actor's scope shows: a director's divisions, an executive's company.
pub const TASK_VIEWS: [&str; 3] = ["mine", "team", "overdue"];

/// The request with its `view` and `overdue` filters turned into the store's filters.
fn task_filters(actor: &Actor, req: &ListRequest, now: DateTime<Utc>) -> Result<ListRequest, Error> {
    let mut out = req.clone();
    out.filters.retain(|(name, _)| !matches!(name.as_str(), "view" | "overdue"));
    let mut overdue = matches!(req.filter("overdue"), Some("true" | "1"));
    match req.filter("view") {
        None | Some("" | "team") => {}
        Some("mine") => {
            let me = actor.user_id.map(|u| u.to_string()).unwrap_or_default();
            out.filters.push(("owner_id".into(), me));
        }
        Some("overdue") => overdue = true,
        Some(_) => {
            return Err(Error::Invalid(vec![FieldError::with_param("view", "invalid_choice", TASK_VIEWS.join(","))]));
        }
    }
    if overdue {
        out.filters.push(("status".into(), TaskStatus::Open.code().into()));
        out.filters.push(("due_before".into(), now.to_rfc3339()));
    }
    Ok(out)
}

pub async fn list_tasks<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Task>, Error> {
    actor.require(Module::Schedule, Action::View)?;
    let req = task_filters(actor, req, Utc::now())?;
    Ok(store.list_tasks(&actor.scope(), &req).await?)
}

pub async fn get_task<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Task, Error> {
    actor.require(Module::Schedule, Action::View)?;
    Ok(store.get_task(&actor.scope(), id).await?)
}

/// The division of the records a task links to, each of which the actor must see: the first
/// link's, customer before opportunity before service request.
async fn linked_division<S: Store>(
    store: &S,
    actor: &Actor,
    customer_id: Option<Uuid>,
    opportunity_id: Option<Uuid>,
    service_request_id: Option<Uuid>,
) -> Result<Option<Uuid>, Error> {
    let scope = actor.scope();
    let mut divisions = Vec::new();
    if let Some(id) = customer_id {
        divisions.push(store.get_customer(&scope, id).await.map_err(missing("customer_id"))?.division_id);
    }
    if let Some(id) = opportunity_id {
        divisions.push(store.get_opportunity(&scope, id).await.map_err(missing("opportunity_id"))?.division_id);
    }
    if let Some(id) = service_request_id {
        divisions.push(store.get_service_request(&scope, id).await.map_err(missing("service_request_id"))?.division_id);
    }
    Ok(divisions.first().copied())
}

/// The first division of `user` that the actor's scope reaches, for a record linked to none.
async fn home_division<S: Store>(store: &S, actor: &Actor, user: Uuid, field: &str) -> Result<Uuid, Error> {
    let divisions = if Some(user) == actor.user_id {
        actor.division_ids.clone()
    } else {
        match store.get_user(&Scope::everything(), user).await {
            Ok(u) => u.division_ids,
            Err(StoreError::NotFound) => return Err(Error::invalid(field, "not_found")),
            Err(other) => return Err(other.into()),
        }
    };
    let scope = actor.scope();
    divisions.into_iter().find(|d| scope.allows_division(*d)).ok_or_else(|| Error::invalid(field, "not_in_division"))
}

/// A division given in the input must be one the actor works in.
fn chosen_division(actor: &Actor, division_id: Uuid) -> Result<Uuid, Error> {
    if actor.scope().allows_division(division_id) {
        Ok(division_id)
    } else {
        Err(Error::invalid("division_id", "not_found"))
    }
}

/// Who may own a task (TSK-4): oneself, with the right of the step (`own_right`); anyone else
/// needs `schedule.assign`, which a director holds for their divisions and an executive for
/// every division. The owner must be an active member of the task's division. The one check
/// of every assignment, at creation and by `assign`.
async fn check_assignment<S: Store>(
    store: &S,
    actor: &Actor,
    owner_id: Uuid,
    division_id: Uuid,
    own_right: Action,
) -> Result<(), Error> {
    let right = if Some(owner_id) == actor.user_id { own_right } else { Action::Assign };
    actor.require(Module::Schedule, right)?;
    if !actor.scope().allows_division(division_id) {
        return Err(Error::invalid("owner_id", "not_in_division"));
    }
    match check_owner(store, actor, owner_id, division_id).await? {
        Some(e) => Err(Error::Invalid(vec![e])),
        None => Ok(()),
    }
}

/// Creates a task (TSK-1) for the actor or, with `schedule.assign`, for someone else (TSK-4).
pub async fn create_task<S: Store>(store: &S, actor: &Actor, input: TaskInput) -> Result<Task, Error> {
    if !actor.can(Module::Schedule, Action::Assign) {
        actor.require(Module::Schedule, Action::Create)?;
    }
    let new = NewTask::parse(input)?;
    let owner_id = new.owner_id.or(actor.user_id).ok_or_else(|| Error::invalid("owner_id", "required"))?;
    let division_id =
        match linked_division(store, actor, new.customer_id, new.opportunity_id, new.service_request_id).await? {
            Some(d) => d,
            None => match new.division_id {
                Some(d) => chosen_division(actor, d)?,
                None => home_division(store, actor, owner_id, "owner_id").await?,
            },
        };
    check_assignment(store, actor, owner_id, division_id, Action::Create).await?;
    let stamp = AuditStamp::of(actor);
    let unnamed = |id: Uuid| Ref { id, label: String::new() };
    let task = Task {
        id: Uuid::now_v7(),
        division_id,
        title: new.title,
        notes: new.notes,
        owner_id,
        owner: unnamed(owner_id),
        due_at: new.due_at,
        priority: new.priority,
        status: TaskStatus::Open,
        customer_id: new.customer_id,
        customer: None,
        opportunity_id: new.opportunity_id,
        opportunity: None,
        service_request_id: new.service_request_id,
        service_request: None,
        created_by: actor.user_id,
        creator: None,
        completed_at: None,
        created_at: stamp.at,
        updated_at: stamp.at,
        version: 1,
    }
    .with_status(new.status, stamp.at);
    Ok(store.create_task(&task, &stamp).await?)
}

/// The task as read before a change: visible, at the caller's version.
async fn current_task<S: Store>(store: &S, actor: &Actor, id: Uuid, version: Option<i64>) -> Result<Task, Error> {
    let t = store.get_task(&actor.scope(), id).await?;
    if version.is_some_and(|v| v != t.version) {
        return Err(Error::StaleVersion);
    }
    Ok(t)
}

pub async fn update_task<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: TaskPatchInput,
) -> Result<Task, Error> {
    actor.require(Module::Schedule, Action::Edit)?;
    let patch = TaskPatch::parse(input)?;
    let old = current_task(store, actor, id, version).await?;
    let set = |p: &crate::patch::Patch<Uuid>| match p {
        crate::patch::Patch::Set(id) => Some(*id),
        _ => None,
    };
    linked_division(store, actor, set(&patch.customer_id), set(&patch.opportunity_id), set(&patch.service_request_id))
        .await?;
    let stamp = AuditStamp::of(actor);
    Ok(store.save_task(&old, &patch.apply(&old, stamp.at), "update", &stamp).await?)
}

/// Marks an open task done.
pub async fn complete_task<S: Store>(store: &S, actor: &Actor, id: Uuid, version: Option<i64>) -> Result<Task, Error> {
    actor.require(Module::Schedule, Action::Edit)?;
    let old = current_task(store, actor, id, version).await?;
    if old.status != TaskStatus::Open {
        return Err(Error::InvalidState { state: old.status.code().into() });
    }
    let stamp = AuditStamp::of(actor);
    Ok(store.save_task(&old, &old.with_status(TaskStatus::Done, stamp.at), "complete", &stamp).await?)
}

/// Gives a task to a new owner (TSK-4): taking it oneself needs `schedule.edit`, giving it to
/// someone else `schedule.assign`.
pub async fn assign_task<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: TaskAssignInput,
) -> Result<Task, Error> {
    if !actor.can(Module::Schedule, Action::Assign) {
        actor.require(Module::Schedule, Action::Edit)?;
    }
    let owner_id = input.owner_id.ok_or_else(|| Error::invalid("owner_id", "required"))?;
    let old = current_task(store, actor, id, version).await?;
    check_assignment(store, actor, owner_id, old.division_id, Action::Edit).await?;
    let stamp = AuditStamp::of(actor);
    let new = Task { owner_id, updated_at: stamp.at, ..old.clone() };
    store.save_task(&old, &new, "assign", &stamp).await?;
    // The new owner may be someone else: an own-scope assigner reads the result as the system would.
    Ok(store.get_task(&actor.division_scope(), id).await?)
}

/// Who may delete a task or an event: whoever holds `schedule.delete`, and who made it with
/// `schedule.edit` (a manager takes back their own task or appointment).
pub fn deletes(actor: &Actor, created_by: Option<Uuid>) -> bool {
    actor.can(Module::Schedule, Action::Delete)
        || (actor.can(Module::Schedule, Action::Edit) && actor.user_id.is_some() && created_by == actor.user_id)
}

fn may_delete(actor: &Actor, created_by: Option<Uuid>) -> Result<(), Error> {
    if deletes(actor, created_by) { Ok(()) } else { Err(Error::Forbidden("schedule.delete".into())) }
}

pub async fn delete_task<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    if !actor.can(Module::Schedule, Action::Delete) {
        actor.require(Module::Schedule, Action::Edit)?;
    }
    let old = current_task(store, actor, id, None).await?;
    may_delete(actor, old.created_by)?;
    Ok(store.delete_task(&old, &AuditStamp::of(actor)).await?)
}

// ---- events ---------------------------------------------------------------------------------

/// Events that overlap `[from, to)` (both required, at most `Range::MAX_DAYS` apart), of one
/// attendee (`attendee_id`) or division (`division_id`), as far as the actor may see.
pub async fn list_events<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Event>, Error> {
    actor.require(Module::Schedule, Action::View)?;
    let range = Range::parse(req.filter("from"), req.filter("to"))?;
    let mut rest = req.clone();
    rest.filters.retain(|(name, _)| !matches!(name.as_str(), "from" | "to"));
    Ok(store.list_events(&actor.scope(), range, &rest).await?)
}

pub async fn get_event<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Event, Error> {
    actor.require(Module::Schedule, Action::View)?;
    Ok(store.get_event(&actor.scope(), id).await?)
}

/// Attendees must be active users of the actor's divisions.
async fn check_attendees<S: Store>(store: &S, actor: &Actor, attendees: &[Uuid]) -> Result<(), Error> {
    let scope = actor.division_scope();
    for id in attendees {
        if Some(*id) == actor.user_id {
            continue;
        }
        match store.get_user(&scope, *id).await {
            Ok(user) if user.frozen => return Err(Error::invalid("attendee_ids", "frozen_user")),
            Ok(_) => {}
            Err(StoreError::NotFound) => return Err(Error::invalid("attendee_ids", "not_found")),
            Err(other) => return Err(other.into()),
        }
    }
    Ok(())
}

/// Whether the actor may read the event a conflict names.
fn reveals(scope: &Scope, c: &Conflict) -> bool {
    scope.allows_division(c.division_id)
        && scope.owner_id.is_none_or(|me| c.created_by == Some(me) || c.attendee_id == me)
}

/// The event written, or its clashes refused (TSK-2), each named as far as the actor may read
/// the other event; the caller may confirm and save anyway.
fn booked(actor: &Actor, booking: Booking) -> Result<Event, Error> {
    match booking {
        Booking::Booked(event) => Ok(*event),
        Booking::Clashes(mut found) => {
            let scope = actor.scope();
            for c in &mut found {
                if !reveals(&scope, c) {
                    c.title = None;
                }
            }
            Err(Error::Overlaps(found))
        }
    }
}

/// Puts an appointment, call or meeting in the calendar (TSK-2). One that overlaps another of
/// the same attendees is refused with the clashes unless `confirm`ed.
pub async fn create_event<S: Store>(
    store: &S,
    actor: &Actor,
    input: EventInput,
    confirm: bool,
) -> Result<Event, Error> {
    actor.require(Module::Schedule, Action::Create)?;
    let new = NewEvent::parse(input)?;
    let attendee_ids = match (new.attendee_ids.is_empty(), actor.user_id) {
        (false, _) => new.attendee_ids,
        (true, Some(me)) => vec![me],
        (true, None) => return Err(Error::invalid("attendee_ids", "required")),
    };
    check_attendees(store, actor, &attendee_ids).await?;
    let division_id = match new.customer_id {
        Some(id) => store.get_customer(&actor.scope(), id).await.map_err(missing("customer_id"))?.division_id,
        None => match (new.division_id, actor.user_id) {
            (Some(d), _) => chosen_division(actor, d)?,
            (None, Some(me)) => home_division(store, actor, me, "division_id").await?,
            (None, None) => return Err(Error::invalid("division_id", "required")),
        },
    };
    let stamp = AuditStamp::of(actor);
    let event = Event {
        id: Uuid::now_v7(),
        division_id,
        title: new.title,
        kind: new.kind,
        starts_at: new.starts_at,
        ends_at: new.ends_at,
        location: new.location,
        notes: new.notes,
        customer_id: new.customer_id,
        customer: None,
        attendee_ids,
        attendees: Vec::new(),
        created_by: actor.user_id,
        creator: None,
        created_at: stamp.at,
        updated_at: stamp.at,
        version: 1,
    };
    booked(actor, store.create_event(&event, !confirm, &stamp).await?)
}

async fn current_event<S: Store>(store: &S, actor: &Actor, id: Uuid, version: Option<i64>) -> Result<Event, Error> {
    let e = store.get_event(&actor.scope(), id).await?;
    if version.is_some_and(|v| v != e.version) {
        return Err(Error::StaleVersion);
    }
    Ok(e)
}

/// Changes an event; moving it (times or attendees) is checked for overlaps like a new one.
pub async fn update_event<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: EventPatchInput,
    confirm: bool,
) -> Result<Event, Error> {
    actor.require(Module::Schedule, Action::Edit)?;
    let patch = EventPatch::parse(input)?;
    let old = current_event(store, actor, id, version).await?;
    let stamp = AuditStamp::of(actor);
    let new = patch.apply(&old, stamp.at)?;
    if let Some(attendees) = &patch.attendee_ids {
        check_attendees(store, actor, attendees).await?;
    }
    if let crate::patch::Patch::Set(customer) = patch.customer_id {
        store.get_customer(&actor.scope(), customer).await.map_err(missing("customer_id"))?;
    }
    booked(actor, store.save_event(&old, &new, patch.moves() && !confirm, &stamp).await?)
}

pub async fn delete_event<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    if !actor.can(Module::Schedule, Action::Delete) {
        actor.require(Module::Schedule, Action::Edit)?;
    }
    let old = current_event(store, actor, id, None).await?;
    may_delete(actor, old.created_by)?;
    Ok(store.delete_event(&old, &AuditStamp::of(actor)).await?)
}

// ---- iCalendar feed -------------------------------------------------------------------------

/// How far back and ahead the feed reaches: calendar apps keep what they read before.
const FEED_PAST_DAYS: i64 = 90;
const FEED_FUTURE_DAYS: i64 = 270;

/// Gives the actor a new secret feed address (the token of `/calendar/{token}.ics`); the old
/// one stops working. Only the token's hash is kept, so it is shown this once.
pub async fn reset_feed<S: Store>(store: &S, actor: &Actor) -> Result<String, Error> {
    actor.require(Module::Schedule, Action::View)?;
    let user = actor.user_id.ok_or_else(|| Error::Forbidden("schedule.view".into()))?;
    let token = new_token();
    store.set_calendar_feed(user, &hash_token(&token), &AuditStamp::of(actor)).await?;
    Ok(token)
}

pub async fn has_feed<S: Store>(store: &S, actor: &Actor) -> Result<bool, Error> {
    actor.require(Module::Schedule, Action::View)?;
    match actor.user_id {
        Some(user) => Ok(store.has_calendar_feed(user).await?),
        None => Ok(false),
    }
}

/// The calendar of the feed's user as iCalendar text: the events they attend, read with their
/// rights of today. An unknown token, or a frozen user or one without the right, is not found.
pub async fn feed<S: Store>(store: &S, token: &str, now: DateTime<Utc>) -> Result<String, Error> {
    let user_id = store.calendar_feed_user(&hash_token(token)).await?.ok_or(Error::NotFound)?;
    let user = store.get_user(&Scope::everything(), user_id).await?;
    if user.frozen {
        return Err(Error::NotFound);
    }
    let name = user.display_name.clone().unwrap_or_else(|| user.username.clone());
    let actor = actor_for(store, user).await?;
    if !actor.can(Module::Schedule, Action::View) {
        return Err(Error::NotFound);
    }
    let range = Range { from: now - Duration::days(FEED_PAST_DAYS), to: now + Duration::days(FEED_FUTURE_DAYS) };
    let mut req = ListRequest::first("starts_at", MAX_LIMIT);
    req.filters.push(("attendee_id".into(), user_id.to_string()));
    let mut events = Vec::new();
    loop {
        let page = store.list_events(&actor.scope(), range, &req).await?;
        events.extend(page.items);
        if !req.advance(page.next_cursor.as_deref())? {
            break;
        }
    }
    Ok(ical::calendar(&name, &events, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::DataScope;

    #[test]
    fn the_mine_and_overdue_views_become_filters() {
        let me = Uuid::now_v7();
        let actor = Actor { user_id: Some(me), data_scope: DataScope::Own, ..Actor::system() };
        let now: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().unwrap();
        let mut req = ListRequest::first("due_at", 10);
        req.filters.push(("view".into(), "mine".into()));
        let out = task_filters(&actor, &req, now).unwrap();
        assert_eq!(out.filters, [("owner_id".to_string(), me.to_string())]);
        req.filters = vec![("view".into(), "overdue".into())];
        let out = task_filters(&actor, &req, now).unwrap();
        assert_eq!(out.filter("status"), Some("open"));
        assert_eq!(out.filter("due_before"), Some("2026-03-01T00:00:00+00:00"));
        req.filters = vec![("view".into(), "later".into())];
        assert!(matches!(task_filters(&actor, &req, now), Err(Error::Invalid(_))));
    }

    #[test]
    fn an_own_scope_reader_sees_the_titles_of_clashes_they_organise_or_attend_only() {
        let (me, other, division) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let scope = Scope { divisions: Some(vec![division]), owner_id: Some(me) };
        let at = Utc::now();
        let clash = |attendee_id, created_by, division_id| Conflict {
            event_id: Uuid::now_v7(),
            title: Some("x".into()),
            starts_at: at,
            ends_at: at,
            attendee_id,
            attendee: String::new(),
            division_id,
            created_by,
        };
        assert!(reveals(&scope, &clash(me, Some(other), division)));
        assert!(reveals(&scope, &clash(other, Some(me), division)));
        assert!(!reveals(&scope, &clash(other, Some(other), division)));
        assert!(!reveals(&scope, &clash(me, Some(me), Uuid::now_v7())));
    }
}
