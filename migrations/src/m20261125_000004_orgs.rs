//! orgs: organizations (OR1, OR6), memberships (OR2), departments (OR4), invites (ID4).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

const ROLES: &[&str] = &["subscriber", "member", "moderator", "admin", "owner"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("organizations")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("slug", 64))
                    .col(string_len("name", 120))
                    .col(text_null("description"))
                    .col(string_len_null("logo_url", 2048))
                    .col(string_len("kind", 16).check(one_of("kind", &["legal", "virtual"])))
                    .col(string_len("status", 16).check(one_of("status", &["pending", "active", "rejected"])))
                    .col(text_null("status_reason"))
                    .col(string_len("plan", 16).check(one_of(
                        "plan",
                        &["free", "starter", "growth", "pro", "enterprise"],
                    )))
                    .col(string_len("billing_status", 16).check(one_of(
                        "billing_status",
                        &["active", "trialing", "past_due", "cancelled"],
                    )))
                    // Counters kept in the writing transaction: plan limits are checked with a
                    // conditional UPDATE on them, which holds under concurrent joins.
                    .col(
                        integer("member_count")
                            .default(0)
                            .check(Expr::col("member_count").gte(0)),
                    )
                    .col(
                        integer("subscriber_count")
                            .default(0)
                            .check(Expr::col("subscriber_count").gte(0)),
                    )
                    .col(
                        integer("department_count")
                            .default(0)
                            .check(Expr::col("department_count").gte(0)),
                    )
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("organizations", "id", "agents"))
                    .foreign_key(
                        &mut fk("organizations", "created_by", "users")
                            .on_delete(ForeignKeyAction::SetNull)
                            .take(),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index("organizations", &["status", "id"]))
            .await?;
        manager
            .create_index(index("organizations", &["created_by"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("memberships")
                    .col(pk_uuid("id"))
                    .col(uuid("org_id"))
                    .col(uuid("user_id"))
                    .col(string_len("role", 16).check(one_of("role", ROLES)))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone("last_active_at"))
                    .foreign_key(&mut fk("memberships", "org_id", "organizations"))
                    .foreign_key(&mut fk("memberships", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("memberships", &["org_id", "user_id"]).unique().take())
            .await?;
        manager
            .create_index(index("memberships", &["org_id", "id"]))
            .await?;
        manager
            .create_index(index("memberships", &["user_id", "id"]))
            .await?;
        // Exactly one owner per organization: at most one by this index, at least one by the
        // services (ownership only ever moves in one transaction).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_memberships_one_owner ON memberships (org_id) WHERE role = 'owner'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("departments")
                    .col(pk_uuid("id"))
                    .col(uuid("org_id"))
                    .col(string_len("name", 120))
                    .col(text_null("description"))
                    .col(string_len("timezone", 64))
                    .col(boolean("requires_approval").default(false))
                    .col(string_len_uniq("join_code", 32))
                    .col(
                        integer("member_count")
                            .default(0)
                            .check(Expr::col("member_count").gte(0)),
                    )
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("departments", "id", "agents"))
                    .foreign_key(&mut fk("departments", "org_id", "organizations"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("departments", &["org_id", "name"]).unique().take())
            .await?;
        manager
            .create_index(index("departments", &["org_id", "id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("department_members")
                    .col(pk_uuid("id"))
                    .col(uuid("department_id"))
                    .col(uuid("org_id"))
                    .col(uuid("user_id"))
                    .col(
                        string_len("preset", 16)
                            .check(one_of("preset", &["manager", "creator", "analyst", "custom"])),
                    )
                    .col(string_len("permissions", 512))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("department_members", "department_id", "departments"))
                    .foreign_key(&mut fk("department_members", "org_id", "organizations"))
                    .foreign_key(&mut fk("department_members", "user_id", "users"))
                    // Only members have department seats: a seat goes with its membership,
                    // even when a removal races with someone adding the seat.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_department_members_membership")
                            .from("department_members", ("org_id", "user_id"))
                            .to("memberships", ("org_id", "user_id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("department_members", &["department_id", "user_id"])
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(index("department_members", &["department_id", "id"]))
            .await?;
        manager
            .create_index(index("department_members", &["user_id", "org_id"]))
            .await?;
        manager
            .create_index(index("department_members", &["org_id"]))
            .await?;

        // What an organization used of its plan per calendar month (UTC), claimed with a
        // conditional UPDATE so concurrent creations cannot pass the limit.
        manager
            .create_table(
                Table::create()
                    .table("organization_usage")
                    .col(uuid("org_id"))
                    .col(string_len("month", 7))
                    .col(
                        integer("resources_created")
                            .default(0)
                            .check(Expr::col("resources_created").gte(0)),
                    )
                    .primary_key(Index::create().col("org_id").col("month"))
                    .foreign_key(&mut fk("organization_usage", "org_id", "organizations"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("invites")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("code", 64))
                    .col(uuid("inviter_id"))
                    .col(uuid_null("org_id"))
                    .col(
                        string_len_null("role", 16)
                            .check(Expr::col("role").is_null().or(one_of("role", ROLES))),
                    )
                    .col(string_len_null("email", 254))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(
                        integer_null("max_uses")
                            .check(Expr::col("max_uses").is_null().or(Expr::col("max_uses").gte(1))),
                    )
                    .col(integer("uses").default(0).check(Expr::col("uses").gte(0)))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("invites", "inviter_id", "users"))
                    .foreign_key(&mut fk("invites", "org_id", "organizations"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("invites", &["inviter_id", "id"]))
            .await?;
        manager.create_index(index("invites", &["org_id", "id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("invite_departments")
                    .col(uuid("invite_id"))
                    .col(uuid("department_id"))
                    .primary_key(Index::create().col("invite_id").col("department_id"))
                    .foreign_key(&mut fk("invite_departments", "invite_id", "invites"))
                    .foreign_key(&mut fk("invite_departments", "department_id", "departments"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("invite_departments", &["department_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("invite_acceptances")
                    .col(pk_uuid("id"))
                    .col(uuid("invite_id"))
                    .col(uuid("user_id"))
                    .col(uuid("inviter_id"))
                    .col(boolean("new_account"))
                    .col(timestamp_with_time_zone("accepted_at"))
                    .foreign_key(&mut fk("invite_acceptances", "invite_id", "invites"))
                    .foreign_key(&mut fk("invite_acceptances", "user_id", "users"))
                    .foreign_key(&mut fk("invite_acceptances", "inviter_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("invite_acceptances", &["invite_id", "user_id"])
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(index("invite_acceptances", &["user_id"]))
            .await?;
        manager
            .create_index(index("invite_acceptances", &["inviter_id"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "invite_acceptances",
            "invite_departments",
            "invites",
            "department_members",
            "organization_usage",
            "departments",
            "memberships",
            "organizations",
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
