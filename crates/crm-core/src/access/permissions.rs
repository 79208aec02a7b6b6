use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Error;

/// The parts of the product rights are granted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Module {
    Users,
    Roles,
    Divisions,
    Audit,
    Dictionary,
    Products,
    Inventory,
    Customers,
    Sales,
    Service,
    Churn,
    Schedule,
    Marketing,
    Reports,
}

impl Module {
    pub const ALL: [Module; 14] = [
        Module::Users,
        Module::Roles,
        Module::Divisions,
        Module::Audit,
        Module::Dictionary,
        Module::Products,
        Module::Inventory,
        Module::Customers,
        Module::Sales,
        Module::Service,
        Module::Churn,
        Module::Schedule,
        Module::Marketing,
        Module::Reports,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Module::Users => "users",
            Module::Roles => "roles",
            Module::Divisions => "divisions",
            Module::Audit => "audit",
            Module::Dictionary => "dictionary",
            Module::Products => "products",
            Module::Inventory => "inventory",
            Module::Customers => "customers",
            Module::Sales => "sales",
            Module::Service => "service",
            Module::Churn => "churn",
            Module::Schedule => "schedule",
            Module::Marketing => "marketing",
            Module::Reports => "reports",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    View,
    Create,
    Edit,
    Delete,
    Assign,
    Export,
    Approve,
}

impl Action {
    pub const ALL: [Action; 7] =
        [Action::View, Action::Create, Action::Edit, Action::Delete, Action::Assign, Action::Export, Action::Approve];

    pub fn code(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Create => "create",
            Action::Edit => "edit",
            Action::Delete => "delete",
            Action::Assign => "assign",
            Action::Export => "export",
            Action::Approve => "approve",
        }
    }
}

/// A right: an action on a module, written `customers.view`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Permission {
    pub module: Module,
    pub action: Action,
}

impl Permission {
    pub const fn new(module: Module, action: Action) -> Self {
        Self { module, action }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.module.code(), self.action.code())
    }
}

impl FromStr for Permission {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (m, a) = s.split_once('.').ok_or(())?;
        let module = Module::ALL.into_iter().find(|x| x.code() == m).ok_or(())?;
        let action = Action::ALL.into_iter().find(|x| x.code() == a).ok_or(())?;
        Ok(Permission { module, action })
    }
}

impl Serialize for Permission {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|_| serde::de::Error::custom(format!("unknown permission {s}")))
    }
}

/// How far a role's reads reach (ACL-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataScope {
    /// Records the user owns.
    Own,
    /// Records of the user's divisions.
    Division,
    /// Records of every division.
    All,
}

impl DataScope {
    pub fn code(self) -> &'static str {
        match self {
            DataScope::Own => "own",
            DataScope::Division => "division",
            DataScope::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "own" => Some(DataScope::Own),
            "division" => Some(DataScope::Division),
            "all" => Some(DataScope::All),
            _ => None,
        }
    }
}

/// Which records a read may return: the store renders this into every query's WHERE clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// `None`: every division.
    pub divisions: Option<Vec<Uuid>>,
    /// `Some`: only records owned by this user (for records that have an owner).
    pub owner_id: Option<Uuid>,
}

impl Scope {
    pub fn everything() -> Self {
        Self { divisions: None, owner_id: None }
    }

    pub fn allows_division(&self, division_id: Uuid) -> bool {
        self.divisions.as_ref().is_none_or(|d| d.contains(&division_id))
    }
}

/// Who is acting: a signed-in user with their effective rights, or the system (CLI, jobs).
#[derive(Debug, Clone)]
pub struct Actor {
    /// `None` for the system actor.
    pub user_id: Option<Uuid>,
    pub username: String,
    pub role_codes: Vec<String>,
    pub permissions: BTreeSet<Permission>,
    pub data_scope: DataScope,
    pub division_ids: Vec<Uuid>,
    pub locale: String,
    pub time_zone: String,
}

impl Actor {
    /// The actor of the command line and scheduled jobs: every right, every division.
    pub fn system() -> Self {
        Self {
            user_id: None,
            username: "system".into(),
            role_codes: Vec::new(),
            permissions: Module::ALL.iter().flat_map(|m| Action::ALL.iter().map(|a| Permission::new(*m, *a))).collect(),
            data_scope: DataScope::All,
            division_ids: Vec::new(),
            locale: "zh-CN".into(),
            time_zone: "Asia/Shanghai".into(),
        }
    }

    pub fn can(&self, module: Module, action: Action) -> bool {
        self.permissions.contains(&Permission::new(module, action))
    }

    /// The policy check every action starts with.
    pub fn require(&self, module: Module, action: Action) -> Result<(), Error> {
        if self.can(module, action) {
            Ok(())
        } else {
            Err(Error::Forbidden(Permission::new(module, action).to_string()))
        }
    }

    /// The records this actor may read, for records that carry a division and an owner.
    pub fn scope(&self) -> Scope {
        match self.data_scope {
            DataScope::All => Scope::everything(),
            DataScope::Division => Scope { divisions: Some(self.division_ids.clone()), owner_id: None },
            DataScope::Own => Scope { divisions: Some(self.division_ids.clone()), owner_id: self.user_id },
        }
    }

    /// The scope for records that have a division but no owner (users, stock, audit rows):
    /// an own-only role still sees its divisions' shared records.
    pub fn division_scope(&self) -> Scope {
        Scope { owner_id: None, ..self.scope() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_read_and_write_as_module_dot_action() {
        let p: Permission = "customers.assign".parse().unwrap();
        assert_eq!(p, Permission::new(Module::Customers, Action::Assign));
        assert_eq!(p.to_string(), "customers.assign");
        assert!("customers.fly".parse::<Permission>().is_err());
    }

    #[test]
    fn an_own_scope_actor_reads_only_owned_records_of_its_divisions() {
        let d = Uuid::now_v7();
        let u = Uuid::now_v7();
        let actor = Actor { user_id: Some(u), data_scope: DataScope::Own, division_ids: vec![d], ..Actor::system() };
        assert_eq!(actor.scope(), Scope { divisions: Some(vec![d]), owner_id: Some(u) });
        assert_eq!(actor.division_scope().owner_id, None);
        assert!(!actor.scope().allows_division(Uuid::now_v7()));
    }
}
