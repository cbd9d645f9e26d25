// Passkeys (WebAuthn) through @simplewebauthn/server: registration in the account center, passwordless sign-in
// with a discoverable credential, and use as a second factor.
//
// - Every ceremony starts with options whose challenge is stored under a random id (the page carries the id back);
//   the answer is checked against that one challenge, which is consumed first (deleteOne, deletedCount === 1), so a
//   challenge is good for one verification only — failed or not — and a replayed answer finds nothing.
// - Except on the login page ("Sign in with a passkey"), which is viewed far more often than used: its challenge is
//   signed instead of stored (signed-challenge.ts, bound to the interaction), so rendering the page writes nothing.
//   Using it inserts the challenge's hash under a unique `_id` first, so it too is good for one verification only.
// - Registration demands a resident key and user verification (a passkey, not a bare security-key factor);
//   attestation 'none': this service trusts no authenticator model more than another.
// - Passwordless sign-in demands user verification (the passkey is the only factor then); as a second factor after
//   a password, 'preferred' is enough.
// - The userHandle (WebAuthn user.id) is the account id's UTF-8 bytes, so a discoverable assertion names its account
//   and is checked against the credential's owner.
// - Response inputs arrive from forms: they are accepted as a JSON string or an object, bounded in size, and any
//   malformed input is 'invalid', never an exception.
import { systemClock, type Clock } from '../clock.ts';
import type { AuditDetails } from '../services/audit-events.ts';
import { randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Connection } from 'mongoose';
import { ensureExpiryIndexes, type ExpiringRow } from '../../adapters/maintenance.ts';
import {
  passkeyModel,
  usedChallengeModel,
  webAuthnChallengeModel,
  type ChallengeKind,
  type PasskeyRecord,
  type WebAuthnChallengeRecord,
} from '../db/models/passkey.ts';
import { auditEvent, type AuditLog } from '../services/audit.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { challengeKey, createSignedChallenges } from './signed-challenge.ts';
import { cleanPasskeyName, DEFAULT_PASSKEY_NAME, isBase64Url, parseResponse } from './passkey-input.ts';

export type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON };

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt?: Date;
  backedUp: boolean;
}

export type RegisterResult = { ok: true; passkey: PasskeyView } | { ok: false; reason: 'invalid' | 'expired' };
export type AuthenticateResult =
  | { ok: true; accountId: string; credentialId: string; userVerified: boolean; backedUp: boolean }
  | { ok: false; reason: 'invalid' | 'expired' | 'unknown_credential' };

export interface PasskeyService {
  registrationOptions(account: { accountId: string; email: string; displayName?: string }): Promise<{
    challengeId: string;
    options: PublicKeyCredentialCreationOptionsJSON;
  }>;
  /** `response`: what startRegistration() returned, as an object or its JSON. Audits factor.added (type passkey). */
  register(accountId: string, challengeId: string, response: unknown, name?: string): Promise<RegisterResult>;
  /**
   * No accountId: discoverable ("Sign in with a passkey", empty allowCredentials), user verification required.
   * With: that account's credentials, user verification preferred (a second factor after the password).
   */
  authenticationOptions(accountId?: string): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }>;
  /**
   * Verifies signature, counter, origin, rpID and the challenge; `accountId` given (or the options were made for
   * an account) ⇒ the credential must belong to it. Updates counter, lastUsedAt and the backup flag.
   */
  authenticate(challengeId: string, response: unknown, accountId?: string): Promise<AuthenticateResult>;
  /**
   * "Sign in with a passkey" on the login page of interaction `uid`: discoverable, user verification required, and
   * nothing stored — `challenge` (base64url, as in the options) is signed and is what the page sends back.
   */
  signInOptions(uid: string): Promise<{ challenge: string; options: PublicKeyCredentialRequestOptionsJSON }>;
  /** Verifies an answer to signInOptions(uid); the challenge is spent by the first call, whatever its outcome. */
  signIn(uid: string, challenge: unknown, response: unknown): Promise<AuthenticateResult>;
  list(accountId: string): Promise<PasskeyView[]>;
  /** False when the passkey is not the account's or the name is empty once trimmed. */
  rename(accountId: string, id: string, name: string): Promise<boolean>;
  /** Not audited here: the caller (FactorService.remove) records factor.removed. */
  remove(accountId: string, id: string): Promise<PasskeyView | undefined>;
  removeAll(accountId: string): Promise<void>;
  sweepExpired(): Promise<number>;
  ensureIndexes(): Promise<{ ttl: boolean }>;
}

