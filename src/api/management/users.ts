// Customers in the management API: find, read, create, change, disable and enable them, end their sessions; and
// every account at once with its password hash, for an operator who moves to another system (support and privacy
// actions: user-care.ts). Each operation calls the use case the CLI and the
// pages call (one behaviour, one audit trail: the acting client is recorded as the event's client).
import { z } from 'zod';
import type { AccountRecord } from '../../db/models/user.ts';
import { notFound } from '../../errors.ts';
import { exportRowSchema, MAX_EXPORT_PAGE, type UserExport } from '../../services/user-export.ts';

import { accountClaims } from '../../services/claims.ts';
import type { UserDirectory } from '../../services/user-directory.ts';
import { MAX_PAGE } from '../../services/user-directory.ts';
import { claimsSchema, parseClaims, passwordSchema } from '../../services/user-input.ts';
import type { UserService, UserView } from '../../services/users.ts';
import type { SignOut } from '../../services/sign-out.ts';
import type { AccountStatus } from '../../usecases/account-status.ts';
import { importRowSchema, type UserImport } from '../../services/user-import.ts';
import { operation, type Operation } from './operation.ts';

export interface UserOperationsDeps {
  users: Pick<UserService, 'create' | 'findById' | 'addClaims'>;
  userDirectory: UserDirectory;
  accountStatus: AccountStatus;
  signOut: Pick<SignOut, 'sessionsEverywhere'>;
  userImport: UserImport;
  userExport: Pick<UserExport, 'page'>;
}

const CLAIMS = Object.keys(claimsSchema.shape) as (keyof typeof claimsSchema.shape)[];
const stored = z.string().optional();
const addressOut = z.object({ formatted: stored, street_address: stored, locality: stored, region: stored, postal_code: stored, country: stored });

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    email_verified: z.boolean(),
    disabled: z.boolean(),
    has_password: z.boolean().describe('false for an account made without one (another provider, an import); "Forgot your password?" sets one'),
    created_at: z.string().describe('ISO 8601'),
    updated_at: z.string().describe('ISO 8601'),
    last_login_at: z.string().optional().describe('ISO 8601, to the hour: the last sign-in (absent: none recorded)'),
    ...Object.fromEntries(CLAIMS.map((c) => [c, c === 'phone_number_verified' ? z.boolean().optional() : c === 'address' ? addressOut.optional() : stored])),
  })
  .meta({ description: 'A customer: the account and its standard OpenID claims' });

function userOut(view: UserView): z.input<typeof userSchema> {
  // The claims as apps receive them (the primary postal address as `address`), from the one place that says so.
  const released = accountClaims({ ...view, _id: view.id } as unknown as AccountRecord) as Record<string, unknown>;
  const claims = Object.fromEntries(CLAIMS.filter((c) => released[c] !== undefined).map((c) => [c, released[c]]));
  return {
    id: view.id,
    email: view.email,
    email_verified: view.email_verified === true,
    disabled: view.disabled === true,
    has_password: view.noPassword !== true,
    created_at: new Date(view.createdAt).toISOString(),
    updated_at: new Date(view.updatedAt).toISOString(),
    ...(view.lastLoginAt ? { last_login_at: new Date(view.lastLoginAt).toISOString() } : {}),
    ...claims,
  };
}

export const idParams = z.object({ id: z.string().min(1).max(100).describe("The account's id (the `sub` apps without pairwise identifiers see)") });
const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

const listQuery = z.object({
  email: z.string().max(254).optional().describe('Exactly this e-mail address'),
  q: z.string().min(1).max(100).optional().describe('Part of the name or e-mail address, case-insensitive'),
  phone_number: z.string().regex(/^\+[1-9]\d{1,14}$/).optional().describe('Exactly this phone number (E.164)'),
  created_after: isoDate.optional(),
  created_before: isoDate.optional(),
  last_login_after: isoDate.optional().describe('Signed in at or after this time (to the hour)'),
  last_login_before: isoDate.optional().describe('Last signed in before this time (to the hour): inactive customers; never signed in ones are not included'),
  disabled: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  cursor: z.string().max(500).optional().describe('next_cursor of the page before; any other value is refused (400)'),
});
const userPage = z.object({ users: z.array(userSchema), next_cursor: z.string().optional().describe('Absent on the last page') });

const createBody = claimsSchema
  .extend({
    email: z.email().max(254),
    password: passwordSchema.optional().describe('Absent: an account without a password yet'),
    email_verified: z.boolean().optional(),
  })
  .strict();

const exportQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_EXPORT_PAGE).default(500),
  cursor: z.string().max(500).optional().describe('next_cursor of the page before; any other value is refused (400)'),
  password_hashes: z.enum(['true', 'false']).default('true').transform((v) => v === 'true').describe('false: rows without password_hash'),
});
export async function found(users: UserOperationsDeps['users'], id: string): Promise<UserView> {
  const view = await users.findById(id);
  if (!view) throw notFound('No such user');
  return view;
}

