// Generation and sealing of signing key pairs. The private JWK never reaches the database unencrypted.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { StoredKey } from '../db/models/signing-key.ts';
import type { Cipher } from './crypto.ts';

export const SIGNING_ALGS = ['ES256', 'RS256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export type NewKey = Pick<StoredKey, 'kid' | 'publicJwk' | 'privateJwk'>;

export async function generateSigningKey(alg: SigningAlg, cipher: Cipher): Promise<NewKey> {
  // extractable: the private key has to leave WebCrypto once, as a JWK, to be stored (sealed) and shared by every process.
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' && { modulusLength: 2048 }) });
  const pub = await exportJWK(publicKey);
  // RFC 7638 thumbprint: a kid that is unique per key and stable across processes.
  const kid = await calculateJwkThumbprint(pub);
  const meta = { kid, alg, use: 'sig' };
  const priv = { ...(await exportJWK(privateKey)), ...meta };
  return { kid, publicJwk: { ...pub, ...meta }, privateJwk: cipher.encrypt(JSON.stringify(priv)) };
}

export function unsealPrivateJwk(key: Pick<StoredKey, 'privateJwk'>, cipher: Cipher): JWK {
  return JSON.parse(cipher.decrypt(key.privateJwk)) as JWK;
}
