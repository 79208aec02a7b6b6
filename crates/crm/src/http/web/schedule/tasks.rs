//! The task list with its views (mine, team, overdue) and filters, and the task page: edit,
//! complete, assign (TSK-4), delete.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use uuid::Uuid;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::patch::Patch;
use crm_core::schedule::actions::{self as schedule, TASK_VIEWS};
use crm_core::schedule::{Priority, Task, TaskAssignInput, TaskInput, TaskPatchInput, TaskStatus};

use super::customer_choices;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::customers::{code_choices, colleagues, of_division};
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, Pager, deleted, list_request, see_other, typed_time};
use crate::http::web::session::WebUser;

#[derive(Template)]
#[template(path = "schedule/tasks.html")]
struct ListPage {
    l: Layout,
    items: Vec<Task>,
    now: chrono::DateTime<Utc>,
    q: String,
    view: String,
    views: Vec<Choice>,
    status: String,
    priority: String,
    owner_id: String,
    customer_id: String,
    statuses: Vec<Choice>,
    priorities: Vec<Choice>,
    owners: Vec<Choice>,
    pager: Pager,
    can_create: bool,
    can_edit: bool,
}

impl ListPage {
    fn task_path(&self, t: &Task) -> String {
        format!("/tasks/{}", t.id)
    }

    fn overdue(&self, t: &Task) -> bool {
        t.is_overdue(self.now)
    }
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (q, cursor) = (query.get("q"), query.get("cursor"));
    let view = if query.get("view").is_empty() { "mine" } else { query.get("view") };
    let (status, priority) = (query.get("status"), query.get("priority"));
    let (owner, customer) = (query.get("owner_id"), query.get("customer_id"));
    let filters =
        [("view", view), ("status", status), ("priority", priority), ("owner_id", owner), ("customer_id", customer)];
    let page = schedule::list_tasks(&state.db, &web.actor, &list_request(q, cursor, &filters)?).await?;
    let params = [
        ("q", q),
        ("view", view),
        ("status", status),
        ("priority", priority),
        ("owner_id", owner),
        ("customer_id", customer),
    ];
    let owners = colleagues(&state, &web.actor).await?.into_iter().map(|c| c.choice).collect();
    layout::ok(&ListPage {
        l: Layout::new(&web, "tasks-title").with_fields("task"),
        pager: Pager::new("/tasks", &params, cursor, page.next_cursor.as_deref()),
        items: page.items,
        now: Utc::now(),
        q: q.to_string(),
        view: view.to_string(),
        views: TASK_VIEWS.iter().map(|v| Choice::new(*v, web.lang.t(&format!("tasks-view-{v}")))).collect(),
        status: status.to_string(),
        priority: priority.to_string(),
        owner_id: owner.to_string(),
        customer_id: customer.to_string(),
        statuses: code_choices(web.lang, "task-status", TaskStatus::ALL.iter().map(|s| s.code())),
        priorities: code_choices(web.lang, "task-priority", Priority::ALL.iter().map(|p| p.code())),
        owners,
        can_create: web.actor.can(Module::Schedule, Action::Create),
        can_edit: web.actor.can(Module::Schedule, Action::Edit),
    })
}

#[derive(Template)]
#[template(path = "schedule/task_form.html")]
struct FormPage {
    l: Layout,
    form: FormState,
    /// The task being edited; none for a new one.
    task: Option<Task>,
    customers: Vec<Choice>,
    priorities: Vec<Choice>,
    statuses: Vec<Choice>,
    /// People the task can be given to; empty for who may only give tasks to themselves.
    owners: Vec<Choice>,
    /// Errors of the assign form.
    assigning: FormState,
    can_edit: bool,
    can_delete: bool,
}

impl FormPage {
    async fn new(
        state: &AppState,
        web: &WebUser,
        form: FormState,
        task: Option<Task>,
        assigning: FormState,
    ) -> Result<Self, AppError> {
        let actor = &web.actor;
        let customers = customer_choices(state, actor).await?;
        let owners = if actor.can(Module::Schedule, Action::Assign) {
            let people = colleagues(state, actor).await?;
            match &task {
                Some(t) => of_division(&people, t.division_id),
                None => people.into_iter().map(|c| c.choice).collect(),
            }
        } else {
            Vec::new()
        };
        let title = if task.is_some() { "tasks-record" } else { "tasks-new" };
        Ok(Self {
            l: Layout::new(web, title).with_fields("task"),
            form,
            customers,
            priorities: code_choices(web.lang, "task-priority", Priority::ALL.iter().map(|p| p.code())),
            statuses: code_choices(web.lang, "task-status", TaskStatus::ALL.iter().map(|s| s.code())),
            owners,
            assigning,
            can_edit: actor.can(Module::Schedule, Action::Edit),
            can_delete: task.as_ref().is_some_and(|t| schedule::deletes(actor, t.created_by)),
            task,
        })
    }

