// Client secrets are encrypted at rest: a copy of the database must not let anyone authenticate as a client.
import type { AdapterPayload } from 'oidc-provider';
import { isEncrypted, type Cipher } from '../src/services/crypto.ts';

export function sealClientSecret(cipher: Cipher, payload: AdapterPayload): AdapterPayload {
  const secret = payload.client_secret;
  if (typeof secret !== 'string' || isEncrypted(secret)) return payload;
  return { ...payload, client_secret: cipher.encrypt(secret) };
}

export function openClientSecret(cipher: Cipher, payload: AdapterPayload, clientId: string): AdapterPayload {
  const secret = payload.client_secret;
  // Rows written before secrets were encrypted still hold plaintext: serve them as they are.
  if (!isEncrypted(secret)) return payload;
  try {
    return { ...payload, client_secret: cipher.decrypt(secret) };
  } catch {
    throw new Error(`client ${clientId}: stored client_secret cannot be decrypted (was DATA_ENCRYPTION_KEY changed?)`);
  }
}
