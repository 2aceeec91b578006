//! OR6: plans and what each allows. A limit reached is `LIMIT_EXCEEDED`, naming the limit.

use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Plan {
    #[sea_orm(string_value = "free")]
    Free,
    #[sea_orm(string_value = "starter")]
    Starter,
    #[sea_orm(string_value = "growth")]
    Growth,
    #[sea_orm(string_value = "pro")]
    Pro,
    #[sea_orm(string_value = "enterprise")]
    Enterprise,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum BillingStatus {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "trialing")]
    Trialing,
    /// A payment failed: the organization falls back to the free plan's limits until paid.
    #[sea_orm(string_value = "past_due")]
    PastDue,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// What a plan allows; `None` is unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Members of role member and above; subscribers are not counted.
    pub members: Option<u32>,
    pub departments: Option<u32>,
    pub resources_per_month: Option<u32>,
}

/// Which limit an action ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Members,
    Departments,
    ResourcesPerMonth,
}

impl Limit {
    pub fn describe(self) -> &'static str {
        match self {
            Limit::Members => "members",
            Limit::Departments => "departments",
            Limit::ResourcesPerMonth => "resources per month",
        }
    }
}

impl Plan {
    pub fn name(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Starter => "starter",
            Plan::Growth => "growth",
            Plan::Pro => "pro",
            Plan::Enterprise => "enterprise",
        }
    }

    pub fn limits(self) -> Limits {
        let limits = |members, departments, resources_per_month| Limits {
            members,
            departments,
            resources_per_month,
        };
        match self {
            Plan::Free => limits(Some(10), Some(1), Some(30)),
            Plan::Starter => limits(Some(25), Some(3), Some(200)),
            Plan::Growth => limits(Some(100), Some(10), Some(2_000)),
            Plan::Pro => limits(Some(1_000), Some(50), Some(20_000)),
            Plan::Enterprise => limits(None, None, None),
        }
    }

    /// The limits in force: an organization whose payment failed or whose subscription ended
    /// gets the free plan's (PA6).
    pub fn effective_limits(self, billing: BillingStatus) -> Limits {
        match billing {
            BillingStatus::Active | BillingStatus::Trialing => self.limits(),
            BillingStatus::PastDue | BillingStatus::Cancelled => Plan::Free.limits(),
        }
    }
}

impl Limits {
    pub fn of(&self, limit: Limit) -> Option<u32> {
        match limit {
            Limit::Members => self.members,
            Limit::Departments => self.departments,
            Limit::ResourcesPerMonth => self.resources_per_month,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigger_plans_allow_more_and_unpaid_plans_fall_back_to_free() {
        let plans = [Plan::Free, Plan::Starter, Plan::Growth, Plan::Pro];
        for pair in plans.windows(2) {
            assert!(pair[0].limits().members < pair[1].limits().members);
        }
        assert_eq!(Plan::Enterprise.limits().members, None);
        assert_eq!(
            Plan::Pro.effective_limits(BillingStatus::PastDue),
            Plan::Free.limits()
        );
    }
}
