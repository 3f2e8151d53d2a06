/**
 * `npm run token`: mints a short-lived widget token with WIDGET_SECRET from the environment
 * (never from a flag, so the secret stays out of shell history and `ps`).
 *
 *   WIDGET_SECRET=… npm run -s token -- --origin https://intranet.example --user alice [--ttl 600]
 *
 * Prints only the token on stdout (for `$(…)`); what it is valid for goes to stderr.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { canonicalOrigin, mintWidgetToken } from '../../http/widget-token';
import { readEnv } from '../config';

export const MAX_TTL_SECONDS = 24 * 60 * 60;

const USAGE = 'usage: npm run -s token -- --origin https://intranet.example --user alice [--ttl 600]   (WIDGET_SECRET in the environment)';

export interface MintedToken {
  token: string;
  origin: string;
  user: string;
  expires: Date;
}

/** Parses the arguments and mints; throws Error with a one-line reason on bad input. */
export async function tokenFromArgs(args: string[], env: Record<string, string | undefined> = process.env, now = Date.now()): Promise<MintedToken> {
  const { values } = parseArgs({
    args,
    options: {
      origin: { type: 'string' },
      user: { type: 'string' },
      ttl: { type: 'string', default: '600' },
    },
    strict: true,
    allowPositionals: false,
  });
  const secret = readEnv(env).WIDGET_SECRET;
  if (!secret) throw new Error('WIDGET_SECRET is not set (at least 32 characters; e.g. `openssl rand -base64 36`)');
  if (!values.origin) throw new Error('--origin is required: the page origin that embeds the widget, e.g. https://intranet.example');
  if (!values.user) throw new Error('--user is required: the signed-in user id on the host site');
  const origin = canonicalOrigin(values.origin);
  const ttl = Number(values.ttl);
  if (!/^\d+$/.test(values.ttl!) || ttl < 1 || ttl > MAX_TTL_SECONDS) throw new Error(`--ttl must be 1..${MAX_TTL_SECONDS} seconds`);
  const token = await mintWidgetToken(secret, { origin, user: values.user, ttlSeconds: ttl, now });
  return { token, origin, user: values.user, expires: new Date((Math.floor(now / 1000) + ttl) * 1000) };
}

async function main(): Promise<void> {
  try {
    const t = await tokenFromArgs(process.argv.slice(2));
    process.stdout.write(`${t.token}\n`);
    process.stderr.write(`widget token for ${t.origin}, user ${JSON.stringify(t.user)}, expires ${t.expires.toISOString()}\n`);
  } catch (e) {
    process.stderr.write(`token: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exitCode = 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
