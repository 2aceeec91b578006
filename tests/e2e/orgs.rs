//! Organizations end to end, as the sample platforms use them: AqStream (an organization
//! approved by an admin, a moderator invited, ownership handed over), Workspace Manager (a
//! plan's member limit, an analyst who cannot create content) and the seed platform (an
//! invite that turns a visitor into a member of an organization and a department).

use crate::common::{PASSWORD, Session, TestServer, session};
use commons_gateway::GatewayConfig;
use serde_json::{Value, json};

const CREATE_ORG: &str = "mutation($input: CreateOrganizationInput!) {
    createOrganization(input: $input) { id slug status memberCount viewerMembership { id role } } }";
const CREATE_INVITE: &str =
    "mutation($input: CreateInviteInput!) { createInvite(input: $input) { id code role } }";
const ACCEPT: &str = "mutation($code: String!) { acceptInvite(code: $code) { id uses } }";
const ORG: &str = "query($slug: String!) { organization(slug: $slug) {
    id name status memberCount owner { username } viewerMembership { id role } } }";
const REGISTER: &str =
    "mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken user { id } } }";

async fn create_org(server: &TestServer, owner: &Session, slug: &str) -> Value {
    let reply = server
        .gql(
            CREATE_ORG,
            json!({ "input": { "name": format!("The {slug}"), "slug": slug } }),
            Some(&owner.access),
        )
        .await;
    assert!(reply.body["errors"].is_null(), "{}", reply.body);
    reply.data()["createOrganization"].clone()
}

