//! The `Resource` interface and one object type per kind.

use async_graphql::{Context, Enum, ID, Interface, Object};
use commons_core::Timestamp;
use commons_resources::KindData;
use commons_resources::entity::{blogpost, event, initiative, page, photo, product, spot};
use commons_resources::service::writing::Full;
use futures::FutureExt;

use async_graphql::connection::Connection;
use commons_core::PageRequest;

use super::loader::{load_reactions, load_viewer_registration};
use super::registrations::Registration;
use crate::error::{GqlResult, SharedResult};
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::governance;
use crate::schema::identity::{User, load_users};
use crate::schema::node::global_id;
use crate::schema::orgs::{Owner, load_owners};
use crate::schema::reactions::{Comment, ReactionSummary, comments_of};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_resources::Visibility")]
pub enum Visibility {
    /// Everyone, once published.
    Public,
    /// Members of the owning organization.
    Members,
    /// Members of the owning department, and the organization's moderators and up.
    Department,
    /// The creator, the owning person, and the organization's admins.
    Private,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_resources::Status")]
pub enum ResourceStatus {
    Draft,
    Published,
    Archived,
}

/// Anything published on the platform: every kind shares these fields.
// Interface fields repeat `ty = "String"`; clippy takes the repeats for duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface, Clone)]
#[graphql(
    name = "Resource",
    field(name = "id", ty = "ID"),
    field(
        name = "kind",
        ty = "String",
        desc = "`blogpost`, `event`, `initiative`, `page`, `photo`, `product` or `spot`."
    ),
    field(name = "title", ty = "String"),
    field(name = "slug", ty = "String", desc = "Unique per owner."),
    field(name = "summary", ty = "Option<String>"),
    field(name = "tags", ty = "Vec<String>"),
    field(name = "visibility", ty = "Visibility"),
    field(name = "status", ty = "ResourceStatus"),
    field(name = "created_at", ty = "Timestamp"),
    field(name = "published_at", ty = "Option<Timestamp>"),
    field(name = "creator", ty = "Option<User>"),
    field(name = "owner", ty = "Option<Owner>"),
    field(
        name = "review",
        ty = "Option<ReviewState>",
        desc = "Where it is in moderation, where content is reviewed."
    ),
    field(name = "review_reason", ty = "Option<String>", desc = "Why it was rejected."),
    field(
        name = "comment_count",
        ty = "i64",
        desc = "Comments shown (not deleted or hidden)."
    ),
    field(
        name = "comments",
        ty = "Connection<String, Comment>",
        desc = "Oldest first; each names the comment it answers.",
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "after", ty = "Option<String>")
    ),
    field(
        name = "reactions",
        ty = "ReactionSummary",
        desc = "How many reactions of each kind, and yours."
    ),
    field(
        name = "distance_km",
        ty = "Option<f64>",
        desc = "How far from the point of `filter.near`; null in other lists."
    )
)]
pub enum Resource {
    Blogpost(Blogpost),
    Event(Event),
    Initiative(Initiative),
    Page(Page),
    Photo(Photo),
    Product(Product),
    Spot(Spot),
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_resources::Review")]
pub enum ReviewState {
    /// Waits for a moderator.
    Submitted,
    /// Approved, and so published.
    Approved,
    /// Sent back with a reason; a draft again.
    Rejected,
}

impl Resource {
    /// The GraphQL type of a stored resource; `None` for a kind this server does not know.
    pub fn from_full(full: Full) -> Option<Resource> {
        match full.data.clone() {
            Some(KindData::Blogpost(post)) => Some(Resource::Blogpost(Blogpost { full, post })),
            Some(KindData::Page(page)) => Some(Resource::Page(Page { full, page })),
            Some(KindData::Event(event)) => Some(Resource::Event(Event { full, event })),
            Some(KindData::Initiative(initiative)) => {
                Some(Resource::Initiative(Initiative { full, initiative }))
            }
            Some(KindData::Photo(photo)) => Some(Resource::Photo(Photo { full, photo })),
            Some(KindData::Product(product)) => Some(Resource::Product(Product { full, product })),
            Some(KindData::Spot(spot)) => Some(Resource::Spot(Spot { full, spot })),
            None => None,
        }
    }

