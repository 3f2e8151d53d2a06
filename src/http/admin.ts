/**
 * The admin API: add and remove documents while serving.
 *
 *   POST   /api/admin/documents           multipart (field `file`, optional `title`, `city`, `date`,
 *                                          `source`) or JSON `{ title, text, city?, date?, source? }`;
 *                                          `?replace=true` replaces a document with the same text
 *                                          → 201 { docId, title, chunks, … }
 *   DELETE /api/admin/documents/:docId    → 200 { docId, removed: true }
 *   GET    /api/admin/documents           → { documents: [ { docId, origin, format, … } ] }
 *
 * Bearer ADMIN_TOKEN; without a configured token the routes are off (404). The token is checked
 * before the body is read, and uploads have their own size limit. Runtime-agnostic: the runtime
 * passes a DocumentAdmin (the Node one is src/node/docs/service.ts).
 */
import type { Context, Hono, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { AppError } from '../core/errors';
import type { AppContext } from './app';

export interface AdminAddInput {
  bytes?: Uint8Array;
  filename?: string;
  text?: string;
  title?: string;
  city?: string;
  date?: string;
  source?: string;
}

export interface DocumentAdmin {
  readonly maxUploadBytes: number;
  add(inputs: AdminAddInput[], opts: { replace?: boolean }): Promise<{ documents: Array<{ docId: string; title: string; chunks: number; format: string; chars: number; city: string; replaced: string[] }>; update: { refit: boolean; refitReason: string; ms: number } }>;
  remove(docIds: string[]): Promise<{ removed: string[]; update: { refit: boolean; ms: number } }>;
  list(): Promise<unknown[]>;
}

/** Multipart framing and form fields on top of the file itself. */
const MULTIPART_OVERHEAD = 256 * 1024;

function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

const jsonDocument = z.object({
  title: z.string().max(300).optional(),
  text: z.string({ required_error: 'text is required', invalid_type_error: 'text must be a string' }),
  city: z.string().max(50).optional(),
  date: z.string().max(50).optional(),
  source: z.string().max(300).optional(),
});

const flag = (v: string | undefined) => v === 'true' || v === '1';

/** Mounts the admin routes; pass it as (or call it from) createApp's `extend`. */
export function mountAdmin(app: Hono, ctx: AppContext, admin: DocumentAdmin): void {
  const auth = async (c: Context, next: Next) => {
    const token = ctx.config.adminToken;
    if (!token) throw new AppError('not_found', 'the admin API is off: set ADMIN_TOKEN to turn it on', 404);
    const header = c.req.header('Authorization') ?? '';
    const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
    if (!given || !constantTimeEqual(given, token)) {
      throw new AppError('unauthorized', given ? 'wrong admin token' : 'admin token required (Authorization: Bearer <ADMIN_TOKEN>)', 401, { 'WWW-Authenticate': 'Bearer' });
    }
    await next();
  };
  const uploadLimit = bodyLimit({
    maxSize: admin.maxUploadBytes + MULTIPART_OVERHEAD,
    onError: () => {
      throw new AppError('too_large', `upload over ${admin.maxUploadBytes} bytes (MAX_UPLOAD_BYTES)`, 413);
    },
  });
  app.use('/api/admin/*', auth);
  app.use('/api/admin/*', uploadLimit);

  app.post('/api/admin/documents', async (c) => {
    const type = (c.req.header('Content-Type') ?? '').toLowerCase();
    let input: AdminAddInput;
    let replace = flag(c.req.query('replace'));
    if (type.startsWith('multipart/form-data')) {
      let form: Record<string, string | File | (string | File)[]>;
      try {
        form = await c.req.parseBody({ all: true });
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError('bad_request', 'the multipart body could not be read', 400);
      }
      const field = (name: string) => {
        const v = form[name];
        const one = Array.isArray(v) ? v[0] : v;
        return typeof one === 'string' ? one : undefined;
      };
      const files = ([] as Array<string | File>).concat(form.file ?? []).filter((f): f is File => typeof f !== 'string');
      if (files.length !== 1) throw new AppError('bad_request', files.length === 0 ? 'a file is required (multipart field "file")' : 'one file per request', 400);
      const file = files[0];
      if (file.size > admin.maxUploadBytes) throw new AppError('too_large', `the file is ${file.size} bytes; the limit is ${admin.maxUploadBytes} (MAX_UPLOAD_BYTES)`, 413);
      input = { bytes: new Uint8Array(await file.arrayBuffer()), filename: file.name, title: field('title'), city: field('city'), date: field('date'), source: field('source') };
      replace ||= flag(field('replace'));
    } else if (type.startsWith('application/json')) {
      const body = await ctx.readJson(c, jsonDocument);
      input = { text: body.text, title: body.title, city: body.city, date: body.date, source: body.source };
    } else {
      throw new AppError('unsupported_format', 'send multipart/form-data (field "file") or application/json ({ "title", "text" })', 415);
    }
    const result = await admin.add([input], { replace });
    const d = result.documents[0];
    return c.json({ ...d, refit: result.update.refit, refitReason: result.update.refitReason, ms: Math.round(result.update.ms) }, 201);
  });

  app.delete('/api/admin/documents/:docId', async (c) => {
    const docId = c.req.param('docId');
    const result = await admin.remove([docId]);
    return c.json({ docId, removed: true, refit: result.update.refit, ms: Math.round(result.update.ms) });
  });

  app.get('/api/admin/documents', async (c) => c.json({ documents: await admin.list() }));
}
