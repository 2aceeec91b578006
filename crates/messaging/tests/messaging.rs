//! MS1 and MS2 at the service level: one private conversation per pair however it is started,
//! department groups for the organization's members, messages newest first, read markers that
//! never move back, attachments of one's own, and notifications handled exactly once, as the
//! recipients' settings allow, pushed through the provider.

use std::sync::{Arc, Mutex};

use commons_core::audience::Registry;
use commons_core::outbox;
use commons_core::{Actor, CodedError, ErrorCode, PageRequest, PlatformRole};
use commons_identity::service::accounts::Register;
use commons_identity::{Identity, Settings as IdentitySettings, TokenKeys};
use commons_messaging::entity::{conversation, notification, push_token};
use commons_messaging::{
    ConversationKind, DeliveryError, DeliveryProvider, Messaging, MessagingRules, NewConversation,
    Notification, NotificationCreated, PushPlatform, PushToken,
};
use commons_migrations::testing::TestDb;
use commons_orgs::service::departments::{AddDepartmentMember, CreateDepartment};
use commons_orgs::service::invites::CreateInvite;
use commons_orgs::service::organizations::CreateOrganization;
use commons_orgs::{OrganizationKind, Orgs, Preset, Role, Settings};
use commons_reactions::{ReactionKind, Reactions};
use commons_resources::kind::blogpost::BlogpostInput;
use commons_resources::media::MediaSettings;
use commons_resources::media::sniff::samples::PNG_3X2;
use commons_resources::service::writing::{CreateResource, UpdateResource};
use commons_resources::{KindInput, Resources, Visibility};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// The rules of every crate whose events these tests notify of, as the server registers them.
fn rules() -> Registry {
    Registry::new()
        .with(commons_orgs::events::OrgRules)
        .with(commons_resources::events::ResourceRules)
        .with(commons_reactions::events::ReactionRules)
        .with(MessagingRules)
}

fn identity_of(resources: &Resources) -> Identity {
    resources.orgs().identity().clone()
}

/// A push provider that remembers what it was asked to deliver: (token, recipient, summary).
#[derive(Debug, Default)]
struct Recorder {
    calls: Mutex<Vec<(String, Uuid, String)>>,
}

impl Recorder {
    fn calls(&self) -> Vec<(String, Uuid, String)> {
        self.calls.lock().expect("recorder").clone()
    }
}

#[async_trait::async_trait]
impl DeliveryProvider for Recorder {
    async fn deliver(&self, token: &PushToken, notification: &Notification) -> Result<(), DeliveryError> {
        self.calls.lock().expect("recorder").push((
            token.token.clone(),
            notification.user_id,
            notification.summary.clone(),
        ));
        Ok(())
    }
}

