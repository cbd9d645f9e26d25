import type { IdentityConnection } from './connections.ts';
import type { UpstreamTokens } from './identities.ts';
import type { ProfileField } from './profile-input.ts';

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
  /** The provider's tokens, only from a connection that keeps them (IdentityConnection.keepTokens). */
  tokens?: UpstreamTokens;
  /** Profile claims for a new account, each checked as the profile page checks it (profile-input.ts). */
  profile: Partial<Record<ProfileField, string>>;
}
