/**
 * The Worker's bundle, assembled in Node from the same files the build bundles (index/ in force,
 * src/core/data/*.txt) with jieba-wasm's Node build: runs src/worker/runtime.ts under Node for
 * fast tests with fake bindings, and for the CPU benchmark.
 */
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { PROMPT_FILES } from '../../src/core/answer/prompts';
import { FILES, type IndexManifest } from '../../src/core/index-format';
import type { JiebaWasmApi } from '../../src/worker/jieba-wasm';
import { loadBundle, type LoadedBundle, type WorkerBundle } from '../../src/worker/runtime';

const ROOT = new URL('../../', import.meta.url);

export function jiebaWasmNode(): JiebaWasmApi {
  return createRequire(import.meta.url)('jieba-wasm') as JiebaWasmApi;
}

export function nodeWorkerBundle(indexDir = new URL('index/', ROOT)): WorkerBundle {
  const manifestBytes = readFileSync(new URL('manifest.json', indexDir));
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as IndexManifest;
  const files = Object.fromEntries(Object.values(FILES).map((name) => [name, new Uint8Array(readFileSync(new URL(`${manifest.data}/${name}`, indexDir)))]));
  const dataDir = new URL('src/core/data/', ROOT);
  const dataFiles = Object.fromEntries(readdirSync(dataDir).filter((f) => f.endsWith('.txt')).map((f) => [f, readFileSync(new URL(f, dataDir), 'utf8')]));
  const prompts = Object.fromEntries(Object.entries(PROMPT_FILES).map(([name, file]) => [name, readFileSync(new URL(`prompts/${file}`, ROOT), 'utf8')]));
  return { manifest: new Uint8Array(manifestBytes), files, dataFiles, prompts, widgetScript: '/* widget */', jieba: jiebaWasmNode() };
}

let shared: Promise<LoadedBundle> | undefined;
export function loadedNodeBundle(): Promise<LoadedBundle> {
  shared ??= loadBundle(nodeWorkerBundle());
  return shared;
}

/** The bundle exactly as a Worker build wrote it (src/worker/build.ts output directory). */
export function bundleFromBuildDir(dir: string): WorkerBundle {
  const bin = (name: string) => new Uint8Array(readFileSync(`${dir}/${name}`));
  return {
    manifest: bin('index/manifest.json.bin'),
    files: Object.fromEntries(Object.values(FILES).map((name) => [name, bin(`index/${name}.bin`)])),
    dataFiles: JSON.parse(readFileSync(`${dir}/core-data.json.bin`, 'utf8')) as Record<string, string>,
    prompts: JSON.parse(readFileSync(`${dir}/prompts.json.bin`, 'utf8')) as Record<string, string>,
    widgetScript: readFileSync(`${dir}/widget.js.txt`, 'utf8'),
    jieba: jiebaWasmNode(),
  };
}