    /// The GraphQL type of its kind, as its global id names it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Resource::Blogpost(_) => "Blogpost",
            Resource::Event(_) => "Event",
            Resource::Initiative(_) => "Initiative",
            Resource::Page(_) => "Page",
            Resource::Photo(_) => "Photo",
            Resource::Product(_) => "Product",
            Resource::Spot(_) => "Spot",
        }
    }

    /// The stored resource's id, whatever its kind.
    pub fn id_of(&self) -> uuid::Uuid {
        match self {
            Resource::Blogpost(r) => r.full.resource.id,
            Resource::Event(r) => r.full.resource.id,
            Resource::Initiative(r) => r.full.resource.id,
            Resource::Page(r) => r.full.resource.id,
            Resource::Photo(r) => r.full.resource.id,
            Resource::Product(r) => r.full.resource.id,
            Resource::Spot(r) => r.full.resource.id,
        }
    }
}

/// The fields every kind shares, written once and pasted into each kind's object.
///
/// Fields that load await a boxed future (`.boxed()`, or a helper that returns one, like
/// `load_users`): async-graphql keeps an object's field resolvers in one future sized for the
/// largest, and the `Resource` interface in one sized for the largest kind's, and it moves that
/// future for every field of every resource it answers. Inline loads made moving it about a
/// tenth of the feed's CPU (perf, issue 16).
macro_rules! resource_object {
    ($ty:ident, $name:literal, { $($fields:tt)* }) => {
        #[Object]
        impl $ty {
            pub async fn id(&self) -> ID {
                global_id($name, self.full.resource.id)
            }

            async fn kind(&self) -> String {
                self.full.resource.kind.clone()
            }

            async fn title(&self) -> String {
                self.full.resource.title.clone()
            }

            async fn slug(&self) -> String {
                self.full.resource.slug.clone()
            }

            async fn summary(&self) -> Option<String> {
                self.full.resource.summary.clone()
            }

            async fn tags(&self) -> Vec<String> {
                self.full.tags.clone()
            }

            async fn visibility(&self) -> Visibility {
                self.full.resource.visibility.into()
            }

            async fn status(&self) -> ResourceStatus {
                self.full.resource.status.into()
            }

            async fn created_at(&self) -> Timestamp {
                self.full.resource.created_at
            }

            async fn published_at(&self) -> Option<Timestamp> {
                self.full.resource.published_at
            }

            /// Who made it; always a person.
            async fn creator(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
                let id = self.full.resource.creator_id;
                Ok(load_users(ctx, vec![id]).await?.remove(&id))
            }

            /// A person, an organization or a department.
            async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Owner>> {
                Ok(load_owners(ctx, vec![self.full.resource.owner_id]).await?.pop().flatten())
            }

            async fn review(&self) -> Option<ReviewState> {
                self.full.resource.review.map(Into::into)
            }

            async fn review_reason(&self) -> Option<String> {
                self.full.resource.review_reason.clone()
            }

            async fn comment_count(&self) -> i64 {
                self.full.resource.comment_count
            }

            // A full page's cost: inside this macro the expression cannot name `first`.
            #[graphql(complexity = 100)]
            async fn comments(
                &self,
                ctx: &Context<'_>,
                first: Option<i32>,
                after: Option<String>,
            ) -> async_graphql::Result<Connection<String, Comment>> {
                comments_of(ctx, self.full.resource.id, first, after).boxed().await
            }

            async fn reactions(&self, ctx: &Context<'_>) -> async_graphql::Result<ReactionSummary> {
                load_reactions(ctx, self.full.resource.id).boxed().await
            }

            async fn distance_km(&self) -> Option<f64> {
                self.full.distance_km
            }

            $($fields)*
        }
    };
}

/// A blog post (markdown).
#[derive(Clone)]
pub struct Blogpost {
    full: Full,
    post: blogpost::Model,
}

resource_object!(Blogpost, "Blogpost", {
    /// Markdown.
    async fn body(&self) -> &str {
        &self.post.body
    }

    async fn cover_url(&self) -> Option<&str> {
        self.post.cover_url.as_deref()
    }
});

/// A page of its owner's site.
#[derive(Clone)]
pub struct Page {
    full: Full,
    page: page::Model,
}

