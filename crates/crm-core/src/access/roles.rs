use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::permissions::{Action, DataScope, Module, Permission};
use crate::error::{FieldError, Validator, optional_text, required_text};
use crate::patch::Patch;

/// What one role grants its holders: the part of a role that decides an actor's rights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub permissions: BTreeSet<Permission>,
    pub data_scope: DataScope,
}

/// A role: a named set of permissions and a data scope (ACL-1). Roles are data; the five
/// defaults are seeded by the first migration run and can be edited like any other.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Role {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub permissions: BTreeSet<Permission>,
    pub data_scope: DataScope,
    /// Shipped roles can be edited but not deleted.
    pub builtin: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewRole {
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub permissions: BTreeSet<Permission>,
    pub data_scope: DataScope,
}

#[derive(Debug, Clone, Default)]
pub struct RolePatch {
    pub name: Option<String>,
    pub description: Patch<String>,
    pub permissions: Option<BTreeSet<Permission>>,
    pub data_scope: Option<DataScope>,
}

/// Role codes are lowercase ASCII identifiers, since scripts pass them on the command line.
pub fn parse_role_code(value: &str) -> Result<String, FieldError> {
    let code = required_text("code", value, 40)?;
    if code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        Ok(code)
    } else {
        Err(FieldError::new("code", "invalid_code"))
    }
}

pub fn parse_permissions(values: &[String]) -> Result<BTreeSet<Permission>, FieldError> {
    values
        .iter()
        .map(|v| v.parse::<Permission>().map_err(|_| FieldError::with_param("permissions", "unknown_permission", v)))
        .collect()
}

pub fn parse_data_scope(value: &str) -> Result<DataScope, FieldError> {
    DataScope::parse(value).ok_or_else(|| FieldError::with_param("data_scope", "invalid_choice", "own,division,all"))
}

impl NewRole {
    pub fn parse(
        code: &str,
        name: &str,
        description: &str,
        permissions: &[String],
        data_scope: &str,
    ) -> Result<Self, crate::Error> {
        let mut v = Validator::default();
        let code = v.check(parse_role_code(code));
        let name = v.check(required_text("name", name, 60));
        let description = v.check(optional_text("description", description, 500));
        let permissions = v.check(parse_permissions(permissions));
        let data_scope = v.check(parse_data_scope(data_scope));
        v.finish()?;
        match (code, name, description, permissions, data_scope) {
            (Some(code), Some(name), Some(description), Some(permissions), Some(data_scope)) => {
                Ok(NewRole { code, name, description, permissions, data_scope })
            }
            _ => Err(crate::Error::invalid("role", "invalid")),
        }
    }
}

impl Role {
    pub fn into_grant(self) -> Grant {
        Grant { permissions: self.permissions, data_scope: self.data_scope }
    }
}

impl RolePatch {
    pub fn parse(
        name: Option<&str>,
        description: Patch<String>,
        permissions: Option<&[String]>,
        data_scope: Option<&str>,
    ) -> Result<Self, crate::Error> {
        let mut v = Validator::default();
        let name = name.and_then(|n| v.check(required_text("name", n, 60)));
        let description = v.patch(description, |d| optional_text("description", d, 500));
        let permissions = permissions.and_then(|p| v.check(parse_permissions(p)));
        let data_scope = data_scope.and_then(|s| v.check(parse_data_scope(s)));
        v.finish()?;
        Ok(Self { name, description, permissions, data_scope })
    }
}

fn grant(modules: &[Module], actions: &[Action]) -> impl Iterator<Item = Permission> {
    modules.iter().flat_map(move |m| actions.iter().map(move |a| Permission::new(*m, *a)))
}

const BUSINESS: [Module; 7] = [
    Module::Customers,
    Module::Sales,
    Module::Service,
    Module::Churn,
    Module::Schedule,
    Module::Marketing,
    Module::Reports,
];

/// The five roles of SPEC.md, shipped as defaults.
pub fn default_roles() -> Vec<NewRole> {
    use Action::*;
    use Module::*;
    let role = |code: &str, name: &str, description: &str, data_scope, permissions: BTreeSet<Permission>| NewRole {
        code: code.into(),
        name: name.into(),
        description: Some(description.into()),
        permissions,
        data_scope,
    };
    vec![
        role(
            "admin",
            "系统管理员",
            "用户、角色、版块、数据字典与设置；默认不看业务数据",
            DataScope::All,
            grant(&[Users, Roles, Divisions, Dictionary, Products, Inventory], &Action::ALL)
                .chain(grant(&[Audit], &[View, Export]))
                .collect(),
        ),
        role(
            "executive",
            "高管",
            "查看所有版块的全部数据与报表，可向任何人指派跟进",
            DataScope::All,
            grant(&BUSINESS, &[View, Export, Assign, Approve])
                // Their own tasks and appointments, like everyone's.
                .chain(grant(&[Schedule], &[Create, Edit]))
                .chain(grant(&[Dictionary, Products, Inventory, Divisions, Users, Audit], &[View]))
                .collect(),
        ),
        role(
            "director",
            "销售主管",
            "创建并指派销售机会，查看整个版块，审批",
            DataScope::Division,
            grant(&BUSINESS, &Action::ALL)
                .chain(grant(&[Dictionary, Products, Inventory, Divisions, Users], &[View]))
                .chain(grant(&[Inventory], &[Create, Edit]))
                .collect(),
        ),
        role(
            "manager",
            "客户经理",
            "管理自己的客户、开发计划、服务与交往记录",
            DataScope::Own,
            grant(&[Customers, Sales, Service, Churn, Schedule], &[View, Create, Edit])
                .chain(grant(&[Reports, Marketing, Dictionary, Products, Inventory], &[View]))
                .collect(),
        ),
        role(
            "division_admin",
            "版块管理员",
            "管理本版块的用户账号与权限",
            DataScope::Division,
            grant(&[Users], &[View, Create, Edit])
                .chain(grant(&[Roles, Divisions, Dictionary, Audit], &[View]))
                .collect(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_default_roles_ship_and_only_admin_manages_roles() {
        let roles = default_roles();
        let codes: Vec<_> = roles.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["admin", "executive", "director", "manager", "division_admin"]);
        let edits_roles: Vec<_> = roles
            .iter()
            .filter(|r| r.permissions.contains(&Permission::new(Module::Roles, Action::Edit)))
            .map(|r| r.code.as_str())
            .collect();
        assert_eq!(edits_roles, ["admin"]);
    }

    #[test]
    fn role_codes_must_be_lowercase_identifiers() {
        assert!(parse_role_code("key_account").is_ok());
        assert_eq!(parse_role_code("销售").unwrap_err().code, "invalid_code");
    }
}
