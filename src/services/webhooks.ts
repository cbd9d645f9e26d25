// Events delivered to other systems: every audit event is an event, and the audit log is the outbox — written in
// the same step as the change it records (src/services/audit.ts), so nothing is lost when a process dies between
// the change and its delivery. Operators register endpoints with the event types they want; a dispatcher outside
// the request path reads each endpoint's way through the log, makes one delivery per event and endpoint (a unique
// id: never two), and sends each signed as the Standard Webhooks specification says (webhook-id, -timestamp,
// -signature: HMAC-SHA256 with the endpoint's secret), retrying with exponential backoff for a day. Deliveries are
// kept with their attempts and can be replayed. The payload says what happened to whom (ids, outcome, reason), never
// network addresses or details; an erased customer's events carry only the pseudonymous id (as the log does), which
// every earlier event about the customer announced as `erasureId`: the receiver finds its own copy by it.
import { createHmac, randomBytes } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import type { Collection } from 'mongodb';
import { systemClock, type Clock } from '../clock.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { auditEventModel, type AuditEventRecord } from '../db/models/audit-event.ts';
import { badRequest, notFound } from '../errors.ts';
import type { Logger } from '../log.ts';
import { AUDIT_EVENT_TYPES } from './audit-events.ts';
import { auditPseudonym, PSEUDONYM_PREFIX } from './audit.ts';
import type { Cipher } from './crypto.ts';
import type { ExpiringStore } from './expiry.ts';
import { ensureExpiryIndexes, sweepExpired, type ExpiringRow } from '../../adapters/maintenance.ts';

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Event types delivered; ['*'] for every type. */
  eventTypes: string[];
  createdAt: Date;
}

export interface Delivery {
  eventId: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt?: Date;
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: Date;
}

export interface Webhooks extends ExpiringStore {
  /** Registers an endpoint; its secret (whsec_…) is in this answer only. Events recorded from now on are delivered. */
  create(input: { url: string; eventTypes: string[] }): Promise<WebhookEndpoint & { secret: string }>;
  list(): Promise<WebhookEndpoint[]>;
  delete(id: string): Promise<boolean>;
  deliveries(id: string, opts?: { status?: Delivery['status']; limit?: number }): Promise<Delivery[]>;
  /** Sends an event again (a delivered or given-up one too), as soon as the dispatcher next runs. */
  replay(id: string, eventId: string): Promise<void>;
  /** One round of the dispatcher: new events into deliveries, then every delivery that is due. */
  tick(): Promise<{ queued: number; sent: number; failed: number }>;
}

interface EndpointRow {
  _id: string;
  url: string;
  secret: string;
  eventTypes: string[];
  createdAt: Date;
  /** The newest audit event already turned into deliveries (an ObjectId's hex). */
  cursor: string;
}

interface DeliveryRow {
  _id: string;
  endpointId: string;
  eventId: string;
  type: string;
  accountId?: string;
  status: Delivery['status'];
  attempts: number;
  firstAttemptAt?: Date;
  nextAttemptAt: Date;
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: Date;
  /** Set once it is through (delivered or given up): then swept after 30 days. */
  expiresAt?: Date;
}

export const ENDPOINTS_COLLECTION = 'webhook_endpoints';
export const DELIVERIES_COLLECTION = 'webhook_deliveries';
export const LEASES_COLLECTION = 'webhook_leases';
/** After the first attempt, retries wait this long, then double, until a day has passed: then the delivery fails. */
const FIRST_RETRY_MS = 5_000;
const GIVE_UP_MS = 24 * 3600_000;
const TIMEOUT_MS = 10_000;
/** ObjectIds made in different processes in the same second are not ordered: the log is read again this far back. */
const SETTLE_MS = 5_000;
const BATCH = 200;
/** How long a delivered or given-up delivery stays listed before it is swept. */
const KEEP_MS = 30 * 24 * 3600_000;

const ENDPOINT_ID = /^wh_[A-Za-z0-9_-]{16,64}$/;

/** The Standard Webhooks signature of one delivery: `v1,` and base64 HMAC-SHA256 of `id.timestamp.body`. */
export function signDelivery(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function checkUrl(raw: string): string {
  const url = URL.parse(raw);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw badRequest('url: must be an absolute https URL');
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol === 'http:' && !loopback) throw badRequest('url: must be https (plain http only to this machine, for development)');
  if (url.username || url.password) throw badRequest('url: must not carry credentials');
  return url.toString();
}

function checkTypes(types: string[]): string[] {
  const known = new Set<string>(AUDIT_EVENT_TYPES);
  const list = [...new Set(types)];
  if (list.length === 0) throw badRequest('event types: name at least one, or "*" for every type');
  const unknown = list.filter((t) => t !== '*' && !known.has(t));
  if (unknown.length) throw badRequest(`event types: unknown ${unknown.join(', ')}`);
  return list.includes('*') ? ['*'] : list;
}

