//! Data dictionary pages (数据字典, BAS-1): entries by kind, regions by province, create,
//! edit, disable and delete. Shipped entries that other modules rely on are locked: they
//! can be reordered and disabled, not renamed or deleted.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::base_data::actions as base_data;
use crm_core::base_data::{DictionaryEntry, DictionaryEntryInput, DictionaryEntryPatchInput, DictionaryKind};
use crm_core::patch::Patch;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, Pager, deleted, href, list_request, see_other};
use crate::http::web::session::WebUser;
use crate::i18n::Lang;

fn kinds(lang: Lang) -> Vec<Choice> {
    DictionaryKind::ALL
        .iter()
        .map(|k| Choice::new(k.code(), lang.t(&format!("kind-{}", k.code().replace('_', "-")))))
        .collect()
}

/// Kinds whose entries have entries under them (province → city).
fn nested(kind: DictionaryKind) -> bool {
    kind == DictionaryKind::Region
}

/// A position typed into a form: blank is "after the others", anything else must be a number.
fn position(form: &FormData) -> Result<Option<i64>, Error> {
    match form.get("position").trim() {
        "" => Ok(None),
        text => text.parse().map(Some).map_err(|_| Error::invalid("position", "not_a_number")),
    }
}

fn parent_id(text: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::parse_str(text).ok()
}

#[derive(Template)]
#[template(path = "base_data/dictionary.html")]
struct ListPage {
    l: Layout,
    kinds: Vec<Choice>,
    kind: String,
    /// The entry whose sub-entries are listed, if any.
    parent: Option<DictionaryEntry>,
    nested: bool,
    entries: Vec<DictionaryEntry>,
    q: String,
    pager: Pager,
    new_href: String,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let kind = DictionaryKind::parse(query.get("kind")).unwrap_or(DictionaryKind::CustomerLevel);
    let (q, cursor) = (query.get("q"), query.get("cursor"));
    let parent = match parent_id(query.get("parent_id")) {
        Some(id) => Some(base_data::get_dictionary_entry(&state.db, &web.actor, id).await?),
        None => None,
    };
    let parent_text = parent.as_ref().map(|p| p.id.to_string()).unwrap_or_default();
    // Without a parent, a nested kind lists its top level; a search looks through every level.
    let top_level = if parent.is_none() && q.is_empty() { "true" } else { "" };
    let filters = [("kind", kind.code()), ("parent_id", parent_text.as_str()), ("top_level", top_level)];
    let page = base_data::list_dictionary_entries(&state.db, &web.actor, &list_request(q, cursor, &filters)?).await?;
    let links = [("kind", kind.code()), ("parent_id", parent_text.as_str()), ("q", q)];
    layout::ok(&ListPage {
        l: Layout::new(&web, "dictionary-title"),
        kinds: kinds(web.lang),
        kind: kind.code().to_string(),
        nested: nested(kind) && parent.is_none(),
        parent,
        entries: page.items,
        q: q.to_string(),
        pager: Pager::new("/dictionary", &links, cursor, page.next_cursor.as_deref()),
        new_href: href("/dictionary/new", &[("kind", kind.code()), ("parent_id", &parent_text)]),
        can_create: web.actor.can(Module::Dictionary, Action::Create),
    })
}

#[derive(Template)]
#[template(path = "base_data/dictionary_form.html")]
struct FormPage {
    l: Layout,
    entry: Option<DictionaryEntry>,
    parent: Option<DictionaryEntry>,
    record_path: String,
    back: String,
    kinds: Vec<Choice>,
    form: FormState,
    /// A shipped entry: its label and code are fixed.
    locked: bool,
    can_edit: bool,
    can_delete: bool,
}

impl FormPage {
    fn new(web: &WebUser, entry: Option<DictionaryEntry>, parent: Option<DictionaryEntry>, form: FormState) -> Self {
        let (title, right) =
            if entry.is_some() { ("dictionary-edit", Action::Edit) } else { ("dictionary-new", Action::Create) };
        let kind = entry.as_ref().map_or(form.value("kind"), |e| e.kind.code());
        let parent_text = parent.as_ref().map(|p| p.id.to_string()).unwrap_or_default();
        Self {
            l: Layout::new(web, title),
            record_path: entry.as_ref().map_or_else(|| "/dictionary".to_string(), |e| format!("/dictionary/{}", e.id)),
            back: href("/dictionary", &[("kind", kind), ("parent_id", &parent_text)]),
            kinds: kinds(web.lang),
            can_edit: web.actor.can(Module::Dictionary, right),
            can_delete: entry.as_ref().is_some_and(|e| e.editable) && web.actor.can(Module::Dictionary, Action::Delete),
            locked: entry.as_ref().is_some_and(|e| !e.editable),
            entry,
            parent,
            form,
        }
    }
}

