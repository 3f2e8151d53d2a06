/**
 * Adding and removing documents while serving — shared by `npm run docs` and the admin API.
 *
 *   extract (src/node/extract)  →  stage in library/.pending-<docId>  →  incremental index update
 *   in index/.tmp-*  →  commit (manifest swap)  →  finalize the library entry  →  onCommit (the
 *   server loads the new engine and swaps it in; requests in flight finish on the old one)
 *
 * Writes are serialized by a mutex inside the process and the index write lock across
 * processes. The manifest swap is the single commit point: a failure or a kill before it leaves
 * the previous index in force and the library as it was (reconcileLibrary drops the staged
 * entry); after it, the staged entry is finalized.
 */
import type { AdminAddInput } from '../../http/admin';
import { createHash } from 'node:crypto';
import { AppError } from '../../core/errors';
import type { ExternalEmbedder } from '../../core/index-build';
import { fingerprintOf, sha256Hex, type IndexManifest } from '../../core/index-format';
import { normalizeQuery } from '../../core/normalize';
import type { Tokenizer } from '../../core/ports';
import { extractDocument, isExtractError, type ExtractLimits, type ExtractedDocument } from '../extract/index';
import { defaultGazetteer, indexState, loadSeedSources, readManifest, rebuildIndex } from '../index-store';
import { DEFAULT_DRIFT, updateIndex, type DriftSettings, type ProgressFn, type UpdateReport } from './incremental';
import { isLibraryDocId, loadLibrarySources, makeDocId, readLibrary, reconcileLibrary, stageAddition, stageRemoval, type LibraryMeta } from './library';
import { Mutex, withIndexLock } from './lock';

export interface DocsSettings {
  indexDir: string;
  seedsDir: string;
  libraryDir: string;
  limits: ExtractLimits;
  drift: DriftSettings;
  /** How long a writer waits for another process's write to finish (default 10 min). */
  lockWaitMs?: number;
}

export type Checkpoint = 'staged' | 'built' | 'committed';

export interface DocsHooks {
  embedder?: ExternalEmbedder | null;
  /** Called with the new manifest while the write lock is still held (the server swaps engines). */
  onCommit?: (manifest: IndexManifest) => Promise<void> | void;
  onProgress?: ProgressFn;
  /** Test hook: awaited at each named point of a write (the crash tests pause there). */
  checkpoint?: (point: Checkpoint) => Promise<void>;
}

/** One document to add: an uploaded file, or text given directly (the upload's file name is display
 * metadata and a hint for the format and the docId slug only, never a path). */
export type AddInput = AdminAddInput;

export interface AddedDocument {
  docId: string;
  title: string;
  chunks: number;
  format: string;
  chars: number;
  city: string;
  /** Library documents this one replaced (same content, `replace`). */
  replaced: string[];
}

export interface WriteResult {
  documents: AddedDocument[];
  removed: string[];
  update: UpdateReport;
}

export interface ListedDocument {
  docId: string;
  origin: 'seed' | 'library';
  format: string;
  chars: number;
  sha256: string;
  title?: string | null;
  originalName?: string | null;
  originalSha256?: string;
  addedAt?: string;
}