async fn invite(server: &TestServer, by: &Session, input: Value) -> String {
    let reply = server
        .gql(CREATE_INVITE, json!({ "input": input }), Some(&by.access))
        .await;
    assert!(reply.body["errors"].is_null(), "{}", reply.body);
    reply.data()["createInvite"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn register_with(server: &TestServer, name: &str, extra: Value) -> crate::common::Reply {
    let mut input = json!({ "email": format!("{name}@example.org"), "username": name, "password": PASSWORD });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    server.gql(REGISTER, json!({ "input": input }), None).await
}

#[tokio::test]
async fn aqstream_an_approved_organization_changes_hands() {
    let server = TestServer::with_settings(
        GatewayConfig {
            auth_attempts_per_minute: 0,
            ..GatewayConfig::default()
        },
        commons_orgs::Settings {
            creation_requires_approval: true,
            ..commons_orgs::Settings::default()
        },
    )
    .await;
    let admin = server.admin().await;
    let founder = server.register("founder@example.org", "founder").await;
    let stranger = server.register("stranger@example.org", "stranger").await;

    let requested = create_org(&server, &founder, "saratov-runners").await;
    assert_eq!(requested["status"], "PENDING");
    assert_eq!(requested["viewerMembership"]["role"], "OWNER");
    let org_id = requested["id"].as_str().unwrap_or_default().to_owned();
    let hidden = server
        .gql(ORG, json!({ "slug": "saratov-runners" }), Some(&stranger.access))
        .await;
    assert!(hidden.data()["organization"].is_null(), "{}", hidden.body);

    // The admin finds it in the approval queue and approves it.
    let queue = server
        .gql(
            "{ organizations(status: PENDING) { edges { node { id slug } } } }",
            json!({}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(
        queue.data()["organizations"]["edges"][0]["node"]["id"],
        org_id.as_str()
    );
    let refused = server
        .gql(
            "{ organizations(status: PENDING) { edges { node { id } } } }",
            json!({}),
            Some(&founder.access),
        )
        .await;
    assert_eq!(refused.code(), Some("FORBIDDEN"));
    let approve =
        "mutation($input: OrganizationDecisionInput!) { approveOrganization(input: $input) { status } }";
    let by_founder = server
        .gql(
            approve,
            json!({ "input": { "organizationId": org_id } }),
            Some(&founder.access),
        )
        .await;
    assert_eq!(by_founder.code(), Some("FORBIDDEN"));
    let approved = server
        .gql(
            approve,
            json!({ "input": { "organizationId": org_id } }),
            Some(&admin.access),
        )
        .await;
    assert_eq!(
        approved.data()["approveOrganization"]["status"],
        "ACTIVE",
        "{}",
        approved.body
    );
    let public = server
        .gql(ORG, json!({ "slug": "saratov-runners" }), Some(&stranger.access))
        .await;
    assert_eq!(public.data()["organization"]["owner"]["username"], "founder");

    // The owner invites a moderator, who accepts.
    let code = invite(
        &server,
        &founder,
        json!({ "organizationId": org_id, "role": "MODERATOR", "maxUses": 1 }),
    )
    .await;
    let moderator = server.register("sveta@example.org", "sveta").await;
    let accepted = server
        .gql(ACCEPT, json!({ "code": code }), Some(&moderator.access))
        .await;
    assert_eq!(accepted.data()["acceptInvite"]["uses"], 1, "{}", accepted.body);
    let used_up = server
        .gql(ACCEPT, json!({ "code": code }), Some(&stranger.access))
        .await;
    assert_eq!(used_up.code(), Some("CONFLICT"));
    assert_eq!(used_up.message(), Some("this invite has been used up"));

    // The moderator cannot remove the owner.
    let members = server
        .gql(
            "query($slug: String!) { organization(slug: $slug) { members { edges { node { id role user { username } } } } } }",
            json!({ "slug": "saratov-runners" }),
            Some(&moderator.access),
        )
        .await;
    let edges = members.data()["organization"]["members"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let owner_membership = edges
        .iter()
        .find(|e| e["node"]["role"] == "OWNER")
        .map(|e| e["node"]["id"].clone())
        .unwrap_or_default();
    let removal = server
        .gql(
            "mutation($id: ID!) { removeMember(membershipId: $id) }",
            json!({ "id": owner_membership }),
            Some(&moderator.access),
        )
        .await;
    assert_eq!(removal.code(), Some("FORBIDDEN"));
    assert_eq!(removal.message(), Some("a moderator cannot remove the owner"));

    // The owner hands the organization over and stays on as admin.
    let transfer = "mutation($input: TransferOwnershipInput!) { transferOwnership(input: $input) { owner { username } } }";
    let by_moderator = server
        .gql(
            transfer,
            json!({ "input": { "organizationId": org_id, "newOwnerId": moderator.user_id } }),
            Some(&moderator.access),
        )
        .await;
    assert_eq!(by_moderator.code(), Some("FORBIDDEN"));
    let transferred = server
        .gql(
            transfer,
            json!({ "input": { "organizationId": org_id, "newOwnerId": moderator.user_id } }),
            Some(&founder.access),
        )
        .await;
    assert_eq!(
        transferred.data()["transferOwnership"]["owner"]["username"],
        "sveta",
        "{}",
        transferred.body
    );
    let now = server
        .gql(ORG, json!({ "slug": "saratov-runners" }), Some(&founder.access))
        .await;
    assert_eq!(now.data()["organization"]["viewerMembership"]["role"], "ADMIN");

    // The audit log tells the story, to admins and the owner only.
    let log = "query($id: ID!, $filter: AuditFilter) { auditLog(organizationId: $id, filter: $filter) {
        edges { node { action actor { username } target { __typename ... on User { username } } } } } }";
    let story = server
        .gql(log, json!({ "id": org_id }), Some(&founder.access))
        .await;
    let actions: Vec<String> = story.data()["auditLog"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    for expected in [
        "organization.requested",
        "organization.approved",
        "invite.accepted",
        "organization.ownership_transferred",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
    let transfers = server
        .gql(
            log,
            json!({ "id": org_id, "filter": { "action": "organization.ownership_transferred" } }),
            Some(&moderator.access),
        )
        .await;
    let entry = &transfers.data()["auditLog"]["edges"][0]["node"];
    assert_eq!(entry["actor"]["username"], "founder", "{}", transfers.body);
    assert_eq!(entry["target"]["username"], "sveta");
    let outsider = server
        .gql(log, json!({ "id": org_id }), Some(&stranger.access))
        .await;
    assert_eq!(outsider.code(), Some("FORBIDDEN"));
    // An entry is a node for those who read the log, and nobody else.
    let entry_id = server
        .gql(
            "query($id: ID!) { auditLog(organizationId: $id, first: 1) { edges { node { id } } } }",
            json!({ "id": org_id }),
            Some(&founder.access),
        )
        .await
        .data()["auditLog"]["edges"][0]["node"]["id"]
        .clone();
    let entry = "query($id: ID!) { node(id: $id) { __typename } }";
    let admin_sees = server
        .gql(entry, json!({ "id": entry_id }), Some(&founder.access))
        .await;
    assert_eq!(
        admin_sees.data()["node"]["__typename"],
        "AuditEvent",
        "{}",
        admin_sees.body
    );
    let stranger_sees = server
        .gql(entry, json!({ "id": entry_id }), Some(&stranger.access))
        .await;
    assert_eq!(stranger_sees.data()["node"], Value::Null);
}

#[tokio::test]
async fn workspace_manager_plan_limits_and_analysts() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner = server.register("boss@example.org", "boss").await;
    let org = create_org(&server, &owner, "acme-works").await;
    let org_id = org["id"].as_str().unwrap_or_default().to_owned();
    let plan = server
        .gql(
            "mutation($input: SetOrganizationPlanInput!) { setOrganizationPlan(input: $input) { plan limits { members } } }",
            json!({ "input": { "organizationId": org_id, "plan": "STARTER" } }),
            Some(&admin.access),
        )
        .await;
    assert_eq!(
        plan.data()["setOrganizationPlan"]["limits"]["members"],
        25,
        "{}",
        plan.body
    );
    let code = invite(&server, &owner, json!({ "organizationId": org_id })).await;

    // 24 people join by registering with the invite; with the owner that is the plan's 25.
    let mut workers = Vec::new();
    for i in 1..25 {
        let reply = register_with(&server, &format!("worker{i}"), json!({ "inviteCode": code })).await;
        workers.push(session(&reply, "register"));
    }
    let full = server
        .gql(ORG, json!({ "slug": "acme-works" }), Some(&owner.access))
        .await;
    assert_eq!(full.data()["organization"]["memberCount"], 25);
    let refused = register_with(&server, "latecomer", json!({ "inviteCode": code })).await;
    assert_eq!(refused.code(), Some("LIMIT_EXCEEDED"), "{}", refused.body);
    assert_eq!(
        refused.message(),
        Some("the starter plan allows 25 members; upgrade the plan to add more")
    );
    // The refused registration made no account.
    assert_eq!(
        server.login("latecomer@example.org", PASSWORD).await.code(),
        Some("UNAUTHENTICATED")
    );

    // Workspace admins see their members' sign-ins when they ask; people see their own.
    let outsider = server.register("outsider@example.org", "outsider").await;
    let log =
        "query($id: ID!, $filter: AuditFilter) { auditLog(organizationId: $id, first: 100, filter: $filter) {
        edges { node { action actor { username } } } } }";
    let with_accounts = server
        .gql(
            log,
            json!({ "id": org_id, "filter": { "action": "session.created", "includeAccountEvents": true } }),
            Some(&owner.access),
        )
        .await;
    let signers: Vec<String> = with_accounts.data()["auditLog"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            e["node"]["actor"]["username"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(signers.iter().any(|u| u == "worker1"), "{}", with_accounts.body);
    assert!(
        !signers.iter().any(|u| u == "outsider"),
        "only members' sign-ins: {signers:?}"
    );
    let without = server
        .gql(
            log,
            json!({ "id": org_id, "filter": { "action": "session.created" } }),
            Some(&owner.access),
        )
        .await;
    assert_eq!(
        without.data()["auditLog"]["edges"].as_array().map(Vec::len),
        Some(0),
        "{}",
        without.body
    );
    let own = server
        .gql(
            "{ accountEvents { edges { node { action } } } }",
            json!({}),
            Some(&outsider.access),
        )
        .await;
    assert_eq!(
        own.data()["accountEvents"]["edges"][0]["node"]["action"],
        "session.created",
        "{}",
        own.body
    );

    // A workspace with an analyst and a creator.
    let created = server
        .gql(
            "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { id name timezone joinCode } }",
            json!({ "input": { "organizationId": org_id, "name": "Reports", "timezone": "Asia/Almaty" } }),
            Some(&owner.access),
        )
        .await;
    let department = created.data()["createDepartment"].clone();
    assert_eq!(department["timezone"], "Asia/Almaty", "{}", created.body);
    assert!(department["joinCode"].is_string(), "the owner sees the join code");
    let add = "mutation($input: AddDepartmentMemberInput!) { addDepartmentMember(input: $input) { preset permissions } }";
    let analyst = server
        .gql(
            add,
            json!({ "input": { "departmentId": department["id"], "userId": workers[0].user_id, "preset": "ANALYST" } }),
            Some(&owner.access),
        )
        .await;
    assert_eq!(
        analyst.data()["addDepartmentMember"]["permissions"],
        json!(["VIEW_ANALYTICS", "EXPORT_DATA"]),
        "{}",
        analyst.body
    );
    server
        .gql(
            add,
            json!({ "input": { "departmentId": department["id"], "userId": workers[1].user_id, "preset": "CREATOR" } }),
            Some(&owner.access),
        )
        .await;
    let permissions =
        "query($org: ID!, $dept: ID) { myPermissions(organizationId: $org, departmentId: $dept) }";
    let vars = json!({ "org": org_id, "dept": department["id"] });
    let of_analyst = server
        .gql(permissions, vars.clone(), Some(&workers[0].access))
        .await;
    let granted = of_analyst.data()["myPermissions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(granted.contains(&json!("VIEW_ANALYTICS")), "{}", of_analyst.body);
    assert!(
        !granted.contains(&json!("CREATE_RESOURCES")),
        "an analyst cannot create content"
    );
    let of_creator = server.gql(permissions, vars, Some(&workers[1].access)).await;
    assert!(
        of_creator.data()["myPermissions"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .contains(&json!("CREATE_RESOURCES"))
    );
    // A worker without a manager's role sees no join code and cannot add people.
    let workspace = server
        .gql(
            "query($slug: String!) { organization(slug: $slug) { departments { edges { node { name joinCode } } } } }",
            json!({ "slug": "acme-works" }),
            Some(&workers[2].access),
        )
        .await;
    assert_eq!(
        workspace.data()["organization"]["departments"]["edges"][0]["node"]["joinCode"],
        Value::Null
    );
    let not_allowed = server
        .gql(
            add,
            json!({ "input": { "departmentId": department["id"], "userId": workers[3].user_id, "preset": "MANAGER" } }),
            Some(&workers[2].access),
        )
        .await;
    assert_eq!(not_allowed.code(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn an_invite_converts_a_visitor_into_a_member() {
    let server = TestServer::start().await;
    let inviter = server.register("aigerim@example.org", "aigerim").await;
    let org = create_org(&server, &inviter, "birqadam-almaty").await;
    let org_id = org["id"].as_str().unwrap_or_default().to_owned();
    let department = server
        .gql(
            "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { id } }",
            json!({ "input": { "organizationId": org_id, "name": "Tree planting", "requiresApproval": true } }),
            Some(&inviter.access),
        )
        .await
        .data()["createDepartment"]["id"]
        .clone();
    let code = invite(
        &server,
        &inviter,
        json!({ "organizationId": org_id, "departmentIds": [department] }),
    )
    .await;

    // A visitor arrives from the shared link, then signs up with the invite.
    let visit = server
        .gql(
            "mutation($input: VisitInput!) { recordVisit(input: $input) { id } }",
            json!({ "input": { "utmSource": "invite" } }),
            None,
        )
        .await;
    let visitor_id = visit.data()["recordVisit"]["id"].clone();
    let bad_code = register_with(
        &server,
        "dana",
        json!({ "inviteCode": "no-such-code", "visitorId": visitor_id }),
    )
    .await;
    assert_eq!(bad_code.code(), Some("NOT_FOUND"));
    let dana = session(
        &register_with(
            &server,
            "dana",
            json!({ "inviteCode": code, "visitorId": visitor_id }),
        )
        .await,
        "register",
    );

    let mine = server
        .gql(
            "{ myMemberships { edges { node { role organization { slug } } } } }",
            json!({}),
            Some(&dana.access),
        )
        .await;
    let membership = &mine.data()["myMemberships"]["edges"][0]["node"];
    assert_eq!(membership["role"], "MEMBER", "{}", mine.body);
    assert_eq!(membership["organization"]["slug"], "birqadam-almaty");
    let node = server
        .gql(
            "query($id: ID!) { node(id: $id) { ... on Department { name members { edges { node { user { username } } } } } } }",
            json!({ "id": department }),
            Some(&dana.access),
        )
        .await;
    assert_eq!(
        node.data()["node"]["members"]["edges"][0]["node"]["user"]["username"],
        "dana",
        "{}",
        node.body
    );

    let stats = server
        .gql(
            "{ referralStats { invitesSent accepted signups bonusEarned } }",
            json!({}),
            Some(&inviter.access),
        )
        .await;
    assert_eq!(
        stats.data()["referralStats"],
        json!({ "invitesSent": 1, "accepted": 1, "signups": 1, "bonusEarned": commons_orgs::Settings::default().referral_bonus }),
        "{}",
        stats.body
    );
    // A non-member sees neither the member list nor the department.
    let outsider = server.register("outsider@example.org", "outsider").await;
    let hidden = server
        .gql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": department }),
            Some(&outsider.access),
        )
        .await;
    assert!(hidden.data()["node"].is_null(), "{}", hidden.body);
}

#[tokio::test]
async fn api_keys_and_bots() {
    let server = TestServer::start().await;
    let owner = server.register("maker@example.org", "maker").await;
    let create = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id prefix scopes } } }";
    let created = server
        .gql(
            create,
            json!({ "input": { "name": "reports", "scopes": ["read"] } }),
            Some(&owner.access),
        )
        .await;
    let key = &created.data()["createApiKey"];
    let secret = key["secret"].as_str().unwrap_or_default().to_owned();
    assert!(secret.starts_with("cak_"), "{}", created.body);
    assert!(secret.starts_with(key["apiKey"]["prefix"].as_str().unwrap_or("?")));
    assert_eq!(key["apiKey"]["scopes"], json!(["read"]));

    // The key reads as its user, writes nothing, and cannot make more keys.
    assert_eq!(server.me(&secret).await.data()["me"]["username"], "maker");
    let write = server
        .gql(
            "mutation { updateProfile(input: { bio: \"hi\" }) { bio } }",
            json!({}),
            Some(&secret),
        )
        .await;
    assert_eq!(write.code(), Some("FORBIDDEN"));
    let more = server
        .gql(create, json!({ "input": { "name": "again" } }), Some(&secret))
        .await;
    assert_eq!(more.code(), Some("FORBIDDEN"));
    let listed = server
        .gql("{ apiKeys { name lastUsedAt } }", json!({}), Some(&owner.access))
        .await;
    assert!(
        listed.data()["apiKeys"][0]["lastUsedAt"].is_string(),
        "{}",
        listed.body
    );

    // Revoked, it stops at once.
    let revoke = server
        .gql(
            "mutation($id: ID!) { revokeApiKey(apiKeyId: $id) { revokedAt } }",
            json!({ "id": key["apiKey"]["id"] }),
            Some(&owner.access),
        )
        .await;
    assert!(
        revoke.data()["revokeApiKey"]["revokedAt"].is_string(),
        "{}",
        revoke.body
    );
    assert_eq!(server.me(&secret).await.code(), Some("UNAUTHENTICATED"));

    // A bot acts through its own key.
    let bot = server
        .gql(
            "mutation { createBot(input: { username: \"reminder_bot\", displayName: \"Reminders\" }) { id username isBot } }",
            json!({}),
            Some(&owner.access),
        )
        .await;
    assert_eq!(bot.data()["createBot"]["isBot"], true, "{}", bot.body);
    let bot_key = server
        .gql(
            create,
            json!({ "input": { "name": "bot", "botId": bot.data()["createBot"]["id"] } }),
            Some(&owner.access),
        )
        .await;
    let bot_secret = bot_key.data()["createApiKey"]["secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        server.me(&bot_secret).await.data()["me"]["username"],
        "reminder_bot"
    );
    let stranger = server.register("stranger@example.org", "stranger").await;
    let not_theirs = server
        .gql(
            create,
            json!({ "input": { "name": "steal", "botId": bot.data()["createBot"]["id"] } }),
            Some(&stranger.access),
        )
        .await;
    assert_eq!(not_theirs.code(), Some("NOT_FOUND"));
}

#[tokio::test]
async fn listing_organizations_costs_the_same_for_5_and_50() {
    // A generous batch window, so a slow debug build on a busy machine still gathers every
    // key of a level into one batch: the test is about the shape of the queries, not speed.
    let server = TestServer::with_config(GatewayConfig {
        auth_attempts_per_minute: 0,
        batch_delay: std::time::Duration::from_millis(25),
        ..GatewayConfig::default()
    })
    .await;
    let viewer = server.register("viewer@example.org", "viewer").await;
    for i in 0..10 {
        let owner = server
            .register(&format!("owner{i}@example.org"), &format!("owner{i}"))
            .await;
        for j in 0..5 {
            create_org(&server, &owner, &format!("org-{i}-{j}")).await;
        }
    }
    let query = "query($n: Int) { organizations(first: $n) { edges { node {
        name memberCount owner { username } viewerMembership { role } } } } }";
    let (five, cost_of_5) = server
        .counted(query, json!({ "n": 5 }), Some(&viewer.access))
        .await;
    let (fifty, cost_of_50) = server
        .counted(query, json!({ "n": 50 }), Some(&viewer.access))
        .await;
    let edges = fifty.data()["organizations"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 50, "{}", fifty.body);
    assert!(edges.iter().all(|e| e["node"]["owner"]["username"].is_string()));
    assert_eq!(edges[0]["node"]["memberCount"], 1);
    assert_eq!(
        five.data()["organizations"]["edges"].as_array().map(Vec::len),
        Some(5)
    );
    eprintln!("SQL statements: {cost_of_5} for 5 organizations, {cost_of_50} for 50");
    assert_eq!(cost_of_5, cost_of_50, "the statements do not grow with the page");
    // Authentication, the page, owners, their users and the viewer's memberships.
    assert!(cost_of_50 <= 12, "{cost_of_50} statements");
}

#[tokio::test]
async fn memberships_and_api_keys_are_nodes_for_those_who_may_see_them() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    let eve = server.register("eve@example.org", "eve").await;
    let made = server
        .gql(
            r#"mutation { createOrganization(input: { name: "Ops", slug: "ops" }) { slug } }"#,
            json!({}),
            Some(&ann.access),
        )
        .await;
    assert!(made.body["errors"].is_null(), "{}", made.body);
    let mine = server
        .gql(
            "{ myMemberships(first: 5) { edges { node { id } } } }",
            json!({}),
            Some(&ann.access),
        )
        .await;
    let membership = mine.data()["myMemberships"]["edges"][0]["node"]["id"].clone();
    let key = server
        .gql(
            r#"mutation { createApiKey(input: { name: "ci" }) { apiKey { id } } }"#,
            json!({}),
            Some(&ann.access),
        )
        .await;
    let key = key.data()["createApiKey"]["apiKey"]["id"].clone();
    let nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }";
    let ids = json!({ "ids": [membership, key] });
    let ann_sees = server.gql(nodes, ids.clone(), Some(&ann.access)).await;
    assert_eq!(
        ann_sees.data()["nodes"],
        json!([{ "__typename": "Membership" }, { "__typename": "ApiKey" }]),
        "{}",
        ann_sees.body
    );
    let eve_sees = server.gql(nodes, ids, Some(&eve.access)).await;
    assert_eq!(eve_sees.data()["nodes"], json!([null, null]), "{}", eve_sees.body);
}
