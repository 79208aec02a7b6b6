//! Customer pages (客户管理, CUS-1..10): the list with filters, saved filters and bulk
//! actions; the customer form with the duplicate warning; the 360 page with contacts and
//! their organisation chart, interactions and files, orders, assignment, sharing, merge and
//! the audit trail; the forms of contacts, interactions and orders.

pub mod contacts;
pub mod edit;
pub mod import;
pub mod interactions;
pub mod list;
pub mod orders;
pub mod overview;

use crm_core::Error;
use crm_core::access::actions as access;
use crm_core::access::{Action, Actor, Module};
use crm_core::base_data::actions as base_data;
use crm_core::base_data::{DictionaryEntry, DictionaryKind};
use crm_core::customers::Ref;
use crm_core::listing::{ListParams, ListRequest, MAX_LIMIT};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::web::layout::{Choice, ChoiceGroup};
use crate::http::web::session::WebUser;
use crate::i18n::Lang;

/// Choices of an enumeration, each named by `<prefix>-<code>` in the user's language.
pub fn code_choices(lang: Lang, prefix: &str, codes: impl Iterator<Item = &'static str>) -> Vec<Choice> {
    codes.map(|code| Choice::new(code, lang.t(&format!("{prefix}-{}", code.replace('_', "-"))))).collect()
}

/// The 1–5 scale of satisfaction and credit.
pub fn ratings() -> Vec<Choice> {
    (1..=5).map(|n| Choice::new(n.to_string(), "★".repeat(n))).collect()
}

/// Every row of a list, page after page, for the choices of a select.
fn all(sort: &str, filters: &[(&str, &str)]) -> Result<ListRequest, Error> {
    let params = ListParams { limit: Some(MAX_LIMIT.to_string()), sort: Some(sort.to_string()), ..Default::default() };
    ListRequest::parse(params, filters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

/// Enabled entries of one kind of the dictionary; none for a user who may not read it, who
/// then sees only the values records already have.
pub async fn entries(state: &AppState, actor: &Actor, kind: DictionaryKind) -> Result<Vec<DictionaryEntry>, AppError> {
    let mut req = all("position", &[("kind", kind.code()), ("enabled", "true")])?;
    let mut entries = Vec::new();
    loop {
        match base_data::list_dictionary_entries(&state.db, actor, &req).await {
            Ok(page) => {
                entries.extend(page.items);
                if !req.advance(page.next_cursor.as_deref())? {
                    return Ok(entries);
                }
            }
            Err(Error::Forbidden(_)) => return Ok(entries),
            Err(e) => return Err(e.into()),
        }
    }
}

pub fn entry_choices(entries: Vec<DictionaryEntry>) -> Vec<Choice> {
    entries.into_iter().map(|e| Choice::new(e.id.to_string(), e.label)).collect()
}

/// Regions as provinces, each with its cities; a province can be chosen itself.
fn region_groups(entries: Vec<DictionaryEntry>) -> Vec<ChoiceGroup> {
    let (provinces, cities): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| e.parent_id.is_none());
    provinces
        .into_iter()
        .map(|p| {
            let mut choices = vec![Choice::new(p.id.to_string(), p.label.clone())];
            choices.extend(
                cities.iter().filter(|c| c.parent_id == Some(p.id)).map(|c| Choice::new(c.id.to_string(), &c.label)),
            );
            ChoiceGroup { label: p.label, choices }
        })
        .collect()
}

/// The dictionary values a customer form and the list's filters offer.
pub struct Pickers {
    pub levels: Vec<Choice>,
    pub regions: Vec<ChoiceGroup>,
    pub industries: Vec<Choice>,
}

impl Pickers {
    pub async fn load(state: &AppState, actor: &Actor) -> Result<Self, AppError> {
        Ok(Self {
            levels: entry_choices(entries(state, actor, DictionaryKind::CustomerLevel).await?),
            regions: region_groups(entries(state, actor, DictionaryKind::Region).await?),
            industries: entry_choices(entries(state, actor, DictionaryKind::Industry).await?),
        })
    }

    /// Keeps a record's current values selectable even when they have been disabled since,
    /// so that saving the form does not clear them.
    pub fn keep(&mut self, level: Option<&Ref>, region: Option<&Ref>, industry: Option<&Ref>) {
        fn keep_in(choices: &mut Vec<Choice>, r: Option<&Ref>) {
            if let Some(r) = r
                && !choices.iter().any(|c| c.value == r.id.to_string())
            {
                choices.push(Choice::new(r.id.to_string(), &r.label));
            }
        }
        keep_in(&mut self.levels, level);
        keep_in(&mut self.industries, industry);
        if let Some(r) = region
            && !self.regions.iter().any(|g| g.choices.iter().any(|c| c.value == r.id.to_string()))
        {
            self.regions
                .push(ChoiceGroup { label: r.label.clone(), choices: vec![Choice::new(r.id.to_string(), &r.label)] });
        }
    }
}

/// Interaction kinds (visit, call, …) for the interaction form.
pub async fn interaction_kinds(state: &AppState, actor: &Actor) -> Result<Vec<Choice>, AppError> {
    Ok(entry_choices(entries(state, actor, DictionaryKind::InteractionKind).await?))
}

/// A user as a choice: display name, else user name.
pub struct Colleague {
    pub choice: Choice,
    pub username: String,
    pub division_ids: Vec<uuid::Uuid>,
}

/// Active users the actor may list, to filter by owner and to assign or share with; none
/// for a user who may not list users (an account manager sees only their own customers).
pub async fn colleagues(state: &AppState, actor: &Actor) -> Result<Vec<Colleague>, AppError> {
    if !actor.can(Module::Users, Action::View) {
        return Ok(Vec::new());
    }
    let page = access::list_users(&state.db, actor, &all("username", &[("frozen", "false")])?).await?;
    Ok(page
        .items
        .into_iter()
        .map(|u| Colleague {
            choice: Choice::new(
                u.id.to_string(),
                u.display_name.filter(|n| !n.is_empty()).unwrap_or_else(|| u.username.clone()),
            ),
            username: u.username,
            division_ids: u.division_ids,
        })
        .collect())
}

/// The colleagues who may own a customer of a division.
pub fn of_division(colleagues: &[Colleague], division_id: uuid::Uuid) -> Vec<Choice> {
    colleagues.iter().filter(|c| c.division_ids.contains(&division_id)).map(|c| c.choice.clone()).collect()
}

/// The divisions a user may put customers in, when there is a choice to make.
pub async fn divisions(state: &AppState, web: &WebUser) -> Result<Vec<Choice>, AppError> {
    let req = all("name", &[])?;
    match access::list_divisions(&state.db, &web.actor, &req).await {
        Ok(page) => {
            let visible = web.actor.scope();
            let choices: Vec<Choice> = page
                .items
                .into_iter()
                .filter(|d| visible.allows_division(d.id))
                .map(|d| Choice::new(d.id.to_string(), d.name))
                .collect();
            Ok(if choices.len() > 1 { choices } else { Vec::new() })
        }
        Err(Error::Forbidden(_)) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// Tags typed into one field, separated by commas (either width), 、 or semicolons.
pub fn tags(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ';', '；']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_split_on_chinese_and_latin_separators() {
        assert_eq!(tags(" VIP，华东、重点; 老客户 ,,"), ["VIP", "华东", "重点", "老客户"]);
        assert!(tags("  ").is_empty());
    }
}