    fn action(&self) -> String {
        self.task.as_ref().map_or_else(|| "/tasks".into(), |t| format!("/tasks/{}", t.id))
    }

    fn is_overdue(&self) -> bool {
        self.task.as_ref().is_some_and(|t| t.is_overdue(Utc::now()))
    }
}

pub async fn new(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = FormState::new(vec![
        ("customer_id".into(), FormData(query).get("customer_id").to_string()),
        ("priority".into(), Priority::Normal.code().into()),
    ]);
    layout::ok(&FormPage::new(&state, &web, form, None, FormState::default()).await?)
}

fn values_of(t: &Task, l: &Layout) -> FormState {
    FormState::new(vec![
        ("title".into(), t.title.clone()),
        ("due_at".into(), t.due_at.map(|d| l.local_input(&d)).unwrap_or_default()),
        ("priority".into(), t.priority.code().into()),
        ("status".into(), t.status.code().into()),
        ("customer_id".into(), t.customer_id.map(|c| c.to_string()).unwrap_or_default()),
        ("notes".into(), t.notes.clone().unwrap_or_default()),
        ("owner_id".into(), t.owner_id.to_string()),
        ("version".into(), t.version.to_string()),
    ])
}

async fn render_edit(
    state: &AppState,
    web: &WebUser,
    id: Uuid,
    form: Option<FormState>,
    assigning: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let task = schedule::get_task(&state.db, &web.actor, id).await?;
    let page = FormPage::new(state, web, FormState::default(), Some(task), assigning).await?;
    let form = form.unwrap_or_else(|| page.task.as_ref().map(|t| values_of(t, &page.l)).unwrap_or_default());
    layout::render(status, &FormPage { form, ..page })
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    render_edit(&state, &web, parse_id(&id)?, None, FormState::default(), StatusCode::OK).await
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let tz = layout::time_zone(&web.actor.time_zone);
    let result = match (form.id("customer_id"), form.id("owner_id")) {
        (Ok(customer_id), Ok(owner_id)) => {
            let input = TaskInput {
                title: form.get("title").to_string(),
                owner_id,
                due_at: Some(typed_time(tz, form.get("due_at"))),
                priority: Some(form.get("priority").to_string()),
                customer_id,
                notes: Some(form.get("notes").to_string()),
                ..Default::default()
            };
            schedule::create_task(&state.db, &web.actor, input).await
        }
        (Err(e), _) | (_, Err(e)) => Err(Error::Invalid(vec![e])),
    };
    match result {
        Ok(t) => Ok(see_other(&format!("/tasks/{}", t.id), "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&state, &web, refused, None, FormState::default()).await?)
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let tz = layout::time_zone(&web.actor.time_zone);
    let result = match form.id("customer_id") {
        Ok(customer_id) => {
            let input = TaskPatchInput {
                title: Some(form.get("title").to_string()),
                notes: Patch::Set(form.get("notes").to_string()),
                due_at: Patch::Set(typed_time(tz, form.get("due_at"))),
                priority: Some(form.get("priority").to_string()),
                status: Some(form.get("status").to_string()),
                customer_id: customer_id.map_or(Patch::Clear, Patch::Set),
                ..Default::default()
            };
            schedule::update_task(&state.db, &web.actor, id, form.version(), input).await
        }
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    match result {
        Ok(t) => Ok(see_other(&format!("/tasks/{}", t.id), "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            render_edit(&state, &web, id, Some(refused), FormState::default(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Completing from the list goes back to the list; from the task page, to the task.
pub async fn complete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let back = match form.get("back") {
        list if list.starts_with("/tasks?") || list == "/tasks" => list.to_string(),
        _ => format!("/tasks/{id}"),
    };
    match schedule::complete_task(&state.db, &web.actor, id, form.version()).await {
        Ok(_) => Ok(see_other(&back, "task-done")),
        Err(Error::InvalidState { .. }) => Ok(see_other(&back, "task-not-open")),
        Err(e) => {
            let refused = FormState::default().refused(web.lang, e)?;
            render_edit(&state, &web, id, None, refused, StatusCode::CONFLICT).await
        }
    }
}

pub async fn assign(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match form.id("owner_id") {
        Ok(owner_id) => {
            schedule::assign_task(&state.db, &web.actor, id, form.version(), TaskAssignInput { owner_id }).await
        }
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/tasks/{id}"), "task-assigned")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            render_edit(&state, &web, id, None, refused, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    deleted(schedule::delete_task(&state.db, &web.actor, id).await, "/tasks", &format!("/tasks/{id}"))
}
