/**
 * Picks up an index committed by another process (`npm run docs -- add …` next to a running
 * server): polls index/manifest.json and swaps the new engine in. No restart; requests in flight
 * finish on the engine they started with.
 */
import type { NodeRuntime } from '../runtime';

export function watchIndex(runtime: Pick<NodeRuntime, 'reload' | 'manifest'>, intervalMs: number, log: (msg: string) => void = () => {}): () => void {
  if (intervalMs <= 0) return () => {};
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    runtime
      .reload()
      .then((swapped) => {
        if (swapped) log(`index reloaded: ${runtime.manifest().counts.documents} documents, ${runtime.manifest().counts.chunks} chunks (${runtime.manifest().data})`);
      })
      // A build being committed can be caught half-pruned: the next tick retries.
      .catch((err) => log(`index reload failed, will retry: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
