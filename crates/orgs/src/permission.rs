//! OR3: what each organization role and department preset may do. This file is the one place
//! the rules live; every service of every crate asks [`allows`] (through
//! `service::access::authorize`), and ARCHITECTURE.md prints [`markdown_table`].

use std::fmt;

use sea_orm::entity::prelude::*;

/// Roles in an organization, weakest first: comparisons (`role >= Role::Moderator`) follow
/// this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    /// Follows the organization's public news; not a member.
    #[sea_orm(string_value = "subscriber")]
    Subscriber,
    /// Sees members-only content and the member list.
    #[sea_orm(string_value = "member")]
    Member,
    #[sea_orm(string_value = "moderator")]
    Moderator,
    #[sea_orm(string_value = "admin")]
    Admin,
    /// Exactly one per organization; alone deletes it and transfers ownership.
    #[sea_orm(string_value = "owner")]
    Owner,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Subscriber,
        Role::Member,
        Role::Moderator,
        Role::Admin,
        Role::Owner,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Subscriber => "subscriber",
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// `a member`, `an admin`, `the owner`: for messages.
    pub fn with_article(self) -> &'static str {
        match self {
            Role::Subscriber => "a subscriber",
            Role::Member => "a member",
            Role::Moderator => "a moderator",
            Role::Admin => "an admin",
            Role::Owner => "the owner",
        }
    }

    /// Members see the organization's non-public data (OR7); subscribers do not.
    pub fn is_member(self) -> bool {
        self >= Role::Member
    }
}

/// What a department member holds besides their organization role (OR4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Preset {
    /// Runs the department: its members, content and reports.
    #[sea_orm(string_value = "manager")]
    Manager,
    /// Writes and publishes the department's content.
    #[sea_orm(string_value = "creator")]
    Creator,
    /// Reads reports and exports; writes nothing.
    #[sea_orm(string_value = "analyst")]
    Analyst,
    /// Exactly the permissions listed on the membership.
    #[sea_orm(string_value = "custom")]
    Custom,
}

impl Preset {
    pub const PRESETS: [Preset; 3] = [Preset::Manager, Preset::Creator, Preset::Analyst];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Manager => "manager",
            Preset::Creator => "creator",
            Preset::Analyst => "analyst",
            Preset::Custom => "custom",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Edit the organization's profile and settings.
    ManageOrganization,
    /// Plan and billing.
    ManageBilling,
    /// Invite, add and remove members (never anyone of one's own role or above).
    ManageMembers,
    /// Change members' roles (up to one below one's own).
    ManageRoles,
    /// Create, edit and delete departments and their memberships.
    ManageDepartments,
    CreateResources,
    PublishResources,
    /// Approve, reject and hide others' content.
    ModerateResources,
    ViewAnalytics,
    ExportData,
    /// Check people in at events.
    CheckIn,
    /// Sell: see the seller's orders and customers, confirm, fulfil, cancel and refund them.
    ManageSales,
    /// Order on the organization's behalf (it is the customer).
    Purchase,
}

impl Permission {
    pub const ALL: [Permission; 13] = [
        Permission::ManageOrganization,
        Permission::ManageBilling,
        Permission::ManageMembers,
        Permission::ManageRoles,
        Permission::ManageDepartments,
        Permission::CreateResources,
        Permission::PublishResources,
        Permission::ModerateResources,
        Permission::ViewAnalytics,
        Permission::ExportData,
        Permission::CheckIn,
        Permission::ManageSales,
        Permission::Purchase,
    ];

    /// The name used in the API and in custom department permission sets.
    pub fn name(self) -> &'static str {
        match self {
            Permission::ManageOrganization => "manage_organization",
            Permission::ManageBilling => "manage_billing",
            Permission::ManageMembers => "manage_members",
            Permission::ManageRoles => "manage_roles",
            Permission::ManageDepartments => "manage_departments",
            Permission::CreateResources => "create_resources",
            Permission::PublishResources => "publish_resources",
            Permission::ModerateResources => "moderate_resources",
            Permission::ViewAnalytics => "view_analytics",
            Permission::ExportData => "export_data",
            Permission::CheckIn => "check_in",
            Permission::ManageSales => "manage_sales",
            Permission::Purchase => "purchase",
        }
    }

    pub fn parse(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const Y: bool = true;
const N: bool = false;

/// The matrix. Columns: organization roles subscriber, member, moderator, admin, owner; then
/// department presets manager, creator, analyst.
#[rustfmt::skip]
const MATRIX: [(Permission, [bool; 5], [bool; 3]); 13] = [
    //                                 sub member mod admin owner   manager creator analyst
    (Permission::ManageOrganization, [N, N, N, Y, Y],              [N, N, N]),
    (Permission::ManageBilling,      [N, N, N, N, Y],              [N, N, N]),
    (Permission::ManageMembers,      [N, N, Y, Y, Y],              [Y, N, N]),
    (Permission::ManageRoles,        [N, N, N, Y, Y],              [N, N, N]),
    (Permission::ManageDepartments,  [N, N, N, Y, Y],              [N, N, N]),
    (Permission::CreateResources,    [N, N, Y, Y, Y],              [Y, Y, N]),
    (Permission::PublishResources,   [N, N, Y, Y, Y],              [Y, Y, N]),
    (Permission::ModerateResources,  [N, N, Y, Y, Y],              [Y, N, N]),
    (Permission::ViewAnalytics,      [N, N, N, Y, Y],              [Y, N, Y]),
    (Permission::ExportData,         [N, N, N, Y, Y],              [Y, N, Y]),
    (Permission::CheckIn,            [N, N, Y, Y, Y],              [Y, N, N]),
    (Permission::ManageSales,        [N, N, Y, Y, Y],              [Y, N, N]),
    (Permission::Purchase,           [N, N, N, Y, Y],              [N, N, N]),
];

fn row(permission: Permission) -> &'static (Permission, [bool; 5], [bool; 3]) {
    // Every permission has exactly one row (checked by a test).
    &MATRIX[permission as usize]
}