resource_object!(Page, "Page", {
    async fn path(&self) -> &str {
        &self.page.path
    }

    /// Markdown.
    async fn body(&self) -> &str {
        &self.page.body
    }

    async fn parent_id(&self) -> Option<ID> {
        self.page.parent_id.map(|id| global_id("Page", id))
    }
});

/// Something that happens at a time, in a place or online, with seats to register for.
#[derive(Clone)]
pub struct Event {
    full: Full,
    event: event::Model,
}

resource_object!(Event, "Event", {
    async fn starts_at(&self) -> Timestamp {
        self.event.starts_at
    }

    async fn ends_at(&self) -> Timestamp {
        self.event.ends_at
    }

    /// The IANA zone the organizer plans in, for showing local times.
    async fn timezone(&self) -> &str {
        &self.event.timezone
    }

    async fn place(&self) -> Option<&str> {
        self.event.place.as_deref()
    }

    async fn online_url(&self) -> Option<&str> {
        self.event.online_url.as_deref()
    }

    async fn latitude(&self) -> Option<f64> {
        self.full.resource.latitude
    }

    async fn longitude(&self) -> Option<f64> {
        self.full.resource.longitude
    }

    /// Seats; null for no limit.
    async fn capacity(&self) -> Option<i32> {
        self.event.capacity
    }

    /// Seats taken.
    async fn registered_count(&self) -> i32 {
        self.event.registered_count
    }

    /// Seats still free; null for no limit.
    async fn seats_left(&self) -> Option<i32> {
        self.event
            .capacity
            .map(|c| (c - self.event.registered_count).max(0))
    }

    async fn registration_opens_at(&self) -> Option<Timestamp> {
        self.event.registration_opens_at
    }

    /// When registration closes; the event's end when not set.
    async fn registration_closes_at(&self) -> Timestamp {
        self.event.registration_closes_at.unwrap_or(self.event.ends_at)
    }

    /// Whether those who see the event may see who registered.
    async fn participants_visible(&self) -> bool {
        self.event.participants_visible
    }

    /// Your registration (with your ticket), if you have one.
    async fn viewer_registration(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Registration>> {
        load_viewer_registration(ctx, self.full.resource.id).boxed().await
    }

    /// Who registered, in the order they did. Organizers see everyone with a seat or on the
    /// waitlist; others those with a seat if the organizer shows the list
    /// (`participantsVisible`), and else nobody: `registeredCount` still counts them.
    // Costed as a full page: inside `resource_object!` the complexity expression cannot name
    // the field's arguments.
    #[graphql(complexity = 100)]
    async fn registrations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Registration>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .resources
            .registrations(&s.db, ctx.actor()?, self.full.resource.id, &page)
            .boxed()
            .await
            .gql()?;
        Ok(connection(&page, found, Registration))
    }
});

/// A picture with a caption.
#[derive(Clone)]
pub struct Photo {
    full: Full,
    photo: photo::Model,
}

resource_object!(Photo, "Photo", {
    async fn url(&self) -> &str {
        &self.photo.url
    }

    async fn caption(&self) -> Option<&str> {
        self.photo.caption.as_deref()
    }

    /// Read from the uploaded bytes; null for photos given by address.
    async fn content_type(&self) -> Option<&str> {
        self.photo.content_type.as_deref()
    }

    async fn size_bytes(&self) -> Option<i64> {
        self.photo.size_bytes
    }

    async fn width(&self) -> Option<i32> {
        self.photo.width
    }

    async fn height(&self) -> Option<i32> {
        self.photo.height
    }
});

/// Something for sale.
#[derive(Clone)]
pub struct Product {
    full: Full,
    product: product::Model,
}

resource_object!(Product, "Product", {
    /// In the currency's minor units: 1990 is 19.90 EUR.
    async fn price_minor(&self) -> i64 {
        self.product.price_minor
    }

    /// ISO 4217.
    async fn currency(&self) -> &str {
        &self.product.currency
    }

    async fn sku(&self) -> Option<&str> {
        self.product.sku.as_deref()
    }

    /// Null when not counted.
    async fn stock(&self) -> Option<i32> {
        self.product.stock
    }

    /// Whether it can be ordered now.
    async fn active(&self) -> bool {
        self.product.active
    }
});

