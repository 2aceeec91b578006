// The README's first steps, as a web app would take them with widely used clients: urql for
// queries and mutations (with automatic persisted queries sent over GET, as urql's persisted
// exchange does), and the graphql-ws client for subscriptions. Usage:
//   node readme-flow.mjs http://127.0.0.1:PORT
// Prints one line of JSON with what it saw and exits 0, or prints the failure and exits 1.

import { Client, fetchExchange, gql } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.argv[2];
if (!base) {
  console.error('usage: node readme-flow.mjs <server url>');
  process.exit(2);
}

let token = null;
const client = new Client({
  url: `${base}/graphql`,
  exchanges: [persistedExchange({ preferGetForPersistedQueries: true }), fetchExchange],
  fetchOptions: () => (token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
  requestPolicy: 'network-only',
});

async function run(kind, document, variables = {}) {
  const result = await client[kind](document, variables).toPromise();
  if (result.error) throw new Error(`${kind} failed: ${result.error.message}`);
  return result.data;
}

const SignUp = gql`
  mutation SignUp($email: String!, $username: String!) {
    register(input: { email: $email, username: $username, password: "correct horse battery" }) {
      accessToken
      user { id username }
    }
  }
`;
const WhoAmI = gql`query WhoAmI { me { id username } }`;
const StartOrganization = gql`
  mutation StartOrganization($slug: String!) {
    createOrganization(input: { name: "Saratov Runners", slug: $slug }) { id slug viewerMembership { role } }
  }
`;
const Invite = gql`
  mutation Invite($org: ID!) {
    createInvite(input: { organizationId: $org, role: MODERATOR, maxUses: 1 }) { code }
  }
`;
const Post = gql`
  mutation Post {
    createResource(input: { title: "Morning run", visibility: PUBLIC, kind: { blogpost: { body: "Join us at 7." } } }) { id }
  }
`;
const Publish = gql`mutation Publish($id: ID!) { publishResource(id: $id) { status } }`;
const Comment = gql`
  mutation Comment($id: ID!) { addComment(input: { resourceId: $id, body: "See you there" }) { id } }
`;

async function main() {
  const signedUp = await run('mutation', SignUp, { email: 'ada@example.org', username: 'ada' });
  token = signedUp.register.accessToken;
  // Twice: the second time urql sends only the query's hash, over GET.
  const me = await run('query', WhoAmI);
  const again = await run('query', WhoAmI);
  const org = await run('mutation', StartOrganization, { slug: 'saratov-runners' });
  const invite = await run('mutation', Invite, { org: org.createOrganization.id });
  const post = await run('mutation', Post);
  const id = post.createResource.id;
  await run('mutation', Publish, { id });

  const ws = createWsClient({
    url: `${base.replace(/^http/, 'ws')}/graphql/ws`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
  });
  const subscription = ws.iterate({
    query: 'subscription Thread($id: ID!) { commentAdded(resourceId: $id) { body author { username } } }',
    variables: { id },
  });
  const received = (async () => {
    for await (const event of subscription) {
      if (event.errors) throw new Error(`subscription failed: ${JSON.stringify(event.errors)}`);
      return event.data.commentAdded;
    }
    throw new Error('the subscription ended without an event');
  })();
  // The protocol does not say when a subscription is listening: comment until it hears one.
  let heard = null;
  for (let attempt = 0; attempt < 10 && !heard; attempt++) {
    await run('mutation', Comment, { id });
    heard = await Promise.race([received, new Promise((r) => setTimeout(() => r(null), 1000))]);
  }
  await subscription.return?.();
  await ws.dispose();
  if (!heard) throw new Error('no commentAdded arrived');

  console.log(JSON.stringify({
    me: me.me.username,
    meAgain: again.me.username,
    role: org.createOrganization.viewerMembership.role,
    inviteCode: typeof invite.createInvite.code,
    comment: heard,
  }));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error.stack ?? String(error));
    process.exit(1);
  },
);