/// Whether an organization role grants `permission` organization-wide.
pub fn role_allows(role: Role, permission: Permission) -> bool {
    row(permission).1[role as usize]
}

/// Whether a department preset grants `permission` within its department.
pub fn preset_allows(preset: Preset, permission: Permission) -> bool {
    match preset {
        Preset::Custom => false,
        preset => row(permission).2[preset as usize],
    }
}

/// What one person holds in one department.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentGrant {
    pub preset: Preset,
    /// For [`Preset::Custom`]: the permissions granted.
    pub custom: Vec<Permission>,
}

impl DepartmentGrant {
    pub fn allows(&self, permission: Permission) -> bool {
        match self.preset {
            Preset::Custom => self.custom.contains(&permission),
            preset => preset_allows(preset, permission),
        }
    }
}

/// The one question every service asks. `role` is the actor's organization role (none when
/// not a member); `department` what they hold in the department the action is in, if it is in
/// one. Department grants count only for members: a subscriber holds nothing.
pub fn allows(role: Option<Role>, department: Option<&DepartmentGrant>, permission: Permission) -> bool {
    let Some(role) = role else {
        return false;
    };
    role_allows(role, permission) || (role.is_member() && department.is_some_and(|d| d.allows(permission)))
}

/// The matrix as a Markdown table, for ARCHITECTURE.md (a test keeps the two equal).
pub fn markdown_table() -> String {
    let mark = |b: bool| if b { "✓" } else { "·" };
    let mut out = String::from(
        "| permission | subscriber | member | moderator | admin | owner | dept. manager | dept. creator | dept. analyst |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for (permission, roles, presets) in MATRIX {
        let cells: Vec<&str> = roles.iter().chain(presets.iter()).map(|&b| mark(b)).collect();
        out.push_str(&format!("| `{}` | {} |\n", permission.name(), cells.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_has_its_own_row() {
        for (index, permission) in Permission::ALL.into_iter().enumerate() {
            assert_eq!(MATRIX[index].0, permission);
            assert_eq!(Permission::parse(permission.name()), Some(permission));
        }
    }

    #[test]
    fn roles_are_ordered_and_indexed() {
        for (index, role) in Role::ALL.into_iter().enumerate() {
            assert_eq!(role as usize, index);
        }
        assert!(Role::Subscriber < Role::Member && Role::Admin < Role::Owner);
        for (index, preset) in Preset::PRESETS.into_iter().enumerate() {
            assert_eq!(preset as usize, index);
        }
    }

    #[test]
    fn a_higher_role_never_holds_less() {
        for permission in Permission::ALL {
            for pair in Role::ALL.windows(2) {
                assert!(!role_allows(pair[0], permission) || role_allows(pair[1], permission));
            }
        }
    }

    #[test]
    fn department_grants_need_membership() {
        let creator = DepartmentGrant {
            preset: Preset::Creator,
            custom: vec![],
        };
        assert!(allows(
            Some(Role::Member),
            Some(&creator),
            Permission::CreateResources
        ));
        assert!(!allows(
            Some(Role::Subscriber),
            Some(&creator),
            Permission::CreateResources
        ));
        assert!(!allows(None, Some(&creator), Permission::CreateResources));
        let custom = DepartmentGrant {
            preset: Preset::Custom,
            custom: vec![Permission::CheckIn],
        };
        assert!(allows(Some(Role::Member), Some(&custom), Permission::CheckIn));
        assert!(!allows(
            Some(Role::Member),
            Some(&custom),
            Permission::CreateResources
        ));
    }
}
