// What a management client may be allowed to do: one scope per kind of resource and access, so that each
// integration (a CRM, a support tool, a data platform) gets only what it needs. Minted with `ciam api-clients create`.
export const MANAGEMENT_SCOPES = {
  'users:read': 'Find and read customers',
  'users:write': 'Create and change customers, end their sessions, disable and enable them, reset their second factors, mail them a password reset',
  'users:delete': 'Erase customers (after the grace period, or at once) and cancel a scheduled erasure',
  'users:export': 'Export every account with its password hash (migration to another system)',
  'clients:read': 'Read the registered apps (never their secrets)',
  'clients:write': 'Register, change and delete apps, and rotate their secrets',
  'audit:read': 'Read the audit log (erased customers stay pseudonymous)',
  'keys:read': 'List the signing keys (never their private parts)',
  'keys:write': 'Rotate the signing keys',
  'connections:read': 'Read the connections (other providers to sign in with; never their secrets)',
  'connections:write': 'Create, replace and delete connections',
  'events:read': 'Read the webhook endpoints and their deliveries',
  'events:write': 'Register and delete webhook endpoints, replay deliveries',
} as const;

export type ManagementScope = keyof typeof MANAGEMENT_SCOPES;

export const isManagementScope = (scope: string): scope is ManagementScope => Object.hasOwn(MANAGEMENT_SCOPES, scope);