const view = (row: EndpointRow): WebhookEndpoint => ({ id: row._id, url: row.url, eventTypes: row.eventTypes, createdAt: row.createdAt });

export function createWebhooks(deps: {
  conn: Connection;
  cipher: Cipher;
  /** The data-encryption key: it keys the pseudonym an erasure gives the customer (auditPseudonym). */
  key: Buffer;
  logger?: Logger;
  now?: Clock;
  fetch?: typeof fetch;
}): Webhooks {
  const db = deps.conn.db;
  if (!db) throw new Error('database connection is not open');
  const endpoints: Collection<EndpointRow> = db.collection(ENDPOINTS_COLLECTION);
  const deliveries: Collection<DeliveryRow> = db.collection(DELIVERIES_COLLECTION);
  const leases: Collection<{ _id: string; expiresAt: Date }> = db.collection(LEASES_COLLECTION);
  const events = auditEventModel(deps.conn).collection;
  const now = () => (deps.now ?? systemClock)();
  const send = deps.fetch ?? fetch;

  /**
   * The id the customer's erasure will carry (the audit log's pseudonym), in every event about a customer: a receiver
   * keeps it with its copy, and finds that copy again from account.deleted, which names only this id.
   */
  const erasureIdOf = (accountId: string | undefined) =>
    !accountId ? {} : { erasureId: accountId.startsWith(PSEUDONYM_PREFIX) ? accountId : auditPseudonym(deps.key, accountId) };

  /** New events of the endpoint's types into deliveries (duplicates of an earlier round are refused by their id). */
  async function queue(endpoint: EndpointRow): Promise<number> {
    // Recorded since the endpoint was registered (the cursor's second may hold earlier events).
    const query: Record<string, unknown> = { _id: { $gt: new Types.ObjectId(endpoint.cursor) }, at: { $gte: endpoint.createdAt } };
    if (!endpoint.eventTypes.includes('*')) query.type = { $in: endpoint.eventTypes };
    const found = (await events.find(query).sort({ _id: 1 }).limit(BATCH).toArray()) as unknown as AuditEventRecord[];
    if (found.length === 0) return 0;
    const at = new Date(now());
    const rows: DeliveryRow[] = found.map((e) => ({
      _id: `${endpoint._id}:${e._id.toHexString()}`,
      endpointId: endpoint._id,
      eventId: e._id.toHexString(),
      type: e.type,
      ...(e.accountId ? { accountId: e.accountId } : {}),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
    }));
    let queued = rows.length;
    try {
      await deliveries.insertMany(rows, { ordered: false });
    } catch (err) {
      const failed = (err as { writeErrors?: { code?: number }[] }).writeErrors;
      if (!failed || failed.some((w) => w.code !== 11000)) throw err;
      queued -= failed.length;
    }
    // The cursor moves only past events old enough that no process can still write one before them.
    // (Real time, as the ObjectIds carry it, whatever clock schedules the retries.)
    const settled = found.filter((e) => e._id.getTimestamp().getTime() < Date.now() - SETTLE_MS).at(-1);
    if (settled) await endpoints.updateOne({ _id: endpoint._id }, { $set: { cursor: settled._id.toHexString() } });
    return queued;
  }

  /** One attempt, if this process wins its lease (several processes may run the dispatcher). */
  async function attempt(endpoint: EndpointRow, delivery: DeliveryRow): Promise<'sent' | 'failed' | 'skipped'> {
    try {
      await leases.insertOne({ _id: `${delivery._id}#${delivery.attempts}`, expiresAt: new Date(now() + GIVE_UP_MS) });
    } catch (err) {
      if (isDuplicateKey(err)) return 'skipped';
      throw err;
    }
    const event = (await events.findOne({ _id: new Types.ObjectId(delivery.eventId) })) as unknown as AuditEventRecord | null;
    const at = now();
    let status: number | undefined;
    let error: string | undefined;
    if (event) {
      const body = JSON.stringify({
        id: delivery.eventId,
        type: event.type,
        timestamp: event.at.toISOString(),
        data: { outcome: event.outcome, accountId: event.accountId, ...erasureIdOf(event.accountId), clientId: event.clientId, reason: event.reason },
      });
      // Real time: receivers compare it with their own clock to refuse replays.
      const timestamp = Math.floor(Date.now() / 1000);
      try {
        const res = await send(endpoint.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': delivery.eventId,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signDelivery(deps.cipher.decrypt(endpoint.secret), delivery.eventId, timestamp, body),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        status = res.status;
        await res.body?.cancel();
      } catch (err) {
        error = (err as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
      }
    } else {
      error = 'event no longer in the log';
    }
    const attempts = delivery.attempts + 1;
    const first = delivery.firstAttemptAt?.getTime() ?? at;
    const ok = status !== undefined && status >= 200 && status < 300;
    const retryAt = at + FIRST_RETRY_MS * 2 ** (attempts - 1);
    const next: Partial<DeliveryRow> = ok
      ? { status: 'delivered', deliveredAt: new Date(at), expiresAt: new Date(at + KEEP_MS) }
      : event && retryAt - first <= GIVE_UP_MS
        ? { status: 'pending', nextAttemptAt: new Date(retryAt) }
        : { status: 'failed', nextAttemptAt: new Date(retryAt), expiresAt: new Date(at + KEEP_MS) };
    await deliveries.updateOne(
      { _id: delivery._id },
      { $set: { ...next, attempts, firstAttemptAt: new Date(first), ...(status !== undefined ? { lastStatus: status } : {}), ...(error ? { lastError: error } : {}) }, ...(error ? {} : { $unset: { lastError: '' } }) },
    );
    if (!ok) deps.logger?.info({ webhook: endpoint._id, eventId: delivery.eventId, status, error, attempts }, 'webhook delivery failed');
    return ok ? 'sent' : 'failed';
  }

  /** Due deliveries in event order; one customer's later events wait while an earlier one is not through. */
  async function dispatch(endpoint: EndpointRow): Promise<{ sent: number; failed: number }> {
    const pending = await deliveries.find({ endpointId: endpoint._id, status: 'pending' }).sort({ eventId: 1 }).limit(BATCH).toArray();
    const held = new Set<string>();
    let sent = 0;
    let failed = 0;
    for (const delivery of pending) {
      const key = delivery.accountId ?? '';
      if (key && held.has(key)) continue;
      if (delivery.nextAttemptAt.getTime() > now()) {
        if (key) held.add(key);
        continue;
      }
      const outcome = await attempt(endpoint, delivery);
      if (outcome === 'sent') sent += 1;
      else if (outcome === 'failed') {
        failed += 1;
        if (key) held.add(key);
      }
    }
    return { sent, failed };
  }

  const expiring = () => [LEASES_COLLECTION, DELIVERIES_COLLECTION].map((name) => db.collection<ExpiringRow>(name));
  return {
    async ensureIndexes() {
      await deliveries.createIndex({ endpointId: 1, status: 1, eventId: 1 });
      return ensureExpiryIndexes(expiring());
    },
    sweepExpired: () => sweepExpired(expiring()),
    async create(input) {
      const url = checkUrl(input.url);
      const eventTypes = checkTypes(input.eventTypes);
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      const row: EndpointRow = {
        _id: `wh_${randomBytes(16).toString('base64url')}`,
        url,
        secret: deps.cipher.encrypt(secret),
        eventTypes,
        createdAt: new Date(now()),
        // Events from now on: the first ObjectId of this second sorts after every event of earlier seconds (the ids
        // carry real time); events of this very second recorded before now are left out by their time.
        cursor: Types.ObjectId.createFromTime(Math.floor(Date.now() / 1000)).toHexString(),
      };
      await endpoints.insertOne(row);
      return { ...view(row), secret };
    },
    async list() {
      return (await endpoints.find({}).sort({ createdAt: 1 }).toArray()).map(view);
    },
    async delete(id) {
      if (typeof id !== 'string' || !ENDPOINT_ID.test(id)) return false;
      const gone = (await endpoints.deleteOne({ _id: id })).deletedCount === 1;
      if (gone) await deliveries.deleteMany({ endpointId: id });
      return gone;
    },
    async deliveries(id, opts = {}) {
      if (!ENDPOINT_ID.test(id) || !(await endpoints.findOne({ _id: id }, { projection: { _id: 1 } }))) throw notFound('No such webhook');
      const rows = await deliveries
        .find({ endpointId: id, ...(opts.status ? { status: opts.status } : {}) })
        .sort({ eventId: -1 })
        .limit(Math.min(Math.max(1, opts.limit ?? 100), 500))
        .toArray();
      return rows.map(({ eventId, type, status, attempts, nextAttemptAt, lastStatus, lastError, deliveredAt }) => ({
        eventId,
        type,
        status,
        attempts,
        ...(status === 'pending' ? { nextAttemptAt } : {}),
        ...(lastStatus !== undefined ? { lastStatus } : {}),
        ...(lastError ? { lastError } : {}),
        ...(deliveredAt ? { deliveredAt } : {}),
      }));
    },
    async replay(id, eventId) {
      const found = ENDPOINT_ID.test(id) && /^[0-9a-f]{24}$/.test(eventId) ? await deliveries.findOne({ _id: `${id}:${eventId}` }) : null;
      if (!found) throw notFound('No such delivery');
      // A new attempt number makes a new lease; the first attempt of a replay is counted from now.
      await deliveries.updateOne({ _id: found._id }, { $set: { status: 'pending', nextAttemptAt: new Date(now()), firstAttemptAt: new Date(now()) }, $unset: { expiresAt: '' } });
    },
    async tick() {
      let queued = 0;
      let sent = 0;
      let failed = 0;
      for (const endpoint of await endpoints.find({}).toArray()) {
        queued += await queue(endpoint);
        const done = await dispatch(endpoint);
        sent += done.sent;
        failed += done.failed;
      }
      return { queued, sent, failed };
    },
  };
}
