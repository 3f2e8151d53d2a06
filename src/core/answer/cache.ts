/**
 * A bounded cache of answers for an answerer whose answers are deterministic (the extractive
 * one): the same question on the same index gives the same response, so officials asking the
 * same thing again get it without recomputation. Keyed per engine (a swapped-in index starts
 * empty) by question, topK and history. Streaming replays the cached answer through the hooks.
 */
import type { Engine } from '../engine';
import type { Answerer, AskResponse } from './types';

export function cachingAnswerer(inner: Answerer, maxEntries = 2000): Answerer {
  const perEngine = new WeakMap<Engine, Map<string, AskResponse>>();
  return {
    id: `${inner.id}+cache`,
    async ask(engine, req, stream, signal) {
      let cache = perEngine.get(engine);
      if (!cache) {
        cache = new Map();
        perEngine.set(engine, cache);
      }
      const key = JSON.stringify([req.question, req.topK, req.history]);
      const hit = cache.get(key);
      if (hit) {
        // Refresh recency: Map iteration order is insertion order, so re-insert.
        cache.delete(key);
        cache.set(key, hit);
        if (stream) {
          stream.onCitations?.(hit.citations);
          if (stream.onDelta) for (const piece of hit.answer.match(/[^，,。；;]+[，,。；;]?/g) ?? [hit.answer]) stream.onDelta(piece);
        }
        return hit;
      }
      const res = await inner.ask(engine, req, stream, signal);
      // Frozen, so a caller that tried to change a shared cached answer would fail loudly
      // instead of corrupting later answers; no copies on the hot path.
      cache.set(key, deepFreeze(res));
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
      return res;
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