struct World {
    db: TestDb,
    messaging: Messaging,
    resources: Resources,
    reactions: Reactions,
    pushed: Arc<Recorder>,
    _media: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
        let identity = Identity::new(
            TokenKeys::from_secret(&[9u8; 32]).expect("key"),
            IdentitySettings::default(),
        );
        let media = tempfile::tempdir().expect("media folder");
        let resources = Resources::new(Orgs::new(identity, Settings::default()))
            .with_media(MediaSettings::local(media.path()));
        let pushed = Arc::new(Recorder::default());
        World {
            db: TestDb::fresh().await,
            messaging: Messaging::new(identity_of(&resources), Arc::new(rules()))
                .with_provider(pushed.clone()),
            reactions: Reactions::new(resources.clone()),
            resources,
            pushed,
            _media: media,
        }
    }

    fn orgs(&self) -> &Orgs {
        self.resources.orgs()
    }

    /// `n` people named `{prefix}0`, `{prefix}1`…, with one password hash between them.
    async fn people(&self, prefix: &str, n: usize) -> Vec<Actor> {
        let identity = self.orgs().identity();
        let template = identity
            .prepare_registration(Register {
                email: format!("{prefix}@example.org"),
                username: prefix.into(),
                password: "correct horse battery".into(),
                ..Register::default()
            })
            .await
            .expect("registration");
        let mut people = Vec::new();
        for i in 0..n {
            let mut account = template.clone();
            account.email = format!("{prefix}{i}@example.org");
            account.username = format!("{prefix}{i}");
            let session = identity
                .create_account(&self.db.conn, account)
                .await
                .expect("account");
            people.push(Actor::User {
                id: session.user.id,
                platform_role: PlatformRole::User,
                scopes: None,
                session: Some(Uuid::now_v7()),
            });
        }
        people
    }

    async fn post(&self, author: &Actor, title: &str) -> Uuid {
        let resources = &self.resources;
        let id = resources
            .create_resource(
                &self.db.conn,
                author,
                CreateResource {
                    owner_id: None,
                    title: title.into(),
                    slug: None,
                    summary: None,
                    tags: vec![],
                    visibility: Visibility::Public,
                    kind: KindInput::Blogpost(BlogpostInput {
                        body: "text".into(),
                        cover_url: None,
                    }),
                },
            )
            .await
            .expect("post")
            .resource
            .id;
        resources
            .publish_resource(&self.db.conn, author, id)
            .await
            .expect("publish");
        id
    }

    async fn organization(&self, owner: &Actor, slug: &str) -> Uuid {
        self.orgs()
            .create_organization(
                &self.db.conn,
                owner,
                CreateOrganization {
                    name: format!("Club {slug}"),
                    slug: slug.into(),
                    description: None,
                    logo_url: None,
                    kind: OrganizationKind::Virtual,
                },
            )
            .await
            .expect("organization")
            .id
    }

    /// `person` joins `org` with `role` through an invite from `inviter`.
    async fn join(&self, inviter: &Actor, org: Uuid, role: Role, person: &Actor) {
        let invite = self
            .orgs()
            .create_invite(
                &self.db.conn,
                inviter,
                CreateInvite {
                    org_id: Some(org),
                    role: Some(role),
                    ..CreateInvite::default()
                },
            )
            .await
            .expect("invite");
        self.orgs()
            .accept_invite(&self.db.conn, person, &invite.code)
            .await
            .expect("accept");
    }

    async fn department(&self, owner: &Actor, org: Uuid, name: &str) -> Uuid {
        self.orgs()
            .create_department(
                &self.db.conn,
                owner,
                CreateDepartment {
                    org_id: org,
                    name: name.into(),
                    description: None,
                    timezone: None,
                    requires_approval: false,
                },
            )
            .await
            .expect("department")
            .id
    }

    async fn seat(&self, owner: &Actor, department: Uuid, person: &Actor) {
        self.orgs()
            .add_department_member(
                &self.db.conn,
                owner,
                AddDepartmentMember {
                    department_id: department,
                    user_id: id_of(person),
                    preset: Preset::Creator,
                    permissions: vec![],
                },
            )
            .await
            .expect("department seat");
    }

    async fn private(&self, starter: &Actor, other: &Actor) -> Uuid {
        self.messaging
            .start_conversation(&self.db.conn, starter, private_with(other))
            .await
            .expect("private conversation")
            .id
    }

    /// The outbox events of `topic`, oldest first.
    async fn events(&self, topic: &str) -> Vec<outbox::Model> {
        outbox::Entity::find()
            .filter(outbox::Column::Topic.eq(topic))
            .order_by_asc(outbox::Column::Id)
            .all(&self.db.conn)
            .await
            .expect("outbox")
    }

    /// The summaries in someone's inbox, newest first.
    async fn inbox(&self, actor: &Actor) -> Vec<(String, String)> {
        self.messaging
            .notifications(&self.db.conn, actor, false, &page(Some(100)))
            .await
            .expect("inbox")
            .edges
            .into_iter()
            .map(|(_, n)| (n.topic, n.summary))
            .collect()
    }
}

fn private_with(other: &Actor) -> NewConversation {
    NewConversation {
        kind: ConversationKind::Private,
        title: None,
        member_ids: vec![id_of(other)],
        department_id: None,
    }
}

fn group(title: &str, members: &[&Actor], department_id: Option<Uuid>) -> NewConversation {
    NewConversation {
        kind: ConversationKind::Group,
        title: Some(title.into()),
        member_ids: members.iter().map(|m| id_of(m)).collect(),
        department_id,
    }
}

