//! Use cases of service requests, called alike from the API, the web pages and the jobs. Each
//! starts with the policy check and reads through the actor's scope; a step the request's
//! state does not allow is `InvalidState`, naming the state, and an archived request is
//! read-only.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    Article, ArticleInput, ArticleLinkInput, ArticlePatchInput, AssignInput, FeedbackInput, HandleInput, NewArticle,
    NewServiceRequest, ServiceRequest, ServiceRequestInput, ServiceRequestPatch, ServiceRequestPatchInput,
    ServiceStatus, Sla, SlaInput, SlaRun,
};
use crate::access::{Action, Actor, AuditStamp, Module, Scope};
use crate::base_data::DictionaryKind;
use crate::customers::actions::{check_entries, check_owner, finish, missing, today};
use crate::error::{Error, FieldError};
use crate::listing::{ListRequest, Page};
use crate::store::Store;

pub async fn list<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<ServiceRequest>, Error> {
    actor.require(Module::Service, Action::View)?;
    Ok(store.list_service_requests(&actor.scope(), req).await?)
}

pub async fn get<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<ServiceRequest, Error> {
    actor.require(Module::Service, Action::View)?;
    Ok(store.get_service_request(&actor.scope(), id).await?)
}

fn state(r: &ServiceRequest) -> Error {
    Error::InvalidState { state: r.status.code().into() }
}

fn directs(actor: &Actor) -> bool {
    actor.can(Module::Service, Action::Assign)
}

/// The request as read before a step: visible, at the caller's version, not archived.
async fn current<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    action: Action,
) -> Result<ServiceRequest, Error> {
    actor.require(Module::Service, action)?;
    let r = store.get_service_request(&actor.scope(), id).await?;
    if r.status == ServiceStatus::Archived {
        return Err(state(&r));
    }
    if version.is_some_and(|v| v != r.version) {
        return Err(Error::StaleVersion);
    }
    Ok(r)
}

/// Takes a request (SVC-1) for a visible customer; it starts `created`, in the customer's
/// division, with deadlines from its type's targets (SVC-3).
pub async fn create<S: Store>(store: &S, actor: &Actor, input: ServiceRequestInput) -> Result<ServiceRequest, Error> {
    actor.require(Module::Service, Action::Create)?;
    let targets = match input.type_id {
        Some(type_id) => store.service_targets(type_id).await?,
        None => super::Targets::DEFAULT,
    };
    let new = NewServiceRequest::parse(input, actor.user_id, targets)?;
    finish(check_entries(store, &[("type_id", Some(new.type_id), DictionaryKind::ServiceType)]).await?)?;
    let stamp = AuditStamp::of(actor);
    store.create_service_request(&actor.scope(), &new, today(), &stamp).await.map_err(missing("customer_id"))
}

/// Changes what was asked, by who took it or a director, until it is archived.
pub async fn update<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: ServiceRequestPatchInput,
) -> Result<ServiceRequest, Error> {
    let patch = ServiceRequestPatch::parse(input)?;
    let old = current(store, actor, id, version, Action::Edit).await?;
    if !old.owned_by(actor.user_id, directs(actor)) {
        return Err(Error::Forbidden("service.assign".into()));
    }
    finish(check_entries(store, &[("type_id", patch.type_id, DictionaryKind::ServiceType)]).await?)?;
    let stamp = AuditStamp::of(actor);
    Ok(store.save_service_request(&old, &patch.apply(&old, stamp.at), "update", &stamp).await?)
}

pub async fn delete<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    let old = current(store, actor, id, None, Action::Delete).await?;
    Ok(store.delete_service_request(&old, &AuditStamp::of(actor)).await?)
}

/// Gives a new or assigned request to a handler of its division (SVC-2); needs `service.assign`.
pub async fn assign<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: AssignInput,
) -> Result<ServiceRequest, Error> {
    let handler_id = input.handler_id.ok_or_else(|| Error::invalid("handler_id", "required"))?;
    let old = current(store, actor, id, version, Action::Assign).await?;
    if !matches!(old.status, ServiceStatus::Created | ServiceStatus::Assigned) {
        return Err(state(&old));
    }
    if let Some(e) = check_owner(store, actor, handler_id, old.division_id).await? {
        return Err(Error::Invalid(vec![FieldError { field: "handler_id".into(), ..e }]));
    }
    let stamp = AuditStamp::of(actor);
    let new = old.advanced(old.progress().assign(handler_id, stamp.at), stamp.at);
    store.save_service_request(&old, &new, "assign", &stamp).await?;
    // The handler may be someone else: an own-scope assigner reads the result as the system would.
    Ok(store.get_service_request(&Scope { owner_id: None, ..actor.scope() }, id).await?)
}

