//! Event registrations in GraphQL: tickets, the waitlist and check-in.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object};
use commons_core::{PageRequest, Timestamp};
use commons_resources::service::registrations::Registration as Domain;

use super::any_id;
use super::loader::load_resources;
use super::types::Resource;
use crate::error::GqlResult;
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::identity::{User, load_users};
use crate::schema::node::{expect_id, global_id};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_resources::RegistrationStatus")]
pub enum RegistrationStatus {
    /// Has a seat.
    Registered,
    /// Waits for a seat; freed seats go in the order people asked.
    Waitlisted,
    Cancelled,
}

/// A person's registration for an event.
#[derive(Clone)]
pub struct Registration(pub Domain);

#[Object]
impl Registration {
    pub async fn id(&self) -> ID {
        global_id("Registration", self.0.id)
    }

    async fn status(&self) -> RegistrationStatus {
        self.0.status.into()
    }

    /// What the ticket's QR code carries; only its holder sees it.
    async fn ticket_code(&self) -> Option<&str> {
        self.0.ticket_code.as_deref()
    }

    /// 1 for the next to get a seat; shown to the holder of a waitlisted registration.
    async fn waitlist_position(&self) -> Option<u64> {
        self.0.waitlist_position
    }

    async fn requested_at(&self) -> Timestamp {
        self.0.requested_at
    }

    async fn cancelled_at(&self) -> Option<Timestamp> {
        self.0.cancelled_at
    }

    async fn checked_in_at(&self) -> Option<Timestamp> {
        self.0.checked_in_at
    }

    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let id = self.0.user_id;
        Ok(load_users(ctx, vec![id]).await?.remove(&id))
    }

    /// Null when the event is gone or hidden from you.
    async fn event(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Resource>> {
        let id = self.0.event_id;
        Ok(load_resources(ctx, vec![id]).await?.remove(&id))
    }
}

#[derive(Default)]
pub struct RegistrationsQuery;

#[Object]
impl RegistrationsQuery {
    /// Your registrations, newest first: your tickets.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn my_registrations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Registration>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .resources
            .my_registrations(&s.db, ctx.actor()?, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, Registration))
    }
}

#[derive(Default)]
pub struct RegistrationsMutation;

#[Object]
impl RegistrationsMutation {
    /// Registers you for an event: a seat while there are seats, else the waitlist
    /// (`WAITLISTED`). Registering again returns the registration you have.
    async fn register_for_event(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
    ) -> async_graphql::Result<Registration> {
        let s = ctx.services();
        let id = any_id(&event_id, "Event", "eventId")?;
        let found = s
            .resources
            .register_for_event(&s.db, ctx.actor()?, id)
            .await
            .gql()?;
        Ok(Registration(found))
    }

    /// Cancels a registration (yours, or as the event's moderator); a freed seat goes to the
    /// first on the waitlist.
    async fn cancel_registration(
        &self,
        ctx: &Context<'_>,
        registration_id: ID,
    ) -> async_graphql::Result<Registration> {
        let s = ctx.services();
        let id = expect_id(&registration_id, "Registration", "registrationId")?;
        let found = s
            .resources
            .cancel_registration(&s.db, ctx.actor()?, id)
            .await
            .gql()?;
        Ok(Registration(found))
    }

    /// Checks a ticket in by its code (as a QR scan reads it), for holders of `check_in`. A
    /// ticket checks in once: the second time is a `CONFLICT` naming the first.
    async fn check_in(&self, ctx: &Context<'_>, ticket_code: String) -> async_graphql::Result<Registration> {
        let s = ctx.services();
        let found = s
            .resources
            .check_in(&s.db, ctx.actor()?, &ticket_code)
            .await
            .gql()?;
        Ok(Registration(found))
    }
}
