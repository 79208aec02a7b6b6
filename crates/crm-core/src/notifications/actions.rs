//! Reading one's notices, and the jobs that write notices about conditions found by time.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::{NewNotification, NoticeRun, Notification, NotificationKind};
use crate::access::{Action, Actor, DataScope, Module, Permission, Scope, User};
use crate::error::Error;
use crate::listing::{ListRequest, MAX_LIMIT, Page};
use crate::store::Store;

/// The signed-in user's notices; the system actor has none.
fn recipient(actor: &Actor) -> Result<Uuid, Error> {
    actor.user_id.ok_or(Error::Unauthenticated)
}

pub async fn list<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Notification>, Error> {
    Ok(store.list_notifications(recipient(actor)?, req).await?)
}

pub async fn unread_count<S: Store>(store: &S, actor: &Actor) -> Result<i64, Error> {
    Ok(store.count_unread_notifications(recipient(actor)?).await?)
}

/// Marks one notice read and answers it; a notice of someone else is not found.
pub async fn mark_read<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Notification, Error> {
    Ok(store.mark_notification_read(recipient(actor)?, id, Utc::now()).await?)
}

/// Marks all the caller's notices read; the count marked.
pub async fn mark_all_read<S: Store>(store: &S, actor: &Actor) -> Result<u64, Error> {
    Ok(store.mark_all_notifications_read(recipient(actor)?, Utc::now()).await?)
}

/// Reminds of tasks due within `minutes` and events starting within them, and of tasks just
/// gone overdue (TSK-3).
pub async fn remind<S: Store>(store: &S, now: DateTime<Utc>, minutes: i64) -> Result<NoticeRun, Error> {
    Ok(store.notify_due(now, Duration::minutes(minutes)).await?)
}

/// Tells the owners of customers about their contacts' birthdays on `today` (CUS-10).
pub async fn notify_birthdays<S: Store>(store: &S, today: NaiveDate) -> Result<NoticeRun, Error> {
    Ok(store.notify_birthdays(today, Utc::now()).await?)
}

/// Tells the users who manage accounts (the right to view users, over the inactive user's
/// divisions) about users who have not signed in for `days` days (ACL-6). Once per user and
/// last sign-in, so a user who comes back and goes quiet again is reported again.
pub async fn notify_inactive_users<S: Store>(store: &S, now: DateTime<Utc>, days: i64) -> Result<NoticeRun, Error> {
    let inactive = store.inactive_users(&Scope::everything(), now - Duration::days(days)).await?;
    if inactive.is_empty() {
        return Ok(NoticeRun::default());
    }
    let managers = account_managers(store).await?;
    let notices: Vec<NewNotification> = inactive
        .iter()
        .filter(|u| !u.frozen)
        .flat_map(|user| {
            let last = user.last_login_at.map_or_else(|| "never".to_string(), |t| t.to_rfc3339());
            managers.iter().filter(move |(m, scope)| m.id != user.id && oversees(*scope, m, user)).map(move |(m, _)| {
                NewNotification {
                    user_id: m.id,
                    kind: NotificationKind::InactiveUser,
                    entity: "users",
                    entity_id: user.id,
                    subject: user.display_name.clone().unwrap_or_else(|| user.username.clone()),
                    key: format!("inactive:{}:{last}", user.id),
                }
            })
        })
        .collect();
    Ok(NoticeRun { written: store.notify(&notices, now).await? })
}

/// Whether a manager with this scope looks after `user`'s account.
fn oversees(scope: DataScope, manager: &User, user: &User) -> bool {
    scope == DataScope::All || manager.division_ids.iter().any(|d| user.division_ids.contains(d))
}

/// Users not frozen who may view users, with the widest data scope of their roles.
async fn account_managers<S: Store>(store: &S) -> Result<Vec<(User, DataScope)>, Error> {
    let mut req = ListRequest::first("username", MAX_LIMIT);
    let mut users = Vec::new();
    loop {
        let page = store.list_users(&Scope::everything(), &req).await?;
        users.extend(page.items.into_iter().filter(|u| !u.frozen));
        if !req.advance(page.next_cursor.as_deref())? {
            break;
        }
    }
    let codes: Vec<String> = users.iter().flat_map(|u| u.roles.iter().cloned()).collect();
    let roles: BTreeMap<String, _> =
        store.roles_by_codes(&codes).await?.into_iter().map(|r| (r.code.clone(), r.into_grant())).collect();
    Ok(users
        .into_iter()
        .filter_map(|u| {
            let grants: Vec<_> = u.roles.iter().filter_map(|c| roles.get(c)).collect();
            let may_view = grants.iter().any(|g| g.permissions.contains(&Permission::new(Module::Users, Action::View)));
            let scope = grants.iter().map(|g| g.data_scope).max()?;
            may_view.then_some((u, scope))
        })
        .collect())
}
