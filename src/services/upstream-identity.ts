import type { IdentityConnection } from './connections.ts';

/** Who the upstream says signed in. */
export interface UpstreamIdentity {
  connection: IdentityConnection;
  subject: string;
  email?: string;
  /** The upstream asserted email_verified and the connection is trusted for it. */
  emailVerified: boolean;
  /**
   * The upstream says the customer signed in there with more than one factor (its amr or acr, as the connection is
   * told to read them: IdentityConnection.upstreamMfa); the sign-in here then needs no second factor of ours.
   */
  secondFactor?: boolean;
  profile: { name?: string; given_name?: string; family_name?: string; picture?: string };
}
