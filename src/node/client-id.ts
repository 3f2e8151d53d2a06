/**
 * Who is asking, for the per-client rate limit: the TCP peer address from @hono/node-server.
 * X-Forwarded-For is a request header anyone can write, so it is only read when the operator
 * says how many reverse proxies stand in front (TRUST_PROXY=n). Each proxy appends the address
 * it saw, so the client is the n-th entry from the right; entries further left are the client's
 * own claims and are ignored.
 */
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

export function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address ?? undefined;
  } catch {
    return undefined; // not served by @hono/node-server (e.g. app.request() in tests)
  }
}

export function nodeClientId(trustProxy = 0): (c: Context) => string {
  return (c) => {
    if (trustProxy > 0) {
      const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (hops.length) return hops[Math.max(0, hops.length - trustProxy)];
    }
    return socketAddress(c) ?? 'unknown';
  };
}