/// Records what the handler did (SVC-2); the handler or a director, while assigned.
pub async fn handle<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: HandleInput,
) -> Result<ServiceRequest, Error> {
    let handling = input.parse()?;
    let old = current(store, actor, id, version, Action::Edit).await?;
    if old.status != ServiceStatus::Assigned {
        return Err(state(&old));
    }
    if !old.handled_by(actor.user_id, directs(actor)) {
        return Err(Error::Forbidden("service.assign".into()));
    }
    let stamp = AuditStamp::of(actor);
    let new = old.advanced(old.progress().handle(handling, stamp.at), stamp.at);
    Ok(store.save_service_request(&old, &new, "handle", &stamp).await?)
}

/// Records the customer's feedback on a handled request (SVC-2): a rating of 3 or more
/// archives it and rolls the rating up into the customer (SVC-5); below 3 it goes back to its
/// handler for another round.
pub async fn feedback<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: FeedbackInput,
) -> Result<ServiceRequest, Error> {
    let (result, satisfaction) = input.parse()?;
    let old = current(store, actor, id, version, Action::Edit).await?;
    if old.status != ServiceStatus::Handled {
        return Err(state(&old));
    }
    if !old.owned_by(actor.user_id, directs(actor)) {
        return Err(Error::Forbidden("service.assign".into()));
    }
    let stamp = AuditStamp::of(actor);
    let new = old.advanced(old.progress().answer(result, satisfaction, stamp.at), stamp.at);
    Ok(store.save_service_request(&old, &new, "feedback", &stamp).await?)
}

// ---- service level targets ----------------------------------------------------------------

/// Read by whoever works with service requests or administers base data.
pub async fn list_sla<S: Store>(store: &S, actor: &Actor) -> Result<Vec<Sla>, Error> {
    if !actor.can(Module::Service, Action::View) {
        actor.require(Module::Dictionary, Action::View)?;
    }
    Ok(store.list_service_sla().await?)
}

/// Targets are base data: administrators set them like the dictionary. They apply to requests
/// taken from then on.
pub async fn set_sla<S: Store>(store: &S, actor: &Actor, type_id: Uuid, input: SlaInput) -> Result<Sla, Error> {
    actor.require(Module::Dictionary, Action::Edit)?;
    let targets = input.parse()?;
    match store.get_dictionary_entry(type_id).await {
        Ok(entry) if entry.kind == DictionaryKind::ServiceType => {}
        Ok(_) | Err(crate::store::StoreError::NotFound) => return Err(Error::NotFound),
        Err(other) => return Err(other.into()),
    }
    Ok(store.set_service_sla(type_id, targets, &AuditStamp::of(actor)).await?)
}

/// The `sla-check` job (SVC-3): flags the requests that missed a target by `now`.
pub async fn check_sla<S: Store>(store: &S, now: DateTime<Utc>) -> Result<SlaRun, Error> {
    Ok(store.flag_overdue_service_requests(now, &AuditStamp::of(&Actor::system())).await?)
}

// ---- knowledge base -----------------------------------------------------------------------

/// Articles are shared by the whole company: whoever works with service requests reads them.
pub async fn list_articles<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Article>, Error> {
    actor.require(Module::Service, Action::View)?;
    Ok(store.list_articles(req).await?)
}

pub async fn get_article<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Article, Error> {
    actor.require(Module::Service, Action::View)?;
    Ok(store.get_article(id).await?)
}

pub async fn create_article<S: Store>(store: &S, actor: &Actor, input: ArticleInput) -> Result<Article, Error> {
    actor.require(Module::Service, Action::Create)?;
    let new = NewArticle::parse(input)?;
    Ok(store.create_article(&new, actor.user_id, &AuditStamp::of(actor)).await?)
}

pub async fn update_article<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: ArticlePatchInput,
) -> Result<Article, Error> {
    actor.require(Module::Service, Action::Edit)?;
    let old = store.get_article(id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(Error::StaleVersion);
    }
    let new = input.apply(&old)?;
    Ok(store.update_article(&old, &new, &AuditStamp::of(actor)).await?)
}

pub async fn delete_article<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Service, Action::Delete)?;
    let old = store.get_article(id).await?;
    Ok(store.delete_article(&old, &AuditStamp::of(actor)).await?)
}

/// The articles linked from a visible request.
pub async fn request_articles<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Vec<Article>, Error> {
    let r = get(store, actor, id).await?;
    Ok(store.request_articles(r.id).await?)
}

/// Links an article to a request or unlinks it: by who took it, its handler or a director,
/// until it is archived.
pub async fn link_article<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    input: ArticleLinkInput,
    linked: bool,
) -> Result<(), Error> {
    let article_id = input.article_id.ok_or_else(|| Error::invalid("article_id", "required"))?;
    let r = current(store, actor, id, None, Action::Edit).await?;
    let directs = directs(actor);
    if !r.owned_by(actor.user_id, directs) && !r.handled_by(actor.user_id, directs) {
        return Err(Error::Forbidden("service.assign".into()));
    }
    store.get_article(article_id).await.map_err(missing("article_id"))?;
    Ok(store.link_article(&r, article_id, linked, &AuditStamp::of(actor)).await?)
}