fn page(first: Option<i32>) -> PageRequest {
    PageRequest::new(first, None).expect("page")
}

fn id_of(actor: &Actor) -> Uuid {
    actor.user_id().expect("signed in")
}

fn username(actor: &Actor, people: &[Actor], prefix: &str) -> String {
    let index = people.iter().position(|p| p == actor).expect("one of them");
    format!("{prefix}{index}")
}

/// 20 starts at once, from both sides, find one conversation; outsiders see nothing of it.
#[tokio::test]
async fn a_private_conversation_is_one_however_it_is_started() {
    let world = World::new().await;
    let db = &world.db.conn;
    let m = &world.messaging;
    let people = world.people("pal", 3).await;
    let [ann, bob, cat] = <[Actor; 3]>::try_from(people).expect("three");

    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (db, m) = (db.clone(), m.clone());
            let (starter, other) = if i % 2 == 0 {
                (ann.clone(), bob.clone())
            } else {
                (bob.clone(), ann.clone())
            };
            tokio::spawn(async move { m.start_conversation(&db, &starter, private_with(&other)).await })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("ran").expect("started").id);
    }
    let id = ids[0];
    assert!(
        ids.iter().all(|i| *i == id),
        "every start found the same conversation"
    );
    let rows = conversation::Entity::find().count(db).await.expect("count");
    assert_eq!(rows, 1);
    let participants = m.participants(db, &ann, &[id]).await.expect("participants");
    let mut who: Vec<Uuid> = participants[&id].iter().map(|p| p.user_id).collect();
    who.sort();
    let mut expected = vec![id_of(&ann), id_of(&bob)];
    expected.sort();
    assert_eq!(who, expected);

    let hello = m
        .send_message(db, &ann, id, "Hello Bob", None)
        .await
        .expect("send");
    // A third person learns nothing about it.
    assert_eq!(m.conversation(db, &cat, id).await.expect("read"), None);
    let refused = m.messages(db, &cat, id, &page(None)).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);
    assert_eq!(m.message(db, &cat, hello.id).await.expect("read"), None);
    let intruding = m.send_message(db, &cat, id, "Hi both", None).await.unwrap_err();
    assert_eq!(intruding.code(), ErrorCode::NotFound);
    assert!(m.participants(db, &cat, &[id]).await.expect("read").is_empty());
    assert!(m.unread_counts(db, &cat, &[id]).await.expect("read").is_empty());
    let anonymous = m
        .conversations(db, &Actor::ANONYMOUS, &page(None))
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), ErrorCode::Unauthenticated);

    // Exactly one other person.
    let alone = m
        .start_conversation(db, &ann, private_with(&ann))
        .await
        .unwrap_err();
    assert_eq!(
        (alone.code(), alone.field()),
        (ErrorCode::BadUserInput, Some("memberIds"))
    );
    let crowd = NewConversation {
        member_ids: vec![id_of(&bob), id_of(&cat)],
        ..private_with(&bob)
    };
    let crowd = m.start_conversation(db, &ann, crowd).await.unwrap_err();
    assert_eq!(crowd.field(), Some("memberIds"));

    // Bob leaves and stops seeing it; Ann writing to him again brings him back to the same one.
    m.leave_conversation(db, &bob, id).await.expect("leave");
    assert_eq!(m.message(db, &bob, hello.id).await.expect("read"), None);
    assert_eq!(world.private(&ann, &bob).await, id);
    assert!(m.message(db, &bob, hello.id).await.expect("read").is_some());
}

