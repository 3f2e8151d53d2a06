/**
 * A fixed-window per-client rate limit kept in memory (one process). The Worker uses the
 * platform's rate-limit binding instead when it is configured.
 */
export interface RateLimiter {
  /** Returns seconds to wait, or 0 when the request may go ahead. */
  take(client: string, now?: number): number;
}

export function fixedWindowLimiter(perMinute: number): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(client: string, now = Date.now()): number {
      const w = windows.get(client);
      if (!w || now - w.start >= 60_000) {
        windows.set(client, { start: now, count: 1 });
        if (windows.size > 10_000) {
          for (const [k, v] of windows) if (now - v.start >= 60_000) windows.delete(k);
        }
        return 0;
      }
      if (w.count < perMinute) {
        w.count++;
        return 0;
      }
      return Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
    },
  };
}
