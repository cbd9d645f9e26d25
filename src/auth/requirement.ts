// How strong a sign-in must be for one authorization request, and whether the session already is. Pure functions:
// the provider's `mfa` prompt (existing sessions) and the password step (a sign-in in progress) ask the same
// questions here, so a customer is asked for exactly the step that is missing, wherever the request comes from.
//
// The level needed is the highest of:
// - what the request asks for: `acr_values` (the lowest level among the values this provider knows — any of them
//   satisfies the request) or an essential `acr` in the `claims` parameter;
// - the client's MFA policy (`mfa_policy`, else the operator's MFA_POLICY): `required` needs the MFA level;
//   `adaptive` needs it only when the risk engine says so, which is decided at sign-in (see interaction/mfa.ts);
// - nothing for `off`.
// A session at a higher level satisfies a lower one. A session whose second factor is not one the client accepts
// (`mfa_factors`) must add one it does.
import type { MfaPolicy } from '../config/index.ts';
import { ACR, acrLevel, EMAIL_CODE_AMR, FACTOR_AMR, FACTOR_TYPES, type Acr, type FactorType } from './types.ts';

export const LEVEL = { password: 1, mfa: 2, phishingResistant: 3 } as const;

/** Client registration metadata for MFA (validated in oidc/provider.ts). */
export interface MfaClientMetadata {
  mfa_policy?: MfaPolicy;
  mfa_factors?: FactorType[];
}

export interface MfaSettings {
  policy: MfaPolicy;
  /** Second factors this client accepts: the client's list within the operator's. */
  factors: FactorType[];
  /**
   * A multi-factor sign-in another provider asserted (a connection trusted for it) counts: only for clients that take
   * the operator's factors as they are, not for one that named the factors it accepts.
   */
  upstream: boolean;
}

export function mfaSettings(client: MfaClientMetadata | undefined, operator: { policy: MfaPolicy; factors: readonly FactorType[] }): MfaSettings {
  const wanted = client?.mfa_factors?.length ? client.mfa_factors : operator.factors;
  return {
    policy: client?.mfa_policy ?? operator.policy,
    factors: FACTOR_TYPES.filter((f) => operator.factors.includes(f) && wanted.includes(f)),
    upstream: !client?.mfa_factors?.length,
  };
}

interface AcrClaimRequest {
  essential?: boolean;
  value?: string;
  values?: string[];
}

/** The level an authorization request asks for: 0 when it names no acr this provider knows. */
export function requestedLevel(params: { acr_values?: unknown }, claims?: { id_token?: { acr?: AcrClaimRequest | null } }): number {
  const requested: string[] = [];
  if (typeof params.acr_values === 'string') requested.push(...params.acr_values.split(' ').filter(Boolean));
  const claim = claims?.id_token?.acr;
  if (claim?.essential) {
    if (typeof claim.value === 'string') requested.push(claim.value);
    if (Array.isArray(claim.values)) requested.push(...claim.values.filter((v): v is string => typeof v === 'string'));
  }
  const levels = requested.map(acrLevel).filter((l) => l > 0);
  return levels.length ? Math.min(...levels) : 0;
}

/** Level a client's policy alone demands of every sign-in (adaptive: decided per sign-in by the risk engine). */
export function policyLevel(settings: MfaSettings): number {
  return settings.policy === 'required' ? LEVEL.mfa : LEVEL.password;
}

export const PASSKEY_AMR = ['hwk', 'swk'] as const;

/**
 * Factor types whose use shows in this amr (RFC 8176 cannot tell TOTP, e-mail and recovery codes apart: all 'otp').
 * A sign-in with a mailed code proved the mailbox the e-mail factor would prove again: it counts as that factor.
 */
export function factorsInAmr(amr: readonly string[] | undefined): FactorType[] {
  const used = new Set(amr ?? []);
  const shown = (f: FactorType) => (f === 'passkey' ? PASSKEY_AMR.some((m) => used.has(m)) : used.has(FACTOR_AMR[f]) || (f === 'email' && used.has(EMAIL_CODE_AMR)));
  return FACTOR_TYPES.filter(shown);
}

/**
 * What a session still lacks for this request: undefined when it is enough, else the level to reach. A session
 * that reached MFA with a factor the client does not accept counts as a password-only one.
 */
export function missingLevel(
  session: { acr?: string; amr?: readonly string[] },
  needed: number,
  settings: MfaSettings,
): number | undefined {
  if (needed <= LEVEL.password) return undefined;
  const have = acrLevel(session.acr);
  if (have < needed) return needed;
  const viaUpstream = settings.upstream && needed <= LEVEL.mfa && (session.amr ?? []).includes('fed') && (session.amr ?? []).includes('mfa');
  const acceptable = viaUpstream || factorsInAmr(session.amr).some((f) => settings.factors.includes(f));
  return acceptable ? undefined : needed;
}

/** The acr and amr of a completed sign-in, from the methods used (in order, e.g. ['pwd', 'otp'], ['email'] for a mailed code). */
export function outcome(methods: readonly string[]): { acr: Acr; amr: string[] } {
  const amr = [...new Set(methods)];
  const passkey = PASSKEY_AMR.some((m) => amr.includes(m));
  const factors = amr.filter((m) => m !== 'mfa' && m !== 'user').length;
  // A user-verified passkey is two factors in one (the device, and the PIN or biometric that unlocks it).
  // 'mfa' given by the caller: another provider asserted a multi-factor sign-in (a connection trusted for it).
  const multi = amr.includes('mfa') || (passkey ? amr.includes('user') || factors > 1 : factors > 1);
  if (multi && !amr.includes('mfa')) amr.push('mfa');
  const acr = passkey && multi ? ACR.phishingResistant : multi ? ACR.mfa : amr.includes(EMAIL_CODE_AMR) ? ACR.emailCode : ACR.password;
  return { acr, amr };
}

/** Factor types able to reach a level: the phishing-resistant one only with a passkey. */
export function factorsFor(level: number, settings: MfaSettings): FactorType[] {
  return level >= LEVEL.phishingResistant ? settings.factors.filter((f) => f === 'passkey') : settings.factors;
}
