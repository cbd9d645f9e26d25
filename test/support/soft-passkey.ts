// A software passkey for tests that drive pages over plain HTTP (no browser): an ES256 key pair, attestation 'none',
// authenticator data and client data assembled byte by byte as a browser with a platform authenticator would (CBOR
// through @simplewebauthn's own encoder). create()/get() return what startRegistration()/startAuthentication() hand
// the page, so a test posts their JSON where passkey.js would.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

// Authenticator data flags (WebAuthn §6.1).
export const UP = 0x01;
export const UV = 0x04;
export const BE = 0x08;
export const BS = 0x10;
export const AT = 0x40;

export interface Ceremony {
  challenge: string;
  origin?: string;
  rpId?: string;
  flags?: number;
  type?: string;
}

/** One credential on a software authenticator: what a platform authenticator with a resident key does. */
export class SoftPasskey {
  readonly id = randomBytes(16);
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  counter = 0;
  readonly userHandle: string;
  readonly rpId: string;
  readonly origin: string;

  /** `origin`: the page's origin (the issuer's); the RP ID defaults to its host name. */
  constructor(accountId: string, origin: string, rpId = new URL(origin).hostname) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.userHandle = b64url(accountId);
    this.origin = origin;
    this.rpId = rpId;
  }

  get credentialId(): string {
    return b64url(this.id);
  }

  private coseKey(): Uint8Array {
    const jwk = this.publicKey.export({ format: 'jwk' });
    // kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x as string, 'base64url')],
        [-3, Buffer.from(jwk.y as string, 'base64url')],
      ]),
    );
  }

  private authData(rpId: string, flags: number, attested: boolean): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.counter);
    const parts = [sha256(rpId), Buffer.from([flags]), count];
    if (attested) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(this.id.length);
      parts.push(Buffer.alloc(16) /* aaguid: zeros, as with attestation 'none' */, len, this.id, Buffer.from(this.coseKey()));
    }
    return Buffer.concat(parts);
  }

  private clientData(type: string, c: Ceremony): Buffer {
    return Buffer.from(JSON.stringify({ type: c.type ?? type, challenge: c.challenge, origin: c.origin ?? this.origin, crossOrigin: false }));
  }

  /** What startRegistration() hands the page. */
  create(c: Ceremony) {
    const authData = this.authData(c.rpId ?? this.rpId, c.flags ?? UP | UV | AT, true);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(this.clientData('webauthn.create', c)),
        attestationObject: b64url(attestationObject),
        transports: ['internal', 'hybrid'],
      },
    };
  }

  /** What startAuthentication() hands the page; each use counts up unless `counter` says otherwise. */
  get(c: Ceremony & { counter?: number; userHandle?: string | null }) {
    this.counter = c.counter ?? this.counter + 1;
    const authData = this.authData(c.rpId ?? this.rpId, c.flags ?? UP | UV, false);
    const clientDataJSON = this.clientData('webauthn.get', c);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.privateKey);
    const userHandle = c.userHandle === undefined ? this.userHandle : c.userHandle;
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
    };
  }
}