export function userOperations(deps: UserOperationsDeps): Operation[] {
  const { users } = deps;
  return [
    operation({
      method: 'get', path: '/users', operationId: 'listUsers', tag: 'users', scope: 'users:read',
      summary: 'Find customers: by e-mail, phone number, name, creation or last sign-in time, in creation order, a page at a time',
      query: listQuery, status: 200, response: userPage,
      async handle({ query }) {
        const page = await deps.userDirectory.search({
          ...(query.email !== undefined ? { email: query.email } : {}),
          ...(query.q !== undefined ? { q: query.q } : {}),
          ...(query.created_after ? { createdAfter: query.created_after } : {}),
          ...(query.created_before ? { createdBefore: query.created_before } : {}),
          ...(query.phone_number ? { phoneNumber: query.phone_number } : {}),
          ...(query.last_login_after ? { lastLoginAfter: query.last_login_after } : {}),
          ...(query.last_login_before ? { lastLoginBefore: query.last_login_before } : {}),
          ...(query.disabled ? { disabled: query.disabled === 'true' } : {}),
          ...(query.cursor ? { cursor: query.cursor } : {}),
          limit: query.limit,
        });
        return { users: page.users.map(userOut), ...(page.next ? { next_cursor: page.next } : {}) };
      },
    }),
    operation({
      method: 'post', path: '/users/import', operationId: 'importUsers', tag: 'users', scope: 'users:write',
      summary: 'Import customers from another system, with their password hashes (checked at first sign-in, then replaced by argon2id)',
      body: z.object({ users: z.array(z.unknown()).min(1).max(2000).describe(`Each as ${'`'}ciam users import${'`'} takes a line: ${Object.keys(importRowSchema.shape).join(', ')}`), dry_run: z.boolean().default(false) }).strict(),
      bodyLimit: '8mb',
      status: 200,
      response: z.object({ dry_run: z.boolean(), read: z.number().int(), imported: z.number().int(), rejected_count: z.number().int(), rejected: z.array(z.object({ line: z.number().int(), reason: z.string() })) }),
      async handle({ body }) {
        // Each row goes through the same line-by-line rules as the CLI's file (a rejected row is reported by its position).
        const report = await deps.userImport.run(body.users.map((row) => JSON.stringify(row)), { dryRun: body.dry_run });
        return { dry_run: report.dryRun, read: report.read, imported: report.imported, rejected_count: report.rejectedCount, rejected: report.rejected };
      },
    }),
    operation({
      method: 'get', path: '/users/export', operationId: 'exportUsers', tag: 'users', scope: 'users:export',
      summary: 'Every account with its password hash, in the form the import reads (ids kept), a page at a time; accounts waiting for their erasure are left out',
      query: exportQuery, status: 200,
      response: z.object({ users: z.array(exportRowSchema), next_cursor: z.string().optional().describe('Absent on the last page') }),
      async handle({ query }) {
        const page = await deps.userExport.page({ limit: query.limit, passwordHashes: query.password_hashes, ...(query.cursor ? { cursor: query.cursor } : {}) });
        return { users: page.rows, ...(page.next ? { next_cursor: page.next } : {}) };
      },
    }),
    operation({
      method: 'get', path: '/users/{id}', operationId: 'getUser', tag: 'users', scope: 'users:read',
      summary: 'Read a customer', params: idParams, status: 200, response: userSchema,
      handle: async ({ params }) => userOut(await found(users, params.id)),
    }),
    operation({
      method: 'post', path: '/users', operationId: 'createUser', tag: 'users', scope: 'users:write',
      summary: 'Create a customer, with or without a password', body: createBody, status: 201, response: userSchema,
      async handle({ body }) {
        const { email_verified: emailVerified, ...rest } = body;
        return userOut(await users.create({ ...rest, ...(emailVerified !== undefined ? { emailVerified } : {}) }));
      },
    }),
    operation({
      method: 'patch', path: '/users/{id}', operationId: 'updateUser', tag: 'users', scope: 'users:write',
      summary: "Set a customer's standard claims (those given; an address becomes the primary one; none: no change)",
      params: idParams, body: claimsSchema.strict(), status: 200, response: userSchema,
      async handle({ params, body }) {
        await found(users, params.id);
        // An empty merge patch changes nothing (the CLI, by contrast, asks for at least one claim).
        if (Object.keys(body).length > 0) await users.addClaims(params.id, parseClaims(body));
        return userOut(await found(users, params.id));
      },
    }),
    operation({
      method: 'post', path: '/users/{id}/disable', operationId: 'disableUser', tag: 'users', scope: 'users:write',
      summary: 'Disable a customer: sessions end (apps told), tokens are revoked, sign-ins are refused',
      params: idParams, status: 200, response: z.object({ sessions: z.number().int(), tokens: z.number().int() }),
      handle: ({ params, actor }) => deps.accountStatus.disable(params.id, actor),
    }),
    operation({
      method: 'post', path: '/users/{id}/enable', operationId: 'enableUser', tag: 'users', scope: 'users:write',
      summary: 'Enable a disabled customer (not one waiting for its erasure)', params: idParams, status: 204,
      handle: ({ params, actor }) => deps.accountStatus.enable(params.id, actor),
    }),
    operation({
      method: 'delete', path: '/users/{id}/sessions', operationId: 'endUserSessions', tag: 'users', scope: 'users:write',
      summary: "End every session of a customer (apps signed in there are told); the customer's tokens stay",
      params: idParams, status: 200, response: z.object({ sessions: z.number().int() }),
      async handle({ params, actor }) {
        await found(users, params.id);
        return { sessions: await deps.signOut.sessionsEverywhere(params.id, 'api', { ...(actor.ip ? { ip: actor.ip } : {}), ...(actor.userAgent ? { userAgent: actor.userAgent } : {}) }) };
      },
    }),
  ];
}