/// A place on the map.
#[derive(Clone)]
pub struct Spot {
    full: Full,
    spot: spot::Model,
}

resource_object!(Spot, "Spot", {
    async fn latitude(&self) -> Option<f64> {
        self.full.resource.latitude
    }

    async fn longitude(&self) -> Option<f64> {
        self.full.resource.longitude
    }

    async fn address(&self) -> Option<&str> {
        self.spot.address.as_deref()
    }

    /// Opening hours as written: `Mon–Fri 9:00–18:00`.
    async fn hours(&self) -> Option<&str> {
        self.spot.hours.as_deref()
    }

    /// Whether bookings of its time wait for the owner's approval.
    async fn requires_booking_approval(&self) -> bool {
        self.spot.requires_booking_approval
    }
});

/// A project people join and work on together (GV1): its tasks and participants are
/// governance's.
#[derive(Clone)]
pub struct Initiative {
    full: Full,
    initiative: initiative::Model,
}

resource_object!(Initiative, "Initiative", {
    /// Where it is in its life: draft → open → in progress → completed, or cancelled.
    async fn initiative_status(&self) -> crate::schema::governance::InitiativeStatus {
        self.initiative.status.into()
    }

    async fn category(&self) -> &str {
        &self.initiative.category
    }

    async fn place(&self) -> Option<&str> {
        self.initiative.place.as_deref()
    }

    async fn latitude(&self) -> Option<f64> {
        self.full.resource.latitude
    }

    async fn longitude(&self) -> Option<f64> {
        self.full.resource.longitude
    }

    async fn starts_at(&self) -> Option<Timestamp> {
        self.initiative.starts_at
    }

    async fn ends_at(&self) -> Option<Timestamp> {
        self.initiative.ends_at
    }

    /// The funding goal, in minor units of `currency`.
    async fn goal_minor(&self) -> Option<i64> {
        self.initiative.goal_minor
    }

    async fn currency(&self) -> Option<&str> {
        self.initiative.currency.as_deref()
    }

    /// What contributions to its fund (`contribute(input: { resourceId })`) have raised in
    /// `currency`, net of refunds; null without a goal.
    async fn funds_raised_minor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i64>> {
        let Some(currency) = self.initiative.currency.as_deref() else {
            return Ok(None);
        };
        let raised = ctx
            .data_unchecked::<crate::schema::loaders::RequestLoader<crate::schema::payments::PaymentsLoader>>(
            )
            .load_one(crate::schema::payments::RaisedFor(self.full.resource.id))
            .boxed()
            .await
            .unshared()?
            .unwrap_or_default();
        Ok(Some(
            raised
                .into_iter()
                .find(|(c, _)| c == currency)
                .map_or(0, |(_, minor)| minor),
        ))
    }

    /// People who may join; null for no limit.
    async fn max_participants(&self) -> Option<i32> {
        self.initiative.max_participants
    }

    async fn participant_count(&self) -> i32 {
        self.initiative.participant_count
    }

    /// What its QR code carries (`joinInitiative(code:)`): for its organizers; null to others.
    async fn join_code(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        governance::loader(ctx)
            .load_one(governance::CodeOf(self.full.resource.id))
            .boxed()
            .await
            .unshared()
    }

    /// Whether you joined it.
    async fn viewer_joined(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(governance::loader(ctx)
            .load_one(governance::JoinedBy(self.full.resource.id))
            .boxed()
            .await
            .unshared()?
            .unwrap_or(false))
    }

    /// Its group chat, once its organizers opened it: for the people in it (everyone who
    /// joined); null to others.
    async fn chat(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::schema::messaging::Conversation>> {
        let found = governance::loader(ctx)
            .load_one(governance::ChatOf(self.full.resource.id))
            .boxed()
            .await
            .unshared()?;
        Ok(found.map(crate::schema::messaging::Conversation))
    }

    /// Its tasks, oldest first.
    async fn tasks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<governance::Task>> {
        let found = governance::loader(ctx)
            .load_one(governance::TasksOf(self.full.resource.id))
            .boxed()
            .await
            .unshared()?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(governance::Task)
            .collect())
    }
});