/// A group tied to a department takes members of its organization only, and is started by the
/// department's members or the organization's moderators.
#[tokio::test]
async fn a_department_group_admits_only_its_organizations_members() {
    let world = World::new().await;
    let db = &world.db.conn;
    let m = &world.messaging;
    let people = world.people("crew", 4).await;
    let [owner, member, bystander, outsider] = <[Actor; 4]>::try_from(people).expect("four");
    let org = world.organization(&owner, "crew").await;
    world.join(&owner, org, Role::Member, &member).await;
    world.join(&owner, org, Role::Member, &bystander).await;
    let department = world.department(&owner, org, "Stage").await;
    world.seat(&owner, department, &member).await;

    let chat = m
        .start_conversation(db, &owner, group("Stage crew", &[&member], Some(department)))
        .await
        .expect("group");
    assert_eq!(chat.department_id, Some(department));
    let with_outsider = m
        .start_conversation(
            db,
            &owner,
            group("Stage crew", &[&member, &outsider], Some(department)),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (with_outsider.code(), with_outsider.field()),
        (ErrorCode::BadUserInput, Some("memberIds"))
    );
    let adding_outsider = m
        .add_participants(db, &member, chat.id, &[id_of(&outsider)])
        .await
        .unwrap_err();
    assert_eq!(
        (adding_outsider.code(), adding_outsider.field()),
        (ErrorCode::BadUserInput, Some("userIds"))
    );
    // A member of the organization joins; the outsider never got in.
    m.add_participants(db, &member, chat.id, &[id_of(&bystander)])
        .await
        .expect("add a member");
    let seen = m.participants(db, &bystander, &[chat.id]).await.expect("read");
    assert_eq!(seen[&chat.id].len(), 3);
    assert_eq!(m.conversation(db, &outsider, chat.id).await.expect("read"), None);

    // The department's members start its groups; other members of the organization do not.
    m.start_conversation(db, &member, group("Props", &[&bystander], Some(department)))
        .await
        .expect("a department member starts one");
    let not_in_department = m
        .start_conversation(db, &bystander, group("Side chat", &[&member], Some(department)))
        .await
        .unwrap_err();
    assert_eq!(not_in_department.code(), ErrorCode::Forbidden);

    let untitled = m
        .start_conversation(db, &owner, group("  ", &[&member], None))
        .await
        .unwrap_err();
    assert_eq!(untitled.field(), Some("title"));
    let private = world.private(&owner, &member).await;
    let widened = m
        .add_participants(db, &owner, private, &[id_of(&bystander)])
        .await
        .unwrap_err();
    assert_eq!(widened.code(), ErrorCode::Conflict);

    // Leaving the organization is leaving its departments' conversations: nothing more is
    // read, written or heard there.
    let said = m
        .send_message(db, &owner, chat.id, "call time is 6pm", None)
        .await
        .expect("send");
    world
        .orgs()
        .leave(db, &bystander, org)
        .await
        .expect("the bystander leaves");
    assert_eq!(m.conversation(db, &bystander, chat.id).await.expect("read"), None);
    assert_eq!(m.message(db, &bystander, said.id).await.expect("read"), None);
    let listed = m.conversations(db, &bystander, &page(None)).await.expect("list");
    assert!(listed.edges.iter().all(|(_, c)| c.id != chat.id));
    let listed = m.conversations(db, &member, &page(None)).await.expect("list");
    assert!(listed.edges.iter().any(|(_, c)| c.id == chat.id));
    let write = m
        .send_message(db, &bystander, chat.id, "still here?", None)
        .await
        .unwrap_err();
    assert_eq!(write.code(), ErrorCode::NotFound);
    assert!(m.message(db, &member, said.id).await.expect("read").is_some());
}

