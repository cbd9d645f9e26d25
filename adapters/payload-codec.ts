// What a row's payload looks like at rest. Nothing in it may work as a credential: the id of a hashed model is
// dropped (it is the presented value, given back on read), client secrets and the session id an interaction refers to
// are encrypted. (How the payload then lies in the database: wire.ts.)
import type { AdapterPayload } from 'oidc-provider';
import { isEncrypted, type Cipher } from '../src/services/crypto.ts';
import { openClientSecret, sealClientSecret } from './client-secret.ts';
import { HASHED } from './models.ts';

export interface PayloadCodec {
  toStored(model: string, payload: AdapterPayload): AdapterPayload;
  /** `id` is the value the row was looked up by: the id oidc-provider knows it under. */
  fromStored(model: string, stored: AdapterPayload, id: string): AdapterPayload;
  seal(value: string): string;
  open(value: unknown): string | undefined;
}

/**
 * An interaction names two credentials of other models: the session it belongs to (`session.cookie`, the session id)
 * and the pushed request it came from (`parJti`). `map` seals or opens each; one that cannot be opened is dropped.
 */
function mapInteractionCredentials(payload: AdapterPayload, map: (value: string) => string | undefined): AdapterPayload {
  const out: AdapterPayload = { ...payload };
  if (typeof out.parJti === 'string') {
    const parJti = map(out.parJti);
    if (parJti) out.parJti = parJti;
    else delete out.parJti;
  }
  const session = out.session as { cookie?: unknown } | undefined;
  if (session && typeof session.cookie === 'string') {
    const { cookie, ...rest } = session;
    const mapped = map(cookie);
    out.session = mapped ? { ...rest, cookie: mapped } : rest;
  }
  return out;
}

export function createPayloadCodec(cipher: Cipher): PayloadCodec {
  const open = (value: unknown) => {
    if (!isEncrypted(value)) return typeof value === 'string' ? value : undefined;
    try {
      return cipher.decrypt(value);
    } catch {
      return undefined;
    }
  };

  return {
    seal: (value) => cipher.encrypt(value),
    open,
    toStored(model, payload) {
      let out = payload;
      if (HASHED.has(model) && 'jti' in out) {
        const { jti: _dropped, ...rest } = out;
        out = rest;
      }
      if (model === 'Client') out = sealClientSecret(cipher, out);
      if (model === 'Interaction') out = mapInteractionCredentials(out, (v) => (isEncrypted(v) ? v : cipher.encrypt(v)));
      return out;
    },
    fromStored(model, stored, id) {
      let out = stored;
      if (HASHED.has(model)) out = { ...out, jti: id };
      if (model === 'Client') out = openClientSecret(cipher, out, id);
      if (model === 'Interaction') out = mapInteractionCredentials(out, open);
      return out;
    },
  };
}
