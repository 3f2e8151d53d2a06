/**
 * Short-lived widget tokens: the host site's backend, which holds WIDGET_SECRET, signs
 * "this origin may ask on behalf of this user until exp"; the page carries only the token
 * (`data-token`), never the secret.
 *
 *   token   = base64url(payload) "." base64url(HMAC-SHA256(secret, base64url(payload)))
 *   payload = UTF-8 JSON { "v": 1, "o": origin, "u": user id, "exp": unix seconds }
 *
 * Runtime-agnostic (WebCrypto `crypto.subtle`, btoa/atob, TextEncoder): the Node server and the
 * Worker verify with the same code. No node:* imports.
 */

export interface WidgetTokenClaims {
  /** The page origin the token was minted for, e.g. "https://intranet.example". */
  origin: string;
  /** The host site's user id (opaque to this service). */
  user: string;
  /** Expiry, unix seconds. */
  exp: number;
}

export type WidgetTokenFailure = 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'wrong_origin';

export type WidgetTokenResult = { ok: true; claims: WidgetTokenClaims } | { ok: false; reason: WidgetTokenFailure };

/** Longest token accepted before any parsing. */
const MAX_TOKEN_CHARS = 2048;
const MAX_USER_CHARS = 256;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function toB64url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(s: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

let cachedKey: { secret: string; key: Promise<CryptoKey> } | null = null;

function hmacKey(secret: string): Promise<CryptoKey> {
  if (cachedKey?.secret !== secret) {
    cachedKey = { secret, key: crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']) };
  }
  return cachedKey.key;
}

/** "https://Intranet.Example:443/" → "https://intranet.example"; throws on anything but an http(s) origin. */
export function canonicalOrigin(origin: string): string {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    throw new Error(`not an origin: ${origin}`);
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || u.pathname !== '/' || u.search || u.hash) {
    throw new Error(`not an origin (scheme://host[:port], no path): ${origin}`);
  }
  return u.origin;
}

export interface MintOptions {
  origin: string;
  user: string;
  /** Lifetime in seconds (default 600). */
  ttlSeconds?: number;
  /** Current time, ms (for tests). */
  now?: number;
}

export async function mintWidgetToken(secret: string, o: MintOptions): Promise<string> {
  if (!secret) throw new Error('a secret is required');
  const ttl = o.ttlSeconds ?? 600;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('ttl must be a positive whole number of seconds');
  if (typeof o.user !== 'string' || !o.user || o.user.length > MAX_USER_CHARS) throw new Error(`user must be 1..${MAX_USER_CHARS} characters`);
  const exp = Math.floor((o.now ?? Date.now()) / 1000) + ttl;
  const payload = toB64url(enc.encode(JSON.stringify({ v: 1, o: canonicalOrigin(o.origin), u: o.user, exp })));
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), enc.encode(payload)));
  return `${payload}.${toB64url(sig)}`;
}

export interface VerifyOptions {
  /** The request's Origin header; when present it must equal the token's origin. */
  origin?: string | null;
  /** Current time, ms (for tests). */
  now?: number;
}

export async function verifyWidgetToken(secret: string, token: string | null | undefined, o: VerifyOptions = {}): Promise<WidgetTokenResult> {
  if (!token) return { ok: false, reason: 'missing' };
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0]) return { ok: false, reason: 'malformed' };
  const sig = fromB64url(parts[1]);
  if (!sig || sig.length !== 32) return { ok: false, reason: 'malformed' };
  // Constant-time comparison inside WebCrypto; the payload is only parsed once it is authentic.
  const authentic = await crypto.subtle.verify('HMAC', await hmacKey(secret), sig, enc.encode(parts[0]));
  if (!authentic) return { ok: false, reason: 'bad_signature' };
  const bytes = fromB64url(parts[0]);
  let p: unknown;
  try {
    p = bytes ? JSON.parse(dec.decode(bytes)) : null;
  } catch {
    p = null;
  }
  const c = p as { v?: unknown; o?: unknown; u?: unknown; exp?: unknown } | null;
  if (!c || typeof c !== 'object' || c.v !== 1 || typeof c.o !== 'string' || typeof c.u !== 'string' || typeof c.exp !== 'number' || !Number.isInteger(c.exp)) {
    return { ok: false, reason: 'malformed' };
  }
  if (Math.floor((o.now ?? Date.now()) / 1000) >= c.exp) return { ok: false, reason: 'expired' };
  if (o.origin && o.origin !== c.o) return { ok: false, reason: 'wrong_origin' };
  return { ok: true, claims: { origin: c.o, user: c.u, exp: c.exp } };
}

/** `Authorization: Bearer <token>` → the token, or null. */
export function bearerToken(header: string | null | undefined): string | null {
  const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header ?? '');
  return m ? m[1] : null;
}