export interface PasskeyDeps {
  conn: Connection;
  /** The issuer's host name (WebAuthn refuses IP addresses). */
  rpId: string;
  /** Shown by some authenticators next to the account name. */
  rpName: string;
  /** The issuer's origin: the only page origin whose ceremonies count. */
  origin: string;
  audit: Pick<AuditLog, 'record'>;
  /** The data encryption key: the login page's challenges are signed with a key derived from it. */
  key: Buffer;
  now?: Clock;
}

/** Lifetime of a challenge, and the timeout the browser is given. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
// 144-bit ids, base64url without padding.
const ID_BYTES = 18;
const MAX_ID_LENGTH = 64;
// EdDSA, ES256, RS256: what passkey authenticators use. Pinned rather than the library's default, which adds
// ML-DSA-44 when Node's WebCrypto has it — an experimental API (it warns at run time) no authenticator needs yet.
const ALGORITHMS = [-8, -7, -257];


function toView(r: PasskeyRecord): PasskeyView {
  const view: PasskeyView = { id: r._id, name: r.name, createdAt: r.createdAt, backedUp: r.backedUp };
  if (r.lastUsedAt) view.lastUsedAt = r.lastUsedAt;
  return view;
}


export { cleanPasskeyName, DEFAULT_PASSKEY_NAME, MAX_PASSKEY_NAME } from './passkey-input.ts';

export function createPasskeys(deps: PasskeyDeps): PasskeyService {
  const { conn, rpId, rpName, origin, audit } = deps;
  const now = deps.now ?? systemClock;
  const passkeys = passkeyModel(conn);
  const challenges = webAuthnChallengeModel(conn);
  const used = usedChallengeModel(conn);
  const signed = createSignedChallenges({ key: deps.key, now });

  async function storeChallenge(row: Omit<WebAuthnChallengeRecord, '_id' | 'expiresAt'>): Promise<string> {
    const _id = randomBytes(ID_BYTES).toString('base64url');
    await challenges.create({ ...row, _id, expiresAt: new Date(now() + CHALLENGE_TTL_MS) });
    return _id;
  }

  /** The challenge row, deleted by this call and no other; undefined when unknown, already used or expired. */
  async function consumeChallenge(id: unknown, kind: ChallengeKind): Promise<WebAuthnChallengeRecord | undefined> {
    // Ids come from forms: anything but a plausible string (an object would be a query operator) is unknown.
    if (!isBase64Url(id, MAX_ID_LENGTH)) return undefined;
    const row = await challenges.findOne({ _id: id }).lean<WebAuthnChallengeRecord>();
    if (!row || row.kind !== kind) return undefined;
    const { deletedCount } = await challenges.deleteOne({ _id: id });
    if (deletedCount !== 1) return undefined;
    return row.expiresAt.getTime() > now() ? row : undefined;
  }

  /** Records a signed challenge as used; false when it was already (a replay, or two racing posts: one wins). */
  async function spend(challenge: string, expiresAt: Date): Promise<boolean> {
    try {
      await used.create({ _id: challengeKey(challenge), expiresAt });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Checks an assertion against the challenge it answers; `owner` given ⇒ the credential must be that account's. */
  async function verifyAssertion(
    row: Pick<WebAuthnChallengeRecord, 'challenge' | 'userVerification'>,
    input: unknown,
    owner: string | undefined,
  ): Promise<AuthenticateResult> {
    const response = parseResponse(input);
    if (!response) {
      await failure(owner, 'passkey.authentication', 'invalid_response');
      return { ok: false, reason: 'invalid' };
    }
    const stored = await passkeys.findOne({ _id: response.id as string }).lean<PasskeyRecord>();
    if (!stored || (owner !== undefined && stored.accountId !== owner)) {
      await failure(owner, 'passkey.authentication', 'unknown_credential');
      return { ok: false, reason: 'unknown_credential' };
    }
    // A discoverable assertion names its user: it must be the credential's owner.
    const userHandle = (response.response as Record<string, unknown>).userHandle;
    if (userHandle !== undefined && userHandle !== null && userHandle !== '' &&
      (typeof userHandle !== 'string' || Buffer.from(userHandle, 'base64url').toString('utf8') !== stored.accountId)) {
      await failure(stored.accountId, 'passkey.authentication', 'user_handle_mismatch', { credentialId: stored._id });
      return { ok: false, reason: 'invalid' };
    }
    let info;
    try {
      const verified = await verifyAuthenticationResponse({
        response: response as unknown as AuthenticationResponseJSON,
        expectedChallenge: row.challenge,
        expectedOrigin: origin,
        expectedRPID: rpId,
        credential: { id: stored._id, publicKey: Buffer.from(stored.publicKey, 'base64url'), counter: stored.counter, transports: stored.transports },
        requireUserVerification: row.userVerification === 'required',
      });
      if (!verified.verified) throw new Error('not verified');
      info = verified.authenticationInfo;
    } catch (err) {
      // A counter that did not grow means a cloned authenticator (or a replayed assertion): say so in the log.
      const message = (err as Error).message;
      const reason = /counter/i.test(message) ? 'counter_not_increased' : 'invalid_response';
      await failure(stored.accountId, 'passkey.authentication', reason, { credentialId: stored._id, error: message.slice(0, 200) });
      return { ok: false, reason: 'invalid' };
    }
    const usedAt = new Date(now());
    // Keyed by `_id` alone (the only filter the embedded database serves from an index); the counter check is made on
    // the row as it was before this update: of two assertions with the same counter (a clone) only the first to move
    // it passes (atomic on MongoDB; FerretDB does not make this update atomic — the single-use challenge still holds).
    const before = await passkeys
      .findOneAndUpdate(
        { _id: stored._id },
        { $set: { lastUsedAt: usedAt, backedUp: info.credentialBackedUp }, $max: { counter: info.newCounter } },
        { returnDocument: 'before' },
      )
      .lean<Pick<PasskeyRecord, 'counter' | 'accountId'>>();
    if (!before || before.accountId !== stored.accountId || (info.newCounter > 0 && before.counter >= info.newCounter)) {
      await failure(stored.accountId, 'passkey.authentication', 'counter_not_increased', { credentialId: stored._id });
      return { ok: false, reason: 'invalid' };
    }
    await audit.record({
      type: 'passkey.authentication',
      outcome: 'success',
      accountId: stored.accountId,
      details: { credentialId: stored._id, userVerified: info.userVerified, backedUp: info.credentialBackedUp, discoverable: owner === undefined },
    });
    return { ok: true, accountId: stored.accountId, credentialId: stored._id, userVerified: info.userVerified, backedUp: info.credentialBackedUp };
  }

  const credentialsOf = (accountId: string) =>
    passkeys.find({ accountId }).sort({ createdAt: 1, _id: 1 }).lean<PasskeyRecord[]>();

  const failure = <T extends 'passkey.authentication' | 'factor.added'>(accountId: string | undefined, type: T, reason: string, details?: AuditDetails[T]) =>
    audit.record(auditEvent({ type, outcome: 'failure', accountId, reason, details }));

  return {
    async registrationOptions({ accountId, email, displayName }) {
      const existing = await credentialsOf(accountId);
      const options = await generateRegistrationOptions({
        rpName,
        rpID: rpId,
        userName: email,
        userID: new TextEncoder().encode(accountId),
        userDisplayName: displayName || email,
        timeout: CHALLENGE_TTL_MS,
        attestationType: 'none',
        // The authenticator refuses to make a second credential for this account on a device that holds one.
        excludeCredentials: existing.map((c) => ({ id: c._id, transports: c.transports })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        supportedAlgorithmIDs: ALGORITHMS,
      });
      const challengeId = await storeChallenge({ kind: 'registration', challenge: options.challenge, accountId, userVerification: 'required' });
      return { challengeId, options };
    },

    async register(accountId, challengeId, input, name) {
      const row = await consumeChallenge(challengeId, 'registration');
      if (!row || row.accountId !== accountId) {
        await failure(accountId, 'factor.added', 'challenge_expired', { factorType: 'passkey' });
        return { ok: false, reason: 'expired' };
      }
      const response = parseResponse(input);
      let info;
      try {
        if (!response) throw new Error('malformed response');
        const verified = await verifyRegistrationResponse({
          response: response as unknown as RegistrationResponseJSON,
          expectedChallenge: row.challenge,
          expectedOrigin: origin,
          expectedRPID: rpId,
          requireUserVerification: true,
          supportedAlgorithmIDs: ALGORITHMS,
        });
        if (!verified.verified) throw new Error('not verified');
        info = verified.registrationInfo;
      } catch (err) {
        await failure(accountId, 'factor.added', 'invalid_response', { factorType: 'passkey', error: (err as Error).message.slice(0, 200) });
        return { ok: false, reason: 'invalid' };
      }
      const { credential } = info;
      const record: PasskeyRecord = {
        _id: credential.id,
        accountId,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        name: cleanPasskeyName(name) || DEFAULT_PASSKEY_NAME,
        createdAt: new Date(now()),
      };
      try {
        await passkeys.create(record);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await failure(accountId, 'factor.added', 'duplicate_credential', { factorType: 'passkey' });
        return { ok: false, reason: 'invalid' };
      }
      await audit.record({
        type: 'factor.added',
        outcome: 'success',
        accountId,
        details: { factorType: 'passkey', factorId: record._id, deviceType: record.deviceType, backedUp: record.backedUp },
      });
      return { ok: true, passkey: toView(record) };
    },

    async authenticationOptions(accountId) {
      const allowCredentials = accountId ? (await credentialsOf(accountId)).map((c) => ({ id: c._id, transports: c.transports })) : [];
      const userVerification = accountId ? 'preferred' : 'required';
      const options = await generateAuthenticationOptions({ rpID: rpId, allowCredentials, userVerification, timeout: CHALLENGE_TTL_MS });
      const challengeId = await storeChallenge({ kind: 'authentication', challenge: options.challenge, accountId, userVerification });
      return { challengeId, options };
    },

    async authenticate(challengeId, input, accountId) {
      const row = await consumeChallenge(challengeId, 'authentication');
      if (!row || (accountId !== undefined && row.accountId !== undefined && row.accountId !== accountId)) {
        await failure(accountId, 'passkey.authentication', 'challenge_expired');
        return { ok: false, reason: 'expired' };
      }
      return verifyAssertion(row, input, accountId ?? row.accountId);
    },

    async signInOptions(uid) {
      const { challenge } = signed.issue(uid, CHALLENGE_TTL_MS);
      const options = await generateAuthenticationOptions({ rpID: rpId, allowCredentials: [], userVerification: 'required', timeout: CHALLENGE_TTL_MS, challenge });
      return { challenge: options.challenge, options };
    },

    async signIn(uid, challenge, input) {
      const expiresAt = signed.open(uid, challenge);
      if (!expiresAt || !(await spend(challenge as string, expiresAt))) {
        await failure(undefined, 'passkey.authentication', 'challenge_expired');
        return { ok: false, reason: 'expired' };
      }
      return verifyAssertion({ challenge: challenge as string, userVerification: 'required' }, input, undefined);
    },

    async list(accountId) {
      return (await credentialsOf(accountId)).map(toView);
    },

    async rename(accountId, id, name) {
      const clean = cleanPasskeyName(name);
      if (!clean || typeof id !== 'string') return false;
      const { matchedCount } = await passkeys.updateOne({ _id: id, accountId }, { $set: { name: clean } });
      if (matchedCount !== 1) return false;
      await audit.record({ type: 'factor.renamed', outcome: 'success', accountId, details: { factorType: 'passkey', factorId: id } });
      return true;
    },

    async remove(accountId, id) {
      if (typeof id !== 'string') return undefined;
      const row = await passkeys.findOne({ _id: id, accountId }).lean<PasskeyRecord>();
      if (!row) return undefined;
      const { deletedCount } = await passkeys.deleteOne({ _id: id, accountId });
      return deletedCount === 1 ? toView(row) : undefined;
    },

    async removeAll(accountId) {
      await Promise.all([passkeys.deleteMany({ accountId }), challenges.deleteMany({ accountId })]);
    },

    async sweepExpired() {
      const cutoff = { expiresAt: { $lte: new Date(now()) } };
      const [a, b] = await Promise.all([challenges.deleteMany(cutoff), used.deleteMany(cutoff)]);
      return a.deletedCount + b.deletedCount;
    },

    async ensureIndexes() {
      await passkeys.createIndexes();
      await challenges.createIndexes();
      const db = conn.db;
      if (!db) throw new Error('database connection is not open');
      return ensureExpiryIndexes([challenges, used].map((m) => db.collection<ExpiringRow>(m.collection.collectionName)));
    },
  };
}