/** Lone surrogates cannot round-trip through UTF-8: replace them, as any decoder would. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function extractToAppError(err: unknown): never {
  if (isExtractError(err)) {
    const code = err.code === 'too_large' || err.code === 'too_many_pages' ? 'too_large' : err.code === 'unsupported_format' ? 'unsupported_format' : err.code;
    throw new AppError(code, err.message, err.status);
  }
  throw err;
}

export class DocumentService {
  private readonly mutex = new Mutex();
  private readonly gazetteer = defaultGazetteer();

  constructor(
    readonly settings: DocsSettings,
    private readonly tokenizer: Tokenizer,
    private readonly hooks: DocsHooks = {},
  ) {}

  get maxUploadBytes(): number {
    return this.settings.limits.maxBytes;
  }

  /** Extracts and adds documents in one incremental update. Duplicates (same text) → 409 unless `replace`. */
  async add(inputs: AddInput[], opts: { replace?: boolean; refit?: boolean } = {}): Promise<WriteResult> {
    if (inputs.length === 0) throw new AppError('bad_request', 'no documents to add', 400);
    // Extraction needs no lock: it reads only the upload.
    const prepared = await Promise.all(inputs.map((input) => this.prepare(input)));
    const seen = new Map<string, string>();
    for (const p of prepared) {
      const other = seen.get(p.meta.sha256);
      if (other) throw new AppError('conflict', `${p.meta.originalName ?? 'a document'} has the same text as ${other}`, 409);
      seen.set(p.meta.sha256, p.meta.originalName ?? p.meta.docId);
    }
    return this.write(async (manifest) => {
      const replaced = new Map<string, string[]>();
      const remove: string[] = [];
      for (const p of prepared) {
        const dups = manifest.documents.filter((d) => d.sha256 === p.meta.sha256);
        for (const d of dups) {
          if (d.origin !== 'library') throw new AppError('conflict', `this document has the same text as seed document ${d.docId} (seeds are managed in seeds/)`, 409);
          if (!opts.replace) throw new AppError('conflict', `this document has the same text as ${d.docId}, already added; add ?replace=true to replace it`, 409);
          remove.push(d.docId);
        }
        if (manifest.documents.some((d) => d.docId === p.meta.docId) && !remove.includes(p.meta.docId)) {
          throw new AppError('conflict', `document ${p.meta.docId} already exists`, 409);
        }
        replaced.set(p.meta.docId, dups.map((d) => d.docId));
      }
      for (const docId of remove) if (readLibrary(this.settings.libraryDir).some((e) => e.meta.docId === docId)) stageRemoval(this.settings.libraryDir, docId);
      for (const p of prepared) {
        const prior = manifest.documents.find((d) => d.docId === p.meta.docId)?.addedAt;
        // addedAt tells two versions of one docId apart in the journal: never reuse one.
        if (prior && prior >= p.meta.addedAt) p.meta.addedAt = new Date(Date.parse(prior) + 1).toISOString();
        stageAddition(this.settings.libraryDir, { meta: p.meta, text: p.text }, { bytes: p.bytes, ext: p.ext });
      }
      await this.hooks.checkpoint?.('staged');
      const update = await updateIndex(
        this.settings.indexDir,
        this.tokenizer,
        {
          add: prepared.map((p) => ({ docId: p.meta.docId, text: p.text, title: p.meta.title ?? undefined, city: p.meta.city, date: p.meta.date, source: p.meta.source, format: p.meta.format, origin: 'library' as const, originalSha256: p.meta.originalSha256, addedAt: p.meta.addedAt })),
          remove,
          refit: opts.refit,
        },
        { drift: this.settings.drift, embedder: this.hooks.embedder, onProgress: this.hooks.onProgress, checkpoint: (point) => this.hooks.checkpoint?.(point) ?? Promise.resolve() },
      );
      const chunks = new Map<number, number>();
      for (let c = 0; c < update.corpus.chunkCount; c++) chunks.set(update.corpus.chunk(c).doc, (chunks.get(update.corpus.chunk(c).doc) ?? 0) + 1);
      const documents = prepared.map((p) => {
        const i = update.corpus.docIndex(p.meta.docId)!;
        const d = update.corpus.documents[i];
        return { docId: d.docId, title: d.title, chunks: chunks.get(i) ?? 0, format: d.format, chars: d.original.length, city: d.city, replaced: replaced.get(d.docId) ?? [] };
      });
      return { documents, removed: remove, update };
    });
  }

  /** Removes added (library) documents; seed documents are managed in seeds/. */
  async remove(docIds: string[], opts: { refit?: boolean } = {}): Promise<WriteResult> {
    if (docIds.length === 0) throw new AppError('bad_request', 'no documents to remove', 400);
    return this.write(async (manifest) => {
      for (const docId of docIds) {
        const d = manifest.documents.find((x) => x.docId === docId);
        if (!d) throw new AppError('not_found', `no document ${docId}`, 404);
        if (d.origin !== 'library') throw new AppError('conflict', `${docId} is a seed document: remove it from seeds/ and run npm run index`, 409);
      }
      const inLibrary = new Set(readLibrary(this.settings.libraryDir).map((e) => e.meta.docId));
      for (const docId of docIds) if (inLibrary.has(docId)) stageRemoval(this.settings.libraryDir, docId);
      await this.hooks.checkpoint?.('staged');
      const update = await updateIndex(this.settings.indexDir, this.tokenizer, { remove: docIds, refit: opts.refit }, {
        drift: this.settings.drift,
        embedder: this.hooks.embedder,
        onProgress: this.hooks.onProgress,
        checkpoint: (point) => this.hooks.checkpoint?.(point) ?? Promise.resolve(),
      });
      return { documents: [], removed: docIds, update };
    });
  }

  /** Every document in the index in force, with where it came from. */
  async list(): Promise<ListedDocument[]> {
    const manifest = readManifest(this.settings.indexDir);
    const library = new Map(readLibrary(this.settings.libraryDir).map((e) => [e.meta.docId, e.meta]));
    const seedTitles = new Map(loadSeedSources(this.settings.seedsDir).map((d) => [d.docId, d.title ?? null]));
    return (manifest?.documents ?? []).map((d) => {
      const meta = library.get(d.docId);
      const base: ListedDocument = { docId: d.docId, origin: d.origin === 'library' ? 'library' : 'seed', format: d.format, chars: d.chars, sha256: d.sha256, title: seedTitles.get(d.docId) ?? null };
      return d.origin === 'library' ? { ...base, title: meta?.title ?? null, originalName: meta?.originalName ?? null, originalSha256: d.originalSha256, addedAt: d.addedAt } : base;
    });
  }

  /**
   * Startup: settles the library journal, then rebuilds the index from seeds/ and library/ when
   * it is missing, stale against either, or corrupt. Returns what it found.
   */
  async ensureIndex(log: (msg: string) => void = () => {}): Promise<{ rebuilt: boolean; reason: string }> {
    return this.mutex.run(() =>
      withIndexLock(
        this.settings.indexDir,
        () => this.checkAndRebuild(log),
        { waitMs: this.settings.lockWaitMs ?? 600_000 },
      ).catch(async (err) => {
        // A read-only index directory (a deployed image) cannot be locked or written: serve it as
        // it is when it is fresh; a stale one fails below with the reason.
        if (!['EROFS', 'EACCES', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
        log(`index directory is read-only (${(err as Error).message}): checking without the write lock`);
        return this.checkAndRebuild(log, false);
      }),
    );
  }

  private async checkAndRebuild(log: (msg: string) => void, writable = true): Promise<{ rebuilt: boolean; reason: string }> {
    if (writable) {
      const r = reconcileLibrary(this.settings.libraryDir, readManifest(this.settings.indexDir));
      if (r.finalized.length + r.dropped.length + r.restored.length + r.removed.length > 0) log(`library journal settled: ${JSON.stringify(r)}`);
    }
    const seeds = loadSeedSources(this.settings.seedsDir);
    const library = loadLibrarySources(this.settings.libraryDir);
    const state = await indexState(this.settings.indexDir, seeds, this.tokenizer, this.hooks.embedder ?? null);
    const lib = state.state === 'fresh' ? await libraryState(readManifest(this.settings.indexDir)!, library) : state;
    if (lib.state === 'fresh') return { rebuilt: false, reason: 'up to date' };
    log(`index is ${lib.state} (${lib.reason}): rebuilding from ${this.settings.seedsDir}/ and ${this.settings.libraryDir}/ …`);
    const built = await rebuildIndex(this.settings.indexDir, [...seeds, ...library], this.tokenizer, this.hooks.embedder ?? null);
    log(`index rebuilt in ${built.ms.toFixed(0)} ms: ${built.manifest.counts.documents} documents (${library.length} added), ${built.manifest.counts.chunks} chunks`);
    await this.hooks.onCommit?.(built.manifest);
    return { rebuilt: true, reason: lib.reason };
  }

  /** Runs `task` serialized (mutex + index lock), with the journal settled before and after. */
  private write(task: (manifest: IndexManifest) => Promise<WriteResult>): Promise<WriteResult> {
    return this.mutex.run(() =>
      withIndexLock(
        this.settings.indexDir,
        async () => {
          const before = readManifest(this.settings.indexDir);
          if (!before) throw new AppError('index_mismatch', `no index at ${this.settings.indexDir}: run npm run index first`, 503);
          reconcileLibrary(this.settings.libraryDir, before);
          let result: WriteResult;
          try {
            result = await task(before);
          } catch (err) {
            // Nothing was committed: drop what was staged, restore what was set aside.
            reconcileLibrary(this.settings.libraryDir, readManifest(this.settings.indexDir));
            throw err;
          }
          await this.hooks.checkpoint?.('committed');
          reconcileLibrary(this.settings.libraryDir, result.update.manifest);
          await this.hooks.onCommit?.(result.update.manifest);
          return result;
        },
        { waitMs: this.settings.lockWaitMs ?? 600_000 },
      ),
    );
  }

  /** Extracts an input into the library entry it will become. */
  private async prepare(input: AddInput): Promise<{ meta: LibraryMeta; text: string; bytes: Uint8Array; ext: string }> {
    let extracted: ExtractedDocument;
    let bytes: Uint8Array;
    if (input.bytes) {
      bytes = input.bytes;
      try {
        extracted = await extractDocument(bytes, input.filename ?? '', this.settings.limits);
      } catch (err) {
        extractToAppError(err);
      }
    } else if (typeof input.text === 'string') {
      bytes = new TextEncoder().encode(input.text);
      if (bytes.byteLength > this.settings.limits.maxBytes) throw new AppError('too_large', `the text is ${bytes.byteLength} bytes; the limit is ${this.settings.limits.maxBytes}`, 413);
      if (!input.text.trim()) throw new AppError('bad_request', 'text must not be empty', 400);
      if (input.text.length > this.settings.limits.maxChars) throw new AppError('too_large', `the text has ${input.text.length} characters; the limit is ${this.settings.limits.maxChars}`, 413);
      extracted = { text: input.text, title: null, format: 'txt' };
    } else {
      throw new AppError('bad_request', 'a file or a text is required', 400);
    }
    // The stored text is the document's original text from now on: citations slice it.
    const text = wellFormed(extracted.text.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n'));
    const sha256 = await sha256Hex(text);
    const title = clean(input.title) ?? extracted.title ?? null;
    const name = clean(input.filename) ? displayName(input.filename!) : null;
    const stem = name ? name.replace(/\.[^.]*$/, '') : null;
    const docId = makeDocId(stem ?? title, sha256, extracted.format);
    const meta: LibraryMeta = {
      docId,
      title,
      format: extracted.format,
      ...(extracted.encoding ? { encoding: extracted.encoding } : {}),
      ...(extracted.pages ? { pages: extracted.pages } : {}),
      city: clean(input.city) ?? this.guessCity(text, title),
      ...(clean(input.date) ? { date: clean(input.date)! } : {}),
      ...(clean(input.source) ? { source: clean(input.source)! } : {}),
      originalName: name,
      originalSha256: createHash('sha256').update(bytes).digest('hex'),
      sha256,
      chars: text.length,
      addedAt: new Date().toISOString(),
    };
    if (!isLibraryDocId(docId)) throw new AppError('bad_request', 'could not derive a document id', 400);
    return { meta, text, bytes, ext: extracted.format };
  }

  /** The city a document is about: one named in its title, else one clearly dominating its text. */
  private guessCity(text: string, title: string | null): string {
    const inTitle = title ? this.gazetteer.citiesIn(normalizeQuery(title)) : [];
    if (inTitle.length > 0) return inTitle[0];
    const head = normalizeQuery(text.slice(0, 20_000));
    const counts = this.gazetteer.citiesIn(head).map((c) => [c, head.split(c).length - 1] as const);
    const total = counts.reduce((a, [, n]) => a + n, 0);
    const [best, n] = counts.sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    return n >= 2 && n >= total * 0.6 ? best : '未具名';
  }
}

/** Whether the index holds exactly the library's documents (the counterpart of indexState for seeds). */
export async function libraryState(manifest: IndexManifest, library: Array<{ docId: string; text: string }>): Promise<{ state: 'fresh' | 'stale'; reason: string }> {
  const inIndex = manifest.librarySha256 ?? (await fingerprintOf(manifest.documents.filter((d) => d.origin === 'library')));
  const onDisk = await fingerprintOf(await Promise.all(library.map(async (d) => ({ docId: d.docId, sha256: await sha256Hex(d.text.replace(/^\ufeff/, '')) }))));
  return inIndex === onDisk ? { state: 'fresh', reason: 'up to date' } : { state: 'stale', reason: `the added documents in library/ differ from the index` };
}

function clean(s: string | null | undefined): string | undefined {
  const t = typeof s === 'string' ? s.replace(/[\u0000-\u001f\u007f]/g, ' ').trim() : '';
  return t ? t.slice(0, 300) : undefined;
}

/** The last path segment of an upload's name, for display only. */
function displayName(filename: string): string {
  return (filename.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
}

export { DEFAULT_DRIFT };
