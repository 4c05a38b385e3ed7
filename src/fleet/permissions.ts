// What each identity's user JWT allows, and nothing more. A node publishes only under its own
// name and takes only its own work; a person sends work to nodes and reads what they answered.
// Every identity subscribes only to its own inbox prefix, so no one reads another's replies.
import type { User } from '@nats-io/jwt';
import { NODES_BUCKET, STREAM_AUDIT, STREAM_IN, STREAM_OUT, subjects } from './subjects.js';

/** Read a stream through ephemeral (ordered) consumers and direct gets: the 2.9 API subjects for it. */
function readStream(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * The largest message each identity may publish at all (its user JWT's payload limit, which
 * nats-server 2.9 enforces: it tells the client its own max_payload, and drops a connection that
 * sends more). A node's answers to aios --node carry aiosd's JSON-RPC results, up to the server's
 * 1 MiB; a person sends goals, decisions and RPC requests, which AIOS_IN caps at 256 KiB anyway.
 * Fixed in the creds when they are minted: the streams' max_msg_size (hub-limits.ts) is what a
 * hub's config changes for every identity at its next start.
 */
export const NODE_MAX_PAYLOAD = 1024 * 1024;
export const PERSON_MAX_PAYLOAD = 256 * 1024;

/** Replies to requests this identity received (aios.rpc answers), once each, within a minute (ttl in ns). */
const replies = { max: 1, ttl: 60 * 1e9 };

export function nodePermissions(node: string): Partial<User> {
  const consumer = subjects.nodeConsumer(node);
  return {
    pub: {
      allow: [
        `aios.node.${node}.out.>`,
        subjects.auditAll(node),
        `$KV.${NODES_BUCKET}.${node}`,
        '$JS.API.INFO',
        // Its own work: the durable consumer the hub made for it, and its acks.
        `$JS.API.CONSUMER.INFO.${STREAM_IN}.${consumer}`,
        `$JS.API.CONSUMER.MSG.NEXT.${STREAM_IN}.${consumer}`,
        `$JS.ACK.${STREAM_IN}.${consumer}.>`,
        // The node list (aios fleet nodes from a node), read without a consumer (node-listing.ts):
        // the key names from the stream's info, each value by direct get. No consumer on any stream.
        `$JS.API.STREAM.INFO.KV_${NODES_BUCKET}`,
        `$JS.API.DIRECT.GET.KV_${NODES_BUCKET}`,
        `$JS.API.DIRECT.GET.KV_${NODES_BUCKET}.>`,
        `$JS.API.STREAM.MSG.GET.KV_${NODES_BUCKET}`,
      ],
    },
    sub: { allow: [`${subjects.inbox('node', node)}.>`, subjects.rpc(node)] },
    resp: replies,
    payload: NODE_MAX_PAYLOAD,
  };
}

export function personPermissions(person: string): Partial<User> {
  return {
    pub: {
      allow: [
        'aios.node.*.in.>',
        'aios.rpc.*',
        '$JS.API.INFO',
        ...readStream(STREAM_OUT),
        ...readStream(STREAM_IN),
        ...readStream(STREAM_AUDIT),
        ...readStream(`KV_${NODES_BUCKET}`),
      ],
    },
    sub: { allow: [`${subjects.inbox('person', person)}.>`] },
    payload: PERSON_MAX_PAYLOAD,
  };
}

/** The hub's own user: makes the streams and the nodes' consumers. Kept in the hub's directory only. */
export function hubPermissions(): Partial<User> {
  return { pub: { allow: ['>'] }, sub: { allow: ['>'] } };
}
