/**
 * The library: documents added at run time (npm run docs / the admin API), kept next to seeds/
 * as the source of truth that a restart or a full rebuild reads again. Layout:
 *
 *   library/<docId>/meta.json       title, format, hashes, when added (see LibraryMeta)
 *   library/<docId>/text.txt        the extracted text, UTF-8: the document's original text from
 *                                   now on — every citation is an exact slice of it
 *   library/<docId>/original.<ext>  the uploaded bytes (extension from the detected format)
 *
 * Paths are only ever built from docIds this module generated and validated (a slug plus a
 * content hash); an upload's file name is kept as display metadata and never touches the disk.
 *
 * Changes are journalled so that the index manifest stays the single commit point:
 *   .pending-<docId>/   an addition staged before the index is rebuilt
 *   .removing-<docId>/  a removal staged before the index is rebuilt
 * `reconcileLibrary` settles both against the manifest in force: an addition the manifest
 * holds is finalized, one it does not hold is dropped; a removal the manifest still holds is
 * restored. So a build killed at any point leaves library and index in agreement.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SourceDocument } from '../../core/corpus';
import type { IndexManifest } from '../../core/index-format';

export interface LibraryMeta {
  docId: string;
  title: string | null;
  /** txt | md | html | docx | pdf */
  format: string;
  encoding?: string;
  pages?: number;
  city?: string;
  date?: string;
  source?: string;
  /** As uploaded; display only, never used as a path. */
  originalName: string | null;
  /** SHA-256 of the uploaded bytes. */
  originalSha256: string;
  /** SHA-256 of text.txt's text (what the index manifest records as the document's sha256). */
  sha256: string;
  chars: number;
  /** ISO time with milliseconds; also tells two versions of one docId apart in the journal. */
  addedAt: string;
}

export interface LibraryEntry {
  meta: LibraryMeta;
  text: string;
}

/** A docId of an added document: a lowercase ASCII slug and 12 hex digits of the text's hash. */
export const LIBRARY_DOC_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{12}$/;

const META = 'meta.json';
const TEXT = 'text.txt';
const PENDING = '.pending-';
const REMOVING = '.removing-';

export function isLibraryDocId(docId: string): boolean {
  return docId.length <= 80 && LIBRARY_DOC_ID.test(docId);
}

/** `<slug>-<hash12>`: the slug comes from a hint (file name or title), ASCII letters and digits only. */
export function makeDocId(hint: string | null | undefined, textSha256: string, fallback: string): string {
  const slugOf = (s: string) =>
    s
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/g, '');
  const slug = slugOf(hint ?? '') || slugOf(fallback) || 'doc';
  return `${slug}-${textSha256.slice(0, 12)}`;
}

function entryDir(libraryDir: string, docId: string, prefix = ''): string {
  if (!isLibraryDocId(docId)) throw new Error(`not a library docId: ${JSON.stringify(docId)}`);
  return join(libraryDir, `${prefix}${docId}`);
}

function readEntry(dir: string): LibraryEntry | null {
  try {
    const meta = JSON.parse(readFileSync(join(dir, META), 'utf8')) as LibraryMeta;
    const text = readFileSync(join(dir, TEXT), 'utf8');
    return { meta, text };
  } catch {
    return null;
  }
}

/** Every committed library document, by docId. */
export function readLibrary(libraryDir: string): LibraryEntry[] {
  if (!existsSync(libraryDir)) return [];
  const out: LibraryEntry[] = [];
  for (const e of readdirSync(libraryDir, { withFileTypes: true })) {
    if (!e.isDirectory() || !isLibraryDocId(e.name)) continue;
    const entry = readEntry(join(libraryDir, e.name));
    if (entry && entry.meta.docId === e.name) out.push(entry);
  }
  return out.sort((a, b) => (a.meta.docId < b.meta.docId ? -1 : a.meta.docId > b.meta.docId ? 1 : 0));
}

export function toSource(entry: LibraryEntry): SourceDocument {
  const m = entry.meta;
  return {
    docId: m.docId,
    text: entry.text,
    title: m.title ?? undefined,
    city: m.city,
    date: m.date,
    source: m.source,
    format: m.format,
    origin: 'library',
    originalSha256: m.originalSha256,
    addedAt: m.addedAt,
  };
}

/** The library as index sources. */
export function loadLibrarySources(libraryDir: string): SourceDocument[] {
  return readLibrary(libraryDir).map(toSource);
}

/** Writes an addition as `.pending-<docId>/` (files first, then one rename). */
export function stageAddition(libraryDir: string, entry: LibraryEntry, original: { bytes: Uint8Array; ext: string }): void {
  mkdirSync(libraryDir, { recursive: true });
  const target = entryDir(libraryDir, entry.meta.docId, PENDING);
  if (!/^[a-z0-9]{1,8}$/.test(original.ext)) throw new Error(`bad extension ${original.ext}`);
  const tmp = join(libraryDir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  try {
    writeFileSync(join(tmp, TEXT), entry.text, 'utf8');
    writeFileSync(join(tmp, `original.${original.ext}`), original.bytes);
    writeFileSync(join(tmp, META), `${JSON.stringify(entry.meta, null, 2)}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Moves a committed document aside as `.removing-<docId>/`. */
export function stageRemoval(libraryDir: string, docId: string): void {
  const from = entryDir(libraryDir, docId);
  const to = entryDir(libraryDir, docId, REMOVING);
  rmSync(to, { recursive: true, force: true });
  renameSync(from, to);
}

export interface ReconcileReport {
  finalized: string[];
  dropped: string[];
  restored: string[];
  removed: string[];
}

/**
 * Settles the journal against the manifest in force (null: no index). Run it while holding
 * the index write lock, before reading the library.
 */
export function reconcileLibrary(libraryDir: string, manifest: IndexManifest | null): ReconcileReport {
  const report: ReconcileReport = { finalized: [], dropped: [], restored: [], removed: [] };
  if (!existsSync(libraryDir)) return report;
  const inForce = new Map((manifest?.documents ?? []).filter((d) => d.origin === 'library').map((d) => [d.docId, d.addedAt ?? null]));
  const committed = (docId: string, dir: string) => {
    const meta = readEntry(dir)?.meta;
    return inForce.has(docId) && meta !== undefined && inForce.get(docId) === meta.addedAt;
  };
  const names = readdirSync(libraryDir);
  // Additions first: a replacement stages both `.removing-X` and `.pending-X` for one docId.
  for (const name of names.filter((n) => n.startsWith(PENDING))) {
    const docId = name.slice(PENDING.length);
    const dir = join(libraryDir, name);
    if (isLibraryDocId(docId) && committed(docId, dir)) {
      rmSync(join(libraryDir, docId), { recursive: true, force: true });
      renameSync(dir, join(libraryDir, docId));
      report.finalized.push(docId);
    } else {
      rmSync(dir, { recursive: true, force: true });
      report.dropped.push(docId);
    }
  }
  for (const name of names.filter((n) => n.startsWith(REMOVING))) {
    const docId = name.slice(REMOVING.length);
    const dir = join(libraryDir, name);
    if (isLibraryDocId(docId) && committed(docId, dir) && !existsSync(join(libraryDir, docId))) {
      renameSync(dir, join(libraryDir, docId));
      report.restored.push(docId);
    } else {
      rmSync(dir, { recursive: true, force: true });
      report.removed.push(docId);
    }
  }
  for (const name of names.filter((n) => n.startsWith('.tmp-'))) rmSync(join(libraryDir, name), { recursive: true, force: true });
  return report;
}
