// What a passkey ceremony accepts from a browser or a form: a plausible response object, bounded in size, and the
// name a customer gives a passkey. Pure input checks; the ceremonies themselves are auth/passkeys.ts.

export const DEFAULT_PASSKEY_NAME = 'Passkey';
export const MAX_PASSKEY_NAME = 64;

// Real responses are a few kilobytes (an attestation with a certificate chain is the largest); anything bigger is junk.
const MAX_RESPONSE_CHARS = 64 * 1024;
// Credential ids are at most 1023 bytes (WebAuthn L3), 1364 characters in base64url.
const MAX_CREDENTIAL_ID = 1364;

export const isBase64Url = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && /^[A-Za-z0-9_-]+$/.test(v);

/** Trimmed, control characters and runs of spaces collapsed, at most MAX_PASSKEY_NAME characters; '' when nothing is left. */
export function cleanPasskeyName(name: unknown): string {
  if (typeof name !== 'string') return '';
  return [...name.replace(/[\p{Cc}\p{Cf}\s]+/gu, ' ').trim()].slice(0, MAX_PASSKEY_NAME).join('').trim();
}

/** A ceremony's answer from a form (JSON text) or a caller (object): a plain object with a plausible id, or undefined. */
export function parseResponse(input: unknown): Record<string, unknown> | undefined {
  let value = input;
  if (typeof value === 'string') {
    if (value.length === 0 || value.length > MAX_RESPONSE_CHARS) return undefined;
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  } else if (value !== null && typeof value === 'object') {
    try {
      if (JSON.stringify(value).length > MAX_RESPONSE_CHARS) return undefined;
    } catch {
      return undefined;
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  if (!isBase64Url(r.id, MAX_CREDENTIAL_ID) || r.rawId !== r.id || r.type !== 'public-key') return undefined;
  if (r.response === null || typeof r.response !== 'object' || Array.isArray(r.response)) return undefined;
  return r;
}
