//! The services' inputs as tests usually fill them, for tests that call a service themselves
//! (to see it refuse, or with one field changed: `..input::department(org.id, "Team")`).

use commons_identity::service::accounts::Register;
use commons_orgs::service::departments::CreateDepartment;
use commons_orgs::service::invites::CreateInvite;
use commons_orgs::service::organizations::CreateOrganization;
use commons_orgs::{OrganizationKind, Role};
use uuid::Uuid;

/// The password every test person has.
pub const PASSWORD: &str = "correct horse battery";

/// `name`, signing up as `name@example.org`.
pub fn registration(name: &str) -> Register {
    Register {
        email: format!("{name}@example.org"),
        username: name.into(),
        password: PASSWORD.into(),
        ..Register::default()
    }
}

/// A virtual organization named `name`, at the address made of it ([`slug`]).
pub fn organization(name: &str) -> CreateOrganization {
    CreateOrganization {
        name: name.into(),
        slug: slug(name),
        description: None,
        logo_url: None,
        kind: OrganizationKind::Virtual,
    }
}

/// A department of `org_id` whose content is published without review.
pub fn department(org_id: Uuid, name: &str) -> CreateDepartment {
    CreateDepartment {
        org_id,
        name: name.into(),
        description: None,
        timezone: None,
        requires_approval: false,
    }
}

/// An invite into `org_id` with `role`, for anyone, as often as wanted.
pub fn invite(org_id: Uuid, role: Role) -> CreateInvite {
    CreateInvite {
        org_id: Some(org_id),
        role: Some(role),
        ..CreateInvite::default()
    }
}

/// `Big run` → `big-run`: lower case, a dash for anything but Latin letters and digits.
pub fn slug(name: &str) -> String {
    let lower = name.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.join("-")
}
