import type { IdentityConnection } from './connections.ts';

/** Who the upstream says signed in. */
export interface UpstreamIdentity {
  connection: IdentityConnection;
  subject: string;
  email?: string;
  /** The upstream asserted email_verified and the connection is trusted for it. */
  emailVerified: boolean;
  profile: { name?: string; given_name?: string; family_name?: string; picture?: string };
}
