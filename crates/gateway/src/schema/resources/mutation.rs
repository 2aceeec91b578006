use async_graphql::{Context, ID, InputObject, Object, OneofObject};
use commons_core::{ErrorCode, Timestamp};
use commons_resources::KindInput;
use commons_resources::geo::Location;
use commons_resources::kind::blogpost::BlogpostInput as DomainBlogpost;
use commons_resources::kind::event::EventInput as DomainEvent;
use commons_resources::kind::initiative::InitiativeInput as DomainInitiative;
use commons_resources::kind::page::PageInput as DomainPage;
use commons_resources::kind::photo::PhotoInput as DomainPhoto;
use commons_resources::kind::product::ProductInput as DomainProduct;
use commons_resources::kind::spot::SpotInput as DomainSpot;
use commons_resources::service::writing::{CreateResource, UpdateResource};

use super::types::{Initiative, Resource, Visibility};
use super::{any_id, visible};
use crate::error::{GqlResult, coded};
use crate::schema::context::ContextExt;
use crate::schema::idempotency;
use crate::schema::node::expect_id;

#[derive(Default)]
pub struct ResourcesMutation;

#[derive(InputObject)]
pub struct BlogpostInput {
    /// Markdown.
    body: String,
    cover_url: Option<String>,
}

#[derive(InputObject)]
pub struct PageInput {
    /// Where the page sits: `about/team`.
    path: String,
    body: String,
    parent_id: Option<ID>,
}

#[derive(InputObject)]
pub struct EventInput {
    starts_at: Timestamp,
    ends_at: Timestamp,
    /// IANA zone the organizer plans in; `UTC` when omitted.
    timezone: Option<String>,
    place: Option<String>,
    online_url: Option<String>,
    /// Where it is held, for distance search; both or neither.
    latitude: Option<f64>,
    longitude: Option<f64>,
    /// Seats; no limit when omitted.
    capacity: Option<i32>,
    registration_opens_at: Option<Timestamp>,
    /// The event's end when omitted.
    registration_closes_at: Option<Timestamp>,
    /// Whether those who see the event may see who registered.
    #[graphql(default)]
    participants_visible: bool,
}

/// An uploaded image (`mediaId`, from `uploadMedia`) or an image's address (`url`).
/// An initiative (GV1): its lifecycle, join code and tasks follow in governance.
#[derive(InputObject)]
pub struct InitiativeInput {
    /// `environment`, `education`, `social` …
    category: String,
    place: Option<String>,
    /// Where it happens, for distance search; both or neither.
    latitude: Option<f64>,
    longitude: Option<f64>,
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    /// A funding goal in minor units of `currency`; both or neither.
    goal_minor: Option<i64>,
    currency: Option<String>,
    /// People who may join; no limit when omitted.
    max_participants: Option<i32>,
}

#[derive(InputObject)]
pub struct PhotoInput {
    media_id: Option<ID>,
    url: Option<String>,
    caption: Option<String>,
}

#[derive(InputObject)]
pub struct ProductInput {
    /// In the currency's minor units: 1990 is 19.90 EUR.
    price_minor: i64,
    /// ISO 4217, such as `KZT`.
    currency: String,
    sku: Option<String>,
    /// Not counted when omitted.
    stock: Option<i32>,
    #[graphql(default = true)]
    active: bool,
}

#[derive(InputObject)]
pub struct SpotInput {
    latitude: f64,
    longitude: f64,
    address: Option<String>,
    /// Opening hours as people write them.
    hours: Option<String>,
    /// Bookings of its time wait for your approval.
    #[graphql(default)]
    requires_booking_approval: bool,
}

/// Exactly one kind, with its own fields.
#[derive(OneofObject)]
pub enum ResourceKindInput {
    Blogpost(BlogpostInput),
    Event(EventInput),
    Initiative(InitiativeInput),
    Page(PageInput),
    Photo(PhotoInput),
    Product(ProductInput),
    Spot(SpotInput),
}

/// An initiative to start: a resource's fields and an initiative's.
#[derive(InputObject)]
pub struct CreateInitiativeInput {
    #[graphql(flatten)]
    fields: ResourceFields,
    #[graphql(flatten)]
    initiative: InitiativeInput,
}

