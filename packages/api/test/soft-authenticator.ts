// A passkey authenticator in software, for tests: an ES256 key from node:crypto, and the bytes a
// browser would send (client data, authenticator data, attestation 'none', signatures) built by
// hand after WebAuthn level 3 §6.1 and §6.5. What a real authenticator does right, it does; a
// test can make it do wrong things (another origin, a counter going back) on purpose.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest();

// CBOR (RFC 8949), the little of it COSE keys and attestation objects use --------------------------

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, value: number): Buffer {
  if (value < 24) return Buffer.from([(major << 5) | value]);
  if (value < 0x100) return Buffer.from([(major << 5) | 24, value]);
  if (value < 0x10000) return Buffer.from([(major << 5) | 25, value >> 8, value & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = (major << 5) | 26;
  out.writeUInt32BE(value, 1);
  return out;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, text.length), text]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  const parts = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

// Authenticator data flags (WebAuthn §6.1).
const USER_PRESENT = 0x01;
const USER_VERIFIED = 0x04;
const ATTESTED_CREDENTIAL = 0x40;

function counterBytes(counter: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(counter, 0);
  return out;
}

/** The options fields an authenticator reads, as the server's options JSON has them. */
interface CreationOptions {
  challenge: string;
  rp: { id?: string | undefined };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string | undefined;
}

export interface Faults {
  /** The page's origin the browser reports (default: the authenticator's). */
  origin?: string;
  /** The challenge signed, instead of the options'. */
  challenge?: string;
  /** The relying party id hashed into the authenticator data, instead of the options'. */
  rpId?: string;
  /** The signature counter to report, instead of the next one. */
  counter?: number;
  /** Report that the user was not verified (no PIN, no biometrics). */
  unverified?: boolean;
  /** The user handle to report, instead of the one given at registration. */
  userHandle?: string | null;
}

export class SoftAuthenticator {
  readonly credentialId = b64url(randomBytes(32));
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private userHandle: string | undefined;
  /** The signature counter; stays 0 when `counting` is off, as synced passkeys do. */
  counter = 0;

  constructor(
    readonly origin = 'http://localhost:3000',
    private readonly counting = true,
  ) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  /** The COSE_Key (RFC 9053) of the public key: EC2, ES256, P-256, x and y. */
  private coseKey(): Buffer {
    const jwk = this.publicKey.export({ format: 'jwk' });
    const x = Buffer.from(jwk.x ?? '', 'base64url');
    const y = Buffer.from(jwk.y ?? '', 'base64url');
    return cbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, x],
        [-3, y],
      ]),
    );
  }

  private clientData(type: string, challenge: string, faults: Faults): Buffer {
    const origin = faults.origin ?? this.origin;
    const json = { type, challenge: faults.challenge ?? challenge, origin, crossOrigin: false };
    return Buffer.from(JSON.stringify(json), 'utf8');
  }

  private flags(faults: Faults): number {
    return USER_PRESENT | (faults.unverified ? 0 : USER_VERIFIED);
  }

  private rpIdOf(rpId: string | undefined): string {
    return rpId ?? new URL(this.origin).hostname;
  }

  /** What `navigator.credentials.create()` would answer, as JSON. */
  register(options: CreationOptions, faults: Faults = {}) {
    this.userHandle = options.user.id;
    const rpIdHash = sha256(faults.rpId ?? this.rpIdOf(options.rp.id));
    const id = Buffer.from(this.credentialId, 'base64url');
    const idLength = Buffer.from([id.length >> 8, id.length & 0xff]);
    const authData = Buffer.concat([
      rpIdHash,
      Buffer.from([this.flags(faults) | ATTESTED_CREDENTIAL]),
      counterBytes(faults.counter ?? this.counter),
      Buffer.alloc(16), // AAGUID: none told
      idLength,
      id,
      this.coseKey(),
    ]);
    const attestationObject = cbor(
      new Map<Cbor, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(this.clientData('webauthn.create', options.challenge, faults)),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
    };
  }

  /** What `navigator.credentials.get()` would answer, as JSON: a signed assertion. */
  signIn(options: RequestOptions, faults: Faults = {}) {
    if (this.counting && faults.counter === undefined) this.counter += 1;
    const authData = Buffer.concat([
      sha256(faults.rpId ?? this.rpIdOf(options.rpId)),
      Buffer.from([this.flags(faults)]),
      counterBytes(faults.counter ?? this.counter),
    ]);
    const clientData = this.clientData('webauthn.get', options.challenge, faults);
    // ES256: ECDSA with SHA-256 over authenticatorData ‖ SHA-256(clientDataJSON), DER-encoded.
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(clientData)]),
      this.privateKey,
    );
    const userHandle = faults.userHandle === undefined ? this.userHandle : faults.userHandle;
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle ? { userHandle } : {}),
      },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
    };
  }
}
