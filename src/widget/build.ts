/**
 * Bundles the widget into one self-contained IIFE (minified, es2019, ASCII-only output so it
 * decodes correctly even on GBK host pages or without a charset header).
 *
 *   tsx src/widget/build.ts      → writes dist/widget.js, prints raw and gzipped size
 */

import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

/** Gzip budget from the issue: 25 KB. */
export const WIDGET_GZIP_BUDGET = 25 * 1024;

export async function buildWidget(): Promise<string> {
  const out = await build({
    entryPoints: [resolve(here, 'widget.ts')],
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'es2019',
    platform: 'browser',
    charset: 'ascii',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

export function widgetSizes(js: string): { raw: number; gzip: number } {
  const buf = Buffer.from(js, 'utf8');
  return { raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
}

async function main(): Promise<void> {
  const js = await buildWidget();
  const file = resolve(here, '../../dist/widget.js');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, js);
  const { raw, gzip } = widgetSizes(js);
  console.log(`dist/widget.js: ${raw} bytes raw, ${gzip} bytes gzipped (budget ${WIDGET_GZIP_BUDGET})`);
  if (gzip > WIDGET_GZIP_BUDGET) {
    console.error('widget.js is over its gzip budget');
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
