import { readdirSync, readFileSync } from 'node:fs';
import { createNodeRuntime, type NodeRuntime, type NodeRuntimeOptions } from '../src/node/runtime';

export const SEEDS_DIR = new URL('../seeds/', import.meta.url).pathname;
export const INDEX_DIR = new URL('../index/', import.meta.url).pathname;

export function seedTexts(): Array<{ docId: string; text: string }> {
  return readdirSync(SEEDS_DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => ({ docId: f.replace(/\.txt$/, ''), text: readFileSync(SEEDS_DIR + f, 'utf8').replace(/^\ufeff/, '') }));
}

let shared: Promise<NodeRuntime> | undefined;

/** The runtime over the committed index (never rebuilt here: a stale index fails its own test). */
export function runtime(): Promise<NodeRuntime> {
  shared ??= createNodeRuntime({ indexDir: INDEX_DIR, seedsDir: SEEDS_DIR, rebuild: false });
  return shared;
}

export function freshRuntime(opts: NodeRuntimeOptions): Promise<NodeRuntime> {
  return createNodeRuntime({ indexDir: INDEX_DIR, seedsDir: SEEDS_DIR, rebuild: false, ...opts });
}

export function readJsonl<T>(path: string): T[] {
  return readFileSync(new URL(path, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

export async function postJson(app: { request: (url: string, init?: RequestInit) => Response | Promise<Response> }, path: string, body: unknown, headers: Record<string, string> = {}) {
  return app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