/// Creates a resource once per idempotency key (GW7).
async fn create_once(
    ctx: &Context<'_>,
    create: CreateResource,
    idempotency_key: Option<&str>,
) -> async_graphql::Result<Resource> {
    let s = ctx.services();
    idempotency::create_once(
        ctx,
        idempotency_key,
        async |id| visible(ctx, id).await,
        async |db| {
            let full = s
                .resources
                .create_resource(db, ctx.actor()?, create)
                .await
                .gql()?;
            Resource::from_full(full).ok_or_else(|| coded(ErrorCode::Internal, "internal error"))
        },
        Resource::id_of,
    )
    .await
}

#[derive(InputObject)]
pub struct RejectResourceInput {
    id: ID,
    /// Shown to the creator.
    reason: String,
}

#[derive(InputObject)]
pub struct CreateResourceInput {
    #[graphql(flatten)]
    fields: ResourceFields,
    kind: ResourceKindInput,
}

/// What every resource is given when it is made, whatever its kind.
#[derive(InputObject)]
pub struct ResourceFields {
    /// A user, organization or department; you when omitted.
    owner_id: Option<ID>,
    title: String,
    /// Derived from the title when omitted.
    slug: Option<String>,
    summary: Option<String>,
    #[graphql(default)]
    tags: Vec<String>,
    #[graphql(default_with = "Visibility::Public")]
    visibility: Visibility,
}

impl ResourceFields {
    fn with_kind(self, kind: KindInput) -> async_graphql::Result<CreateResource> {
        Ok(CreateResource {
            owner_id: self
                .owner_id
                .map(|id| any_id(&id, "User", "ownerId"))
                .transpose()?,
            title: self.title,
            slug: self.slug,
            summary: self.summary,
            tags: self.tags,
            visibility: self.visibility.into(),
            kind,
        })
    }
}

impl ResourceKindInput {
    fn into_domain(self) -> async_graphql::Result<KindInput> {
        Ok(match self {
            ResourceKindInput::Blogpost(b) => KindInput::Blogpost(DomainBlogpost {
                body: b.body,
                cover_url: b.cover_url,
            }),
            ResourceKindInput::Page(p) => KindInput::Page(DomainPage {
                path: p.path,
                body: p.body,
                parent_id: p
                    .parent_id
                    .map(|id| expect_id(&id, "Page", "kind.page.parentId"))
                    .transpose()?,
            }),
            ResourceKindInput::Event(e) => KindInput::Event(DomainEvent {
                starts_at: e.starts_at,
                ends_at: e.ends_at,
                timezone: e.timezone,
                place: e.place,
                online_url: e.online_url,
                location: Location::optional(e.latitude, e.longitude).gql()?,
                capacity: e.capacity,
                registration_opens_at: e.registration_opens_at,
                registration_closes_at: e.registration_closes_at,
                participants_visible: e.participants_visible,
            }),
            ResourceKindInput::Initiative(i) => KindInput::Initiative(DomainInitiative {
                category: i.category,
                place: i.place,
                location: Location::optional(i.latitude, i.longitude).gql()?,
                starts_at: i.starts_at,
                ends_at: i.ends_at,
                goal_minor: i.goal_minor,
                currency: i.currency,
                max_participants: i.max_participants,
            }),
            ResourceKindInput::Photo(p) => KindInput::Photo(DomainPhoto {
                url: p.url,
                media_id: p
                    .media_id
                    .map(|id| expect_id(&id, "Media", "kind.photo.mediaId"))
                    .transpose()?,
                caption: p.caption,
            }),
            ResourceKindInput::Product(p) => KindInput::Product(DomainProduct {
                price_minor: p.price_minor,
                currency: p.currency,
                sku: p.sku,
                stock: p.stock,
                active: p.active,
            }),
            ResourceKindInput::Spot(p) => KindInput::Spot(DomainSpot {
                location: Location::new(p.latitude, p.longitude).gql()?,
                address: p.address,
                hours: p.hours,
                requires_booking_approval: p.requires_booking_approval,
            }),
        })
    }
}

#[derive(InputObject)]
pub struct UpdateResourceInput {
    id: ID,
    /// Omit a field to keep it; an empty summary clears it.
    title: Option<String>,
    slug: Option<String>,
    summary: Option<String>,
    /// Replaces all tags.
    tags: Option<Vec<String>>,
    visibility: Option<Visibility>,
    /// Replaces the kind's own fields; it must be the resource's kind.
    kind: Option<ResourceKindInput>,
}

#[derive(InputObject)]
pub struct TransferResourceInput {
    id: ID,
    /// A user, organization or department.
    new_owner_id: ID,
}