/// Newest first; others' messages after the marker are unread; the marker never moves back,
/// even when many calls race; the conversation list follows the latest activity.
#[tokio::test]
async fn read_markers_only_move_forward() {
    let world = World::new().await;
    let db = &world.db.conn;
    let m = &world.messaging;
    let people = world.people("reader", 2).await;
    let [ann, bob] = <[Actor; 2]>::try_from(people).expect("two");
    let chat = world.private(&ann, &bob).await;
    let mut sent = Vec::new();
    for (who, body) in [(&ann, "one"), (&ann, "two"), (&ann, "three"), (&bob, "four")] {
        sent.push(m.send_message(db, who, chat, body, None).await.expect("send").id);
    }

    let first = m.messages(db, &bob, chat, &page(Some(2))).await.expect("page");
    let bodies: Vec<&str> = first.edges.iter().map(|(_, msg)| msg.body.as_str()).collect();
    assert_eq!(bodies, ["four", "three"]);
    assert!(first.has_next_page);
    let after = first.edges.last().expect("edge").0.encode();
    let rest = m
        .messages(
            db,
            &bob,
            chat,
            &PageRequest::new(Some(2), Some(&after)).expect("page"),
        )
        .await
        .expect("next page");
    let bodies: Vec<&str> = rest.edges.iter().map(|(_, msg)| msg.body.as_str()).collect();
    assert_eq!(bodies, ["two", "one"]);

    // One's own messages are never unread.
    let unread = |who: Actor| async move { m.unread_counts(db, &who, &[chat]).await.expect("counts")[&chat] };
    assert_eq!(unread(bob.clone()).await, 3);
    assert_eq!(unread(ann.clone()).await, 1);

    assert_eq!(m.mark_read(db, &bob, chat, sent[1]).await.expect("mark"), 1);
    // An older message does not move the marker back.
    assert_eq!(m.mark_read(db, &bob, chat, sent[0]).await.expect("mark"), 1);
    assert_eq!(unread(bob.clone()).await, 1);

    // Many at once, in any order: the newest stays.
    let tasks: Vec<_> = (0..5)
        // Newest first, so the last to run would leave an older marker if the update were not
        // conditional.
        .flat_map(|_| sent.iter().rev().copied().collect::<Vec<_>>())
        .map(|up_to| {
            let (db, m, bob) = (db.clone(), m.clone(), bob.clone());
            tokio::spawn(async move { m.mark_read(&db, &bob, chat, up_to).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("ran").expect("marked");
    }
    let marker = m.participants(db, &bob, &[chat]).await.expect("read")[&chat]
        .iter()
        .find(|p| p.user_id == id_of(&bob))
        .and_then(|p| p.last_read_message_id);
    assert_eq!(marker, sent.last().copied());
    assert_eq!(unread(bob.clone()).await, 0);

    // A message of another conversation is no place to mark.
    let other = m
        .start_conversation(db, &ann, group("Later", &[&bob], None))
        .await
        .expect("group");
    let elsewhere = m.mark_read(db, &bob, other.id, sent[0]).await.unwrap_err();
    assert_eq!(elsewhere.field(), Some("upTo"));

    // The most recently active conversation comes first.
    let order = |who: Actor| async move {
        m.conversations(db, &who, &page(None))
            .await
            .expect("list")
            .edges
            .into_iter()
            .map(|(_, c)| c.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(order(bob.clone()).await, [other.id, chat]);
    m.send_message(db, &ann, chat, "still there?", None)
        .await
        .expect("send");
    assert_eq!(order(bob.clone()).await, [chat, other.id]);
    let two = m.conversations(db, &bob, &page(Some(1))).await.expect("list");
    let after = two.edges[0].0.encode();
    let next = m
        .conversations(db, &bob, &PageRequest::new(Some(1), Some(&after)).expect("page"))
        .await
        .expect("list");
    assert_eq!(next.edges[0].1.id, other.id);
    assert!(!next.has_next_page);
}

/// Attachments are the sender's own uploads; a message is never empty without one.
#[tokio::test]
async fn attachments_are_the_senders_own_uploads() {
    let world = World::new().await;
    let db = &world.db.conn;
    let m = &world.messaging;
    let people = world.people("sender", 2).await;
    let [ann, bob] = <[Actor; 2]>::try_from(people).expect("two");
    let chat = world.private(&ann, &bob).await;
    let upload = world
        .resources
        .upload_media(db, &ann, Some("map.png"), PNG_3X2.to_vec())
        .await
        .expect("upload");

    let borrowed = m
        .send_message(db, &bob, chat, "look", Some(upload.id))
        .await
        .unwrap_err();
    assert_eq!(
        (borrowed.code(), borrowed.field()),
        (ErrorCode::BadUserInput, Some("attachmentId"))
    );
    let invented = m
        .send_message(db, &bob, chat, "look", Some(Uuid::now_v7()))
        .await
        .unwrap_err();
    assert_eq!(invented.field(), Some("attachmentId"));
    let picture = m
        .send_message(db, &ann, chat, "", Some(upload.id))
        .await
        .expect("a picture alone");
    assert_eq!(
        (picture.body.as_str(), picture.attachment_id),
        ("", Some(upload.id))
    );
    let empty = m.send_message(db, &bob, chat, "   ", None).await.unwrap_err();
    assert_eq!(empty.field(), Some("body"));
    let long = m
        .send_message(db, &bob, chat, &"a".repeat(10_001), None)
        .await
        .unwrap_err();
    assert_eq!(long.field(), Some("body"));
}

/// A comment tells the resource's creator (and the author of the comment it answers), never
/// the commenter, once however often or concurrently the event is handled.
/// A notification about a resource reaches only those who may still see it: a reply on a post
/// made private since tells its creator, not the author of the comment answered.
#[tokio::test]
async fn notifications_reach_only_those_who_still_see_the_resource() {
    let world = World::new().await;
    let db = &world.db.conn;
    let m = &world.messaging;
    let people = world.people("walker", 3).await;
    let [ann, bob, cat] = <[Actor; 3]>::try_from(people).expect("three");
    let post = world.post(&ann, "Night walk").await;
    let first = world
        .reactions
        .add_comment(db, &bob, post, None, "Which route?")
        .await
        .expect("comment");
    world
        .reactions
        .add_comment(db, &cat, post, Some(first.id), "The river one")
        .await
        .expect("reply");
    world
        .resources
        .update_resource(
            db,
            &ann,
            UpdateResource {
                id: post,
                visibility: Some(Visibility::Private),
                ..UpdateResource::default()
            },
        )
        .await
        .expect("made private");
    let reply = world.events("comment.created").await.remove(1);
    let told: Vec<Uuid> = m
        .notify(db, &reply)
        .await
        .expect("notify")
        .into_iter()
        .map(|n| n.user_id)
        .collect();
    assert_eq!(told, [id_of(&ann)]);
    assert!(world.inbox(&bob).await.is_empty());
}

#[tokio::test]
async fn a_comment_notifies_the_creator_once() {
    let world = World::new().await;
    let db = &world.db.conn;
    let m = &world.messaging;
    let people = world.people("neighbour", 3).await;
    let [ann, bob, cat] = <[Actor; 3]>::try_from(people.clone()).expect("three");
    let post = world.post(&ann, "Spring cleanup").await;
    let comment = world
        .reactions
        .add_comment(db, &bob, post, None, "Count me in")
        .await
        .expect("comment");
    let event = world.events("comment.created").await.remove(0);

    let told = m.notify(db, &event).await.expect("notify");
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].user_id, id_of(&ann));
    let bob_name = username(&bob, &people, "neighbour");
    assert_eq!(
        told[0].summary,
        format!("{bob_name} commented on “Spring cleanup”")
    );
    assert!(world.inbox(&bob).await.is_empty());
    assert!(m.notify(db, &event).await.expect("again").is_empty());
    assert_eq!(world.inbox(&ann).await.len(), 1);

    // Cat answers Bob: Bob and Ann hear of it, once, though eight handlers race.
    world
        .reactions
        .add_comment(db, &cat, post, Some(comment.id), "Me too")
        .await
        .expect("reply");
    let reply = world.events("comment.created").await.remove(1);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (db, m, reply) = (db.clone(), m.clone(), reply.clone());
            tokio::spawn(async move { m.notify(&db, &reply).await })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        created += task.await.expect("ran").expect("notified").len();
    }
    assert_eq!(created, 2);
    let cat_name = username(&cat, &people, "neighbour");
    assert_eq!(
        world.inbox(&bob).await,
        [(
            "comment.created".to_string(),
            format!("{cat_name} replied to your comment on “Spring cleanup”")
        )]
    );
    assert_eq!(world.inbox(&ann).await.len(), 2);
    assert!(world.inbox(&cat).await.is_empty());

    // Every notification announced itself, to its recipient.
    let announced = world.events("notification.created").await;
    assert_eq!(announced.len(), 3);
    let stored = notification::Entity::find().all(db).await.expect("rows");
    for n in &stored {
        assert!(announced.iter().any(|e| e.subject_id == Some(n.user_id)
            && e.decode::<NotificationCreated>()
                == Some(NotificationCreated {
                    notification: n.id,
                    user: n.user_id
                })));
    }

    // Only the recipient reads and marks it.
    let newest = m
        .notifications(db, &ann, true, &page(None))
        .await
        .expect("unread")
        .edges[0]
        .1
        .clone();
    assert_eq!(m.notification(db, &bob, newest.id).await.expect("read"), None);
    assert_eq!(
        m.mark_notifications_read(db, &bob, Some(&[newest.id]))
            .await
            .expect("mark"),
        0
    );
    assert_eq!(m.unread_notification_count(db, &ann).await.expect("count"), 2);
    assert_eq!(
        m.mark_notifications_read(db, &ann, Some(&[newest.id]))
            .await
            .expect("mark"),
        1
    );
    assert_eq!(m.unread_notification_count(db, &ann).await.expect("count"), 1);
    assert!(
        m.notification(db, &ann, newest.id)
            .await
            .expect("read")
            .expect("hers")
            .read_at
            .is_some()
    );
    assert_eq!(
        m.mark_notifications_read(db, &ann, None).await.expect("mark all"),
        1
    );
    assert_eq!(m.unread_notification_count(db, &ann).await.expect("count"), 0);
    let unread = m
        .notifications(db, &ann, true, &page(None))
        .await
        .expect("unread");
    assert!(unread.edges.is_empty());
}

/// The catch-up handles what services appended, once; a second run finds nothing to do.
#[tokio::test]
async fn notify_pending_catches_up_once() {
    let world = World::new().await;
    let db = &world.db.conn;
    let m = &world.messaging;
    let people = world.people("member", 2).await;
    let [ann, bob] = <[Actor; 2]>::try_from(people.clone()).expect("two");
    let post = world.post(&ann, "Bake sale").await;
    world
        .reactions
        .add_comment(db, &bob, post, None, "Yum")
        .await
        .expect("comment");
    world
        .reactions
        .toggle_reaction(db, &bob, post, ReactionKind::Love)
        .await
        .expect("react");
    let chat = world.private(&ann, &bob).await;
    m.send_message(db, &ann, chat, "Thanks!", None)
        .await
        .expect("send");
    let appended = outbox::Entity::find().count(db).await.expect("count");

    let handled = m.notify_pending(db, 1000).await.expect("catch up");
    assert_eq!(handled as u64, appended);
    assert_eq!(m.notify_pending(db, 1000).await.expect("again"), 0);

    let bob_name = username(&bob, &people, "member");
    let ann_name = username(&ann, &people, "member");
    assert_eq!(
        world.inbox(&ann).await,
        [
            (
                "reaction.changed".to_string(),
                format!("{bob_name} reacted with love to “Bake sale”")
            ),
            (
                "comment.created".to_string(),
                format!("{bob_name} commented on “Bake sale”")
            ),
        ]
    );
    assert_eq!(
        world.inbox(&bob).await,
        [(
            "message.created".to_string(),
            format!("{ann_name} sent you a message")
        )]
    );
    let notifications = notification::Entity::find().count(db).await.expect("count");
    let announced = world.events("notification.created").await.len() as u64;
    assert_eq!(announced, notifications);
}

/// Settings: the defaults, unknown topics refused, the inbox off means no notification, push
/// off means no push (and reactions are not pushed unless asked).
#[tokio::test]
async fn settings_decide_the_inbox_and_the_push() {
    let world = World::new().await;
    let db = &world.db.conn;
    let m = &world.messaging;
    let people = world.people("friend", 2).await;
    let [ann, bob] = <[Actor; 2]>::try_from(people).expect("two");

    let defaults = m.notification_settings(db, &ann).await.expect("settings");
    assert_eq!(defaults.len(), rules().notified().len());
    assert!(defaults.iter().all(|s| s.inbox));
    let unpushed: Vec<&str> = defaults
        .iter()
        .filter(|s| !s.push)
        .map(|s| s.topic.as_str())
        .collect();
    assert_eq!(unpushed, ["reaction.changed"]);
    let unknown = m
        .set_notification_setting(db, &ann, "weather.changed", true, true)
        .await
        .unwrap_err();
    assert_eq!(
        (unknown.code(), unknown.field()),
        (ErrorCode::BadUserInput, Some("topic"))
    );

    m.register_push_token(db, &ann, PushPlatform::Fcm, "ann-phone")
        .await
        .expect("token");
    let chat = world.private(&ann, &bob).await;
    m.send_message(db, &bob, chat, "Hi", None).await.expect("send");
    m.notify_pending(db, 1000).await.expect("notify");
    let pushes = world.pushed.calls();
    assert_eq!(pushes.len(), 1);
    assert_eq!((pushes[0].0.as_str(), pushes[0].1), ("ann-phone", id_of(&ann)));

    // Push off: the inbox still has it, the phone stays quiet.
    m.set_notification_setting(db, &ann, "message.created", true, false)
        .await
        .expect("push off");
    m.send_message(db, &bob, chat, "Still there?", None)
        .await
        .expect("send");
    m.notify_pending(db, 1000).await.expect("notify");
    assert_eq!(m.unread_notification_count(db, &ann).await.expect("count"), 2);
    assert_eq!(world.pushed.calls().len(), 1);

    // Inbox off: nothing at all.
    let saved = m
        .set_notification_setting(db, &ann, "comment.created", false, true)
        .await
        .expect("inbox off");
    assert!(!saved.inbox);
    let post = world.post(&ann, "Garden").await;
    world
        .reactions
        .add_comment(db, &bob, post, None, "Lovely")
        .await
        .expect("comment");
    world
        .reactions
        .toggle_reaction(db, &bob, post, ReactionKind::Like)
        .await
        .expect("react");
    m.notify_pending(db, 1000).await.expect("notify");
    let topics: Vec<String> = world.inbox(&ann).await.into_iter().map(|(t, _)| t).collect();
    assert_eq!(topics, ["reaction.changed", "message.created", "message.created"]);
    // Reactions are not pushed by default.
    assert_eq!(world.pushed.calls().len(), 1);
    let settings = m.notification_settings(db, &ann).await.expect("settings");
    let comment = settings
        .iter()
        .find(|s| s.topic == "comment.created")
        .expect("listed");
    assert_eq!((comment.inbox, comment.push), (false, true));
}

/// A device token belongs to whoever registered it last: one row, moved.
#[tokio::test]
async fn a_push_token_belongs_to_the_last_to_register_it() {
    let world = World::new().await;
    let db = &world.db.conn;
    let m = &world.messaging;
    let people = world.people("device", 2).await;
    let [ann, bob] = <[Actor; 2]>::try_from(people).expect("two");

    let first = m
        .register_push_token(db, &ann, PushPlatform::Apns, "shared-tablet")
        .await
        .expect("ann's");
    assert_eq!(first.user_id, id_of(&ann));
    let moved = m
        .register_push_token(db, &bob, PushPlatform::Apns, "shared-tablet")
        .await
        .expect("bob's");
    assert_eq!(moved.user_id, id_of(&bob));
    let rows = push_token::Entity::find().all(db).await.expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].user_id, id_of(&bob));

    assert!(
        !m.remove_push_token(db, &ann, "shared-tablet")
            .await
            .expect("not hers")
    );
    assert!(m.remove_push_token(db, &bob, "shared-tablet").await.expect("his"));
    assert_eq!(push_token::Entity::find().count(db).await.expect("rows"), 0);

    let long = m
        .register_push_token(db, &ann, PushPlatform::Fcm, &"t".repeat(4097))
        .await
        .unwrap_err();
    assert_eq!(
        (long.code(), long.field()),
        (ErrorCode::BadUserInput, Some("token"))
    );
    // The longest allowed token fits the unique index on both databases.
    m.register_push_token(db, &ann, PushPlatform::WebPush, &"t".repeat(4096))
        .await
        .expect("a long token");
}
