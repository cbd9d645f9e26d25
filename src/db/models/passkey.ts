// Passkeys (WebAuthn credentials) and the challenges that registering or using one signs.
//
// A credential's `_id` is its credential id (base64url): the storage engine's unique `_id` keeps one credential from
// ever being registered twice, to one account or to two. Nothing here is secret — a public key, a counter and
// flags — so nothing is sealed.
//
// A challenge is used once: the one request that deletes its row (deletedCount === 1) may verify against it; the
// login page's signed challenges have no row until they are used, then one (its hash) that a replay collides with.
// Expiry is checked on read; the service's ensureIndexes / sweepExpired reclaim old rows (FerretDB has no TTL indexes).
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from './model-on.ts';

export type PasskeyDeviceType = 'singleDevice' | 'multiDevice';

export interface PasskeyRecord {
  /** Credential id, base64url. */
  _id: string;
  accountId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  /** Signature counter last seen (0 for authenticators that do not count, as most synced passkeys). */
  counter: number;
  transports: string[];
  /** 'multiDevice': may be synced to other devices (backup eligible). */
  deviceType: PasskeyDeviceType;
  backedUp: boolean;
  /** Authenticator model (all zeros with attestation 'none' on many platforms). */
  aaguid: string;
  name: string;
  createdAt: Date;
  lastUsedAt?: Date;
}

export const CHALLENGE_KINDS = ['registration', 'authentication'] as const;
export type ChallengeKind = (typeof CHALLENGE_KINDS)[number];

export interface WebAuthnChallengeRecord {
  /** Random id handed to the page (the challenge itself is in the options). */
  _id: string;
  kind: ChallengeKind;
  /** base64url, as in the options sent to the browser. */
  challenge: string;
  /** Registration: the account registering. Authentication: the account whose credentials were offered, if any. */
  accountId?: string;
  userVerification: 'required' | 'preferred';
  expiresAt: Date;
}

const passkeySchema = new Schema<PasskeyRecord>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    publicKey: { type: String, required: true },
    counter: { type: Number, required: true },
    transports: { type: [String], default: [] },
    deviceType: { type: String, required: true, enum: ['singleDevice', 'multiDevice'] },
    backedUp: { type: Boolean, required: true },
    aaguid: { type: String, required: true },
    name: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastUsedAt: Date,
  },
  { collection: 'passkeys', versionKey: false },
);
passkeySchema.index({ accountId: 1, createdAt: 1 });

const challengeSchema = new Schema<WebAuthnChallengeRecord>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true, enum: CHALLENGE_KINDS },
    challenge: { type: String, required: true },
    accountId: String,
    userVerification: { type: String, required: true, enum: ['required', 'preferred'] },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'webauthn_challenges', versionKey: false },
);
// For removeAll (account deletion). The expiresAt index (TTL where possible) is made by the service.
challengeSchema.index({ accountId: 1 });

/** A signed (stateless) challenge that was used: its hash, inserted once, kept until the challenge expires. */
export interface UsedChallengeRecord {
  /** SHA-256 of the challenge, base64url. */
  _id: string;
  expiresAt: Date;
}

const usedChallengeSchema = new Schema<UsedChallengeRecord>(
  { _id: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { collection: 'webauthn_used_challenges', versionKey: false },
);

export type PasskeyModel = Model<PasskeyRecord>;
export type WebAuthnChallengeModel = Model<WebAuthnChallengeRecord>;

export function passkeyModel(conn: Connection): PasskeyModel {
  return modelOn<PasskeyRecord>(conn, 'Passkey', passkeySchema);
}

export function usedChallengeModel(conn: Connection): Model<UsedChallengeRecord> {
  return modelOn<UsedChallengeRecord>(conn, 'WebAuthnUsedChallenge', usedChallengeSchema);
}

export function webAuthnChallengeModel(conn: Connection): WebAuthnChallengeModel {
  return modelOn<WebAuthnChallengeRecord>(conn, 'WebAuthnChallenge', challengeSchema);
}