fn values_of(e: &DictionaryEntry) -> FormState {
    let mut values = vec![
        ("kind".to_string(), e.kind.code().to_string()),
        ("label".to_string(), e.label.clone()),
        ("code".to_string(), e.code.clone().unwrap_or_default()),
        ("position".to_string(), e.position.to_string()),
        ("version".to_string(), e.version.to_string()),
    ];
    if e.enabled {
        values.push(("enabled".to_string(), "true".to_string()));
    }
    FormState::new(values)
}

async fn parent_of(
    state: &AppState,
    web: &WebUser,
    id: Option<uuid::Uuid>,
) -> Result<Option<DictionaryEntry>, AppError> {
    match id {
        Some(id) => Ok(Some(base_data::get_dictionary_entry(&state.db, &web.actor, id).await?)),
        None => Ok(None),
    }
}

pub async fn new(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let parent = parent_of(&state, &web, parent_id(query.get("parent_id"))).await?;
    let kind = DictionaryKind::parse(query.get("kind")).unwrap_or(DictionaryKind::CustomerLevel);
    let form = FormState::new(vec![
        ("kind".into(), kind.code().into()),
        ("parent_id".into(), parent.as_ref().map(|p| p.id.to_string()).unwrap_or_default()),
        ("enabled".into(), "true".into()),
    ]);
    layout::ok(&FormPage::new(&web, None, parent, form))
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let parent = parent_id(form.get("parent_id"));
    let result = match position(&form) {
        Ok(position) => {
            let input = DictionaryEntryInput {
                kind: form.get("kind").to_string(),
                label: form.get("label").to_string(),
                code: Some(form.get("code").to_string()),
                parent_id: parent,
                position,
                editable: None,
                enabled: Some(form.opt("enabled").is_some()),
            };
            base_data::create_dictionary_entry(&state.db, &web.actor, input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(entry) => {
            let parent_text = entry.parent_id.map(|p| p.to_string()).unwrap_or_default();
            Ok(see_other(&href("/dictionary", &[("kind", entry.kind.code()), ("parent_id", &parent_text)]), "created"))
        }
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let parent = parent_of(&state, &web, parent).await?;
            layout::invalid(&FormPage::new(&web, None, parent, refused))
        }
    }
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let entry = base_data::get_dictionary_entry(&state.db, &web.actor, parse_id(&id)?).await?;
    let parent = parent_of(&state, &web, entry.parent_id).await?;
    let form = values_of(&entry);
    layout::ok(&FormPage::new(&web, Some(entry), parent, form))
}

/// Applies a change to an entry and returns to its kind's list, or shows the form again.
async fn apply(
    state: &AppState,
    web: &WebUser,
    id: &str,
    form: &FormData,
    input: Result<DictionaryEntryPatchInput, Error>,
    flash: &str,
) -> Result<Response, AppError> {
    let id = parse_id(id)?;
    let result = match input {
        Ok(input) => base_data::update_dictionary_entry(&state.db, &web.actor, id, form.version(), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(entry) => {
            let parent_text = entry.parent_id.map(|p| p.to_string()).unwrap_or_default();
            Ok(see_other(&href("/dictionary", &[("kind", entry.kind.code()), ("parent_id", &parent_text)]), flash))
        }
        Err(e) => {
            let entry = base_data::get_dictionary_entry(&state.db, &web.actor, id).await?;
            let refused = FormState::from_form(form).refused(web.lang, e)?;
            let parent = parent_of(state, web, entry.parent_id).await?;
            layout::invalid(&FormPage::new(web, Some(entry), parent, refused))
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let input = position(&form).map(|position| DictionaryEntryPatchInput {
        label: Some(form.get("label").to_string()),
        code: Patch::Set(form.get("code").to_string()),
        position,
        editable: None,
        enabled: Some(form.opt("enabled").is_some()),
    });
    apply(&state, &web, &id, &form, input, "saved").await
}

/// Disables an entry (hidden from pickers, kept on records) or enables it again.
pub async fn set_enabled(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let enabled = form.get("enabled") == "true";
    let input = Ok(DictionaryEntryPatchInput { enabled: Some(enabled), ..Default::default() });
    apply(&state, &web, &id, &form, input, if enabled { "enabled" } else { "disabled" }).await
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let entry = base_data::get_dictionary_entry(&state.db, &web.actor, id).await?;
    let parent_text = entry.parent_id.map(|p| p.to_string()).unwrap_or_default();
    let list = href("/dictionary", &[("kind", entry.kind.code()), ("parent_id", &parent_text)]);
    deleted(base_data::delete_dictionary_entry(&state.db, &web.actor, id).await, &list, &format!("/dictionary/{id}"))
}