#[Object]
impl ResourcesMutation {
    /// Creates a draft. An organization's resource needs `create_resources` there and counts
    /// against its plan's monthly allowance.
    async fn create_resource(
        &self,
        ctx: &Context<'_>,
        input: CreateResourceInput,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Resource> {
        let create = input.fields.with_kind(input.kind.into_domain()?)?;
        create_once(ctx, create, idempotency_key.as_deref()).await
    }

    /// Starts an initiative (GV1): `createResource` with an initiative's fields, answering
    /// with the initiative. It starts as a draft: publish it, then open it (`moveInitiative`).
    async fn create_initiative(
        &self,
        ctx: &Context<'_>,
        input: CreateInitiativeInput,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Initiative> {
        let kind = ResourceKindInput::Initiative(input.initiative).into_domain()?;
        let create = input.fields.with_kind(kind)?;
        match create_once(ctx, create, idempotency_key.as_deref()).await? {
            Resource::Initiative(made) => Ok(made),
            // A replayed key that made something else first.
            _ => Err(coded(
                ErrorCode::Conflict,
                "this idempotency key was used for another kind of resource",
            )),
        }
    }

    /// Changes a resource: its creator (with the right to create there) or a moderator.
    async fn update_resource(
        &self,
        ctx: &Context<'_>,
        input: UpdateResourceInput,
    ) -> async_graphql::Result<Resource> {
        let s = ctx.services();
        let update = UpdateResource {
            id: any_id(&input.id, "Resource", "id")?,
            title: input.title,
            slug: input.slug,
            summary: input.summary,
            tags: input.tags,
            visibility: input.visibility.map(Into::into),
            kind: input.kind.map(ResourceKindInput::into_domain).transpose()?,
        };
        let full = s
            .resources
            .update_resource(&s.db, ctx.actor()?, update)
            .await
            .gql()?;
        Resource::from_full(full).ok_or_else(|| coded(ErrorCode::Internal, "internal error"))
    }

    /// Hands a resource to another owner where you may create.
    async fn transfer_resource(
        &self,
        ctx: &Context<'_>,
        input: TransferResourceInput,
    ) -> async_graphql::Result<Option<Resource>> {
        let s = ctx.services();
        let id = any_id(&input.id, "Resource", "id")?;
        let owner = any_id(&input.new_owner_id, "User", "newOwnerId")?;
        s.resources
            .transfer_resource(&s.db, ctx.actor()?, id, owner)
            .await
            .gql()?;
        visible(ctx, id).await
    }

    /// Publishes a draft, or brings back an archived resource.
    async fn publish_resource(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Resource>> {
        let s = ctx.services();
        let id = any_id(&id, "Resource", "id")?;
        s.resources
            .publish_resource(&s.db, ctx.actor()?, id)
            .await
            .gql()?;
        visible(ctx, id).await
    }

    /// Takes a published resource out of the feed.
    async fn archive_resource(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Resource>> {
        let s = ctx.services();
        let id = any_id(&id, "Resource", "id")?;
        s.resources
            .archive_resource(&s.db, ctx.actor()?, id)
            .await
            .gql()?;
        visible(ctx, id).await
    }

    /// Asks the moderators to publish your draft, where content is reviewed.
    async fn submit_resource(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Resource>> {
        let s = ctx.services();
        let id = any_id(&id, "Resource", "id")?;
        s.resources.submit_resource(&s.db, ctx.actor()?, id).await.gql()?;
        visible(ctx, id).await
    }

    /// Approves a submitted resource, which publishes it (`moderate_resources`).
    async fn approve_resource(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Resource>> {
        let s = ctx.services();
        let id = any_id(&id, "Resource", "id")?;
        s.resources
            .approve_resource(&s.db, ctx.actor()?, id)
            .await
            .gql()?;
        visible(ctx, id).await
    }

    /// Sends a submitted resource back to its creator with the reason (`moderate_resources`).
    async fn reject_resource(
        &self,
        ctx: &Context<'_>,
        input: RejectResourceInput,
    ) -> async_graphql::Result<Option<Resource>> {
        let s = ctx.services();
        let id = any_id(&input.id, "Resource", "id")?;
        s.resources
            .reject_resource(&s.db, ctx.actor()?, id, &input.reason)
            .await
            .gql()?;
        visible(ctx, id).await
    }

    /// Deletes a resource (softly: reactions and orders may point at it).
    async fn delete_resource(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let s = ctx.services();
        let id = any_id(&id, "Resource", "id")?;
        s.resources.delete_resource(&s.db, ctx.actor()?, id).await.gql()?;
        Ok(true)
    }
}
