//! Use cases of churn warnings, called alike from the API, the web pages and the job. Each
//! starts with the policy check and reads through the actor's scope; a step the warning's
//! state does not allow is `InvalidState`, naming the state.

use uuid::Uuid;

use super::{ChurnWarning, ConfirmInput, DetectionRun, MeasureInput, inactive_since};
use crate::access::{Action, Actor, AuditStamp, Module};
use crate::base_data::DictionaryKind;
use crate::customers::actions::{check_entries, finish, today};
use crate::error::Error;
use crate::listing::{ListRequest, Page};
use crate::store::Store;

pub async fn list<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<ChurnWarning>, Error> {
    actor.require(Module::Churn, Action::View)?;
    Ok(store.list_churn_warnings(&actor.scope(), req).await?)
}

pub async fn get<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<ChurnWarning, Error> {
    actor.require(Module::Churn, Action::View)?;
    Ok(store.get_churn_warning(&actor.scope(), id).await?)
}

/// The warning as read before a step: visible, at the caller's version, neither lost nor closed.
async fn undecided<S: Store>(store: &S, actor: &Actor, id: Uuid, version: Option<i64>) -> Result<ChurnWarning, Error> {
    actor.require(Module::Churn, Action::Edit)?;
    let w = store.get_churn_warning(&actor.scope(), id).await?;
    if !w.undecided() {
        return Err(Error::InvalidState { state: w.state().into() });
    }
    if version.is_some_and(|v| v != w.version) {
        return Err(Error::StaleVersion);
    }
    Ok(w)
}

/// Records a measure taken to keep the customer (CHN-2); the warning becomes `delaying`.
pub async fn add_measure<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: MeasureInput,
) -> Result<ChurnWarning, Error> {
    let measure = input.parse(actor.user_id)?;
    let old = undecided(store, actor, id, version).await?;
    Ok(store.add_churn_measure(&old, &measure, &AuditStamp::of(actor)).await?)
}

/// Confirms the loss with a reason of the dictionary (CHN-3): the warning and its customer
/// become `lost`.
pub async fn confirm<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: ConfirmInput,
) -> Result<ChurnWarning, Error> {
    let reason_id = input.parse()?;
    let old = undecided(store, actor, id, version).await?;
    finish(check_entries(store, &[("reason_id", Some(reason_id), DictionaryKind::ChurnReason)]).await?)?;
    Ok(store.confirm_churn(&old, reason_id, &AuditStamp::of(actor)).await?)
}

/// The `churn-detection` job (CHN-1): warns the active customers whose last order is more than
/// `inactive_after_months` before today.
pub async fn detect<S: Store>(store: &S, inactive_after_months: u32) -> Result<DetectionRun, Error> {
    let before = inactive_since(today(), inactive_after_months);
    let warned = store.detect_churn(before, &AuditStamp::of(&Actor::system())).await?;
    Ok(DetectionRun { warned })
}
