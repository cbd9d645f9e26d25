// Accounts: the normalised e-mail is the login name (unique), `_id` is the OIDC `sub` (random, never reassigned),
// claim fields carry the standard OIDC names so that findAccount can hand them over unchanged.
import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type HydratedDocument, type Model } from 'mongoose';
import { modelOn } from './model-on.ts';

export interface Address {
  formatted?: string;
  street_address?: string;
  locality?: string;
  region?: string;
  postal_code?: string;
  country?: string;
}

/** Standard OIDC claims an account may carry, under their OIDC names. */
export interface UserClaims {
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  preferred_username?: string;
  profile?: string;
  picture?: string;
  website?: string;
  gender?: string;
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  phone_number?: string;
  phone_number_verified?: boolean;
  address?: Address;
}

/** One of a customer's postal addresses; the `primary` one is released as the OIDC `address` claim. */
export interface PostalAddress extends Address {
  id: string;
  label?: string;
  primary: boolean;
}

/** An erasure the customer or operator asked for, waiting out the grace period (src/services/erasure.ts). */
export interface ScheduledErasure {
  requestedAt: Date;
  dueAt: Date;
  source: string;
  /** Whether the account was disabled before: cancelling restores exactly that. */
  wasDisabled: boolean;
}

export interface User extends UserClaims {
  _id: string;
  addresses?: PostalAddress[];
  /** When the password last changed (sign-up, reset, change); sessions started before a reset are ended. */
  passwordChangedAt?: Date;
  email: string;
  email_verified: boolean;
  passwordHash: string;
  /** Created through another provider: the hash is of random bytes nobody knows, until a password is set. */
  noPassword?: boolean;
  disabled: boolean;
  /** Set while the account waits for its erasure: it is disabled meanwhile. */
  erasure?: ScheduledErasure;
  /** The last successful sign-in, to the hour (users.noteSignIn): what operators search inactive customers by. */
  lastLoginAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** An account without its password hash: what claims, the sign-in policy and caches work from. */
export type AccountRecord = Omit<User, 'passwordHash'>;

/**
 * The one way an e-mail address is compared, stored and used as a key (accounts, the e-mail lookup, the sign-in's
 * throttle and risk keys): case, surrounding space and Unicode composition do not make another address.
 */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

const addressFields = {
  formatted: String,
  street_address: String,
  locality: String,
  region: String,
  postal_code: String,
  country: String,
};

const addressSchema = new Schema<Address>(addressFields, { _id: false });

const postalAddressSchema = new Schema<PostalAddress>(
  { ...addressFields, id: { type: String, required: true }, label: String, primary: { type: Boolean, default: false } },
  { _id: false },
);

const userSchema = new Schema<User>(
  {
    _id: { type: String, default: () => randomUUID() },
    email: { type: String, required: true, set: normaliseEmail },
    email_verified: { type: Boolean, default: false },
    passwordHash: { type: String, required: true },
    noPassword: Boolean,
    disabled: { type: Boolean, default: false },

    name: String,
    given_name: String,
    family_name: String,
    middle_name: String,
    nickname: String,
    preferred_username: String,
    profile: String,
    picture: String,
    website: String,
    gender: String,
    birthdate: String,
    zoneinfo: String,
    locale: String,
    phone_number: String,
    phone_number_verified: Boolean,
    address: { type: addressSchema, default: undefined },
    addresses: { type: [postalAddressSchema], default: undefined },
    passwordChangedAt: Date,
    lastLoginAt: Date,
    erasure: {
      type: new Schema<ScheduledErasure>(
        { requestedAt: { type: Date, required: true }, dueAt: { type: Date, required: true }, source: { type: String, required: true }, wasDisabled: { type: Boolean, default: false } },
        { _id: false },
      ),
      default: undefined,
    },
  },
  { collection: 'users', timestamps: true, versionKey: false },
);

userSchema.index({ email: 1 }, { unique: true });

// Every write through the User model in this process, counted before and after it runs: a cached account read
// (src/services/users.ts) is good only while this count is what it was when the read started.
let writes = 0;
const counted = () => {
  writes += 1;
};
const WRITES = ['save', 'updateOne', 'updateMany', 'replaceOne', 'findOneAndUpdate', 'findOneAndReplace', 'findOneAndDelete', 'deleteOne', 'deleteMany'] as const;
for (const op of WRITES) {
  userSchema.pre(op as 'save', counted);
  userSchema.post(op as 'save', counted);
}
for (const op of ['insertMany', 'bulkWrite'] as const) {
  userSchema.pre(op as 'insertMany', counted);
  userSchema.post(op as 'insertMany', counted);
}

/** How many writes the User model has seen in this process (it only grows). */
export const userWriteCount = (): number => writes;
userSchema.index({ 'erasure.dueAt': 1 });
userSchema.index({ createdAt: 1, _id: 1 });

export type UserDocument = HydratedDocument<User>;
export type UserModel = Model<User>;

export function userModel(conn: Connection): UserModel {
  return modelOn<User>(conn, 'User', userSchema);
}
