/**
 * PROTOCOL FAKE of the policy-qa HTTP API — NOT the real server.
 *
 * A small Hono app with canned passages that speaks the same contract as the real API, so the
 * browser widget can be developed and tested before/independently of the server:
 *   POST /api/ask     SSE (`citations`, `delta`, `done`, `error`) or plain JSON
 *   POST /api/verify  { verdict, figures, evidence, explanation }
 *   GET  /doc/:docId  source viewer (renderSourceViewer) with ?start=&end=
 *   GET  /widget.js   the bundled widget (buildWidget)
 *   GET  /            demo page (renderDemoPage)
 * CORS is open (the widget is embedded cross-origin) and exposes Retry-After.
 *
 * To exercise the widget's SSE parser the stream is cut into odd-sized byte chunks (splitting
 * UTF-8 sequences and lines), mixes \n and \r\n, and sends a keep-alive comment.
 * Trigger words in a question (for manual poking): "XSS" → hostile passage, "限流" → 429,
 * "断流" → stream dies mid-answer, "出错" → `event: error`.
 */

import type { Passage } from '../../src/core/engine';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { renderDemoPage, renderSourceViewer } from '../../src/http/pages';
import { buildWidget } from '../../src/widget/build';

export interface FakeDoc {
  docId: string;
  title: string;
  text: string;
}


// Excerpt of a public press-conference transcript (邢台市推进质量强市建设新闻发布会, 2023-01-18).
const XT_TEXT = [
  '邢台市推进质量强市建设新闻发布会全程实录',
  '',
  '  各位记者朋友：',
  '',
  '  围绕全市重点产业链和重点县域特色产业集群，强化标准引领，深化质量提升，推动质量强市建设取得新成效。一是质量发展环境持续优化。聚焦市场主体共性诉求，深化改革、强化监管、优化服务一体推进，充分激发市场主体的发展活力、竞争活力、创新活力。2022年全市市场主体净增7.06万户，总量达到83.18万户，目标完成率147.61%，同比增长9.28%。二是标准数量再上新台阶。今年以来，参与制修订国家标准20项、行业标准31项，累计制修订国家标准94项、行业标准70项。',
  '',
  '  深入践行“四个最严”要求，狠抓食品、药品、特种设备、工业产品质量“四大安全”监管。一是坚守食品安全底线。集中开展了食品安全“守底线、查隐患、保安全”专项行动，排查食品安全生产经营主体4.8万家次，开展食品快检志愿服务“四进”活动147场次；完成食品抽检3.43万批次，总体合格率98.45%；全市7951家食品冷链企业全部录入省冷链追溯系统，录入量全省第一。',
  '',
  '  四是坚守工业产品质量安全底线。对重点区域产业进行“回头看”，巩固整治提升成果。加强散煤和成品油质量监管，规范入省煤质检查站运行，完成散煤、成品油抽检5328批次。',
  '',
  '  下一步，市市场监管局将推动质量、标准、品牌、信誉“四位一体”联动提升，为加快建设经济强市、美丽邢台作出积极贡献。',
].join('\n');

export const XSS_IMG = '<img src=x onerror="window.__xss=1">';
export const XSS_SCRIPT = '<script>window.__xss=2</script>';

export const FAKE_DOCS: FakeDoc[] = [
  { docId: 'xingtai-quality-2023', title: '邢台市推进质量强市建设新闻发布会全程实录', text: XT_TEXT },
  {
    docId: 'xss-doc',
    title: `恶意标题${XSS_SCRIPT}`,
    text: `第一段正文。\n\n本段含有恶意代码 ${XSS_IMG} 以及 ${XSS_SCRIPT} 用于检验转义，合格率99.5%。\n\n结尾段落。`,
  },
];

function passage(n: number, docId: string, quote: string, score: number): Passage {
  const doc = FAKE_DOCS.find((d) => d.docId === docId)!;
  const start = doc.text.indexOf(quote);
  if (start < 0) throw new Error(`fake-api: quote not in ${docId}: ${quote}`);
  return { n, docId, title: doc.title, start, end: start + quote.length, quote, text: quote, score };
}

const Q_ENTITIES = '2022年全市市场主体净增7.06万户，总量达到83.18万户，目标完成率147.61%，同比增长9.28%。';
const Q_FOOD = '完成食品抽检3.43万批次，总体合格率98.45%';
const Q_OIL = '加强散煤和成品油质量监管，规范入省煤质检查站运行，完成散煤、成品油抽检5328批次。';
const Q_XSS = `本段含有恶意代码 ${XSS_IMG} 以及 ${XSS_SCRIPT} 用于检验转义，合格率99.5%。`;

interface Canned {
  citations: Passage[];
  answer: string;
  /** Streamed draft when it differs from the final answer (the widget must replace it). */
  draft?: string;
  abstained?: boolean;
}

function cannedAnswer(q: string): Canned {
  const D = 'xingtai-quality-2023';
  if (/xss/i.test(q)) {
    const c = [passage(1, 'xss-doc', Q_XSS, 0.9)];
    return { citations: c, answer: `文件原文如下：${XSS_IMG}${XSS_SCRIPT}，合格率99.5%[1]。` };
  }
  if (/食品|抽检|合格率/.test(q)) {
    const c = [passage(1, D, Q_FOOD, 0.91), passage(2, D, Q_OIL, 0.62)];
    return {
      citations: c,
      answer: '全市完成食品抽检3.43万批次，总体合格率98.45%[1]；此外完成散煤、成品油抽检5328批次[2]。',
    };
  }
  if (/成品油|散煤|5328/.test(q)) {
    return { citations: [passage(1, D, Q_OIL, 0.88)], answer: '完成散煤、成品油抽检5328批次[1]。' };
  }
  if (/市场主体|户|净增|多少/.test(q)) {
    const c = [passage(1, D, Q_ENTITIES, 0.93), passage(2, D, Q_FOOD, 0.41)];
    return {
      citations: c,
      draft: '2022年全市市场主体净增7.06万户[1]。',
      answer: '2022年全市市场主体净增7.06万户，总量达到83.18万户，同比增长9.28%[1]。',
    };
  }
  return { citations: [], answer: '未在已收录的文件中找到与该问题相关的依据。', abstained: true };
}

function cannedVerdict(claim: string) {
  const D = 'xingtai-quality-2023';
  const facts = [
    { re: /(\d+(?:\.\d+)?)万户/, found: '7.06万户', topic: /市场主体|净增/, p: () => passage(1, D, Q_ENTITIES, 0.9) },
    { re: /(\d+(?:\.\d+)?)%/, found: '98.45%', topic: /合格率|抽检/, p: () => passage(1, D, Q_FOOD, 0.9) },
    { re: /(\d+)批次/, found: '5328批次', topic: /成品油|散煤/, p: () => passage(1, D, Q_OIL, 0.9) },
  ];
  for (const f of facts) {
    const m = f.re.exec(claim);
    if (!m || !f.topic.test(claim)) continue;
    const claimed = m[0];
    const match = claimed === f.found;
    return {
      verdict: match ? ('supported' as const) : ('contradicted' as const),
      figures: [{ claimed, found: f.found, match }],
      evidence: [f.p()],
      explanation: match ? `文件记载为${f.found}，与说法一致。` : `说法为${claimed}，文件记载为${f.found}。`,
    };
  }
  return { verdict: 'not_found' as const, figures: [], evidence: [], explanation: '已收录的文件中没有与该说法相关的内容。' };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Byte stream of `text`, cut into odd-sized chunks (mid-line, mid-UTF-8) with small pauses. */
function choppy(text: string, opts: { delayMs: number; dieAfterBytes?: number }): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const sizes = [7, 13, 2, 31, 5, 17, 1, 23];
  return new ReadableStream<Uint8Array>({
    async start(ctl) {
      let i = 0;
      let k = 0;
      while (i < bytes.length) {
        if (opts.dieAfterBytes !== undefined && i >= opts.dieAfterBytes) {
          ctl.error(new Error('fake-api: simulated connection drop (expected in tests)'));
          return;
        }
        const n = sizes[k++ % sizes.length];
        ctl.enqueue(bytes.slice(i, i + n));
        i += n;
        await sleep(opts.delayMs);
      }
      ctl.close();
    },
  });
}

const frame = (event: string, data: unknown, eol = '\n') =>
  `event: ${event}${eol}data: ${JSON.stringify(data)}${eol}${eol}`;

export interface FakeApiOptions {
  /** When set, API calls need `Authorization: Bearer <token>`. */
  token?: string;
  /** Pause between stream chunks (ms). */
  chunkDelayMs?: number;
}

export function createFakeApi(opts: FakeApiOptions = {}): Hono {
  const app = new Hono();
  const delay = opts.chunkDelayMs ?? 4;
  let widgetJs: Promise<string> | undefined;

  app.use(
    '/api/*',
    cors({
      origin: '*',
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization', 'Accept'],
      exposeHeaders: ['Retry-After'],
      maxAge: 600,
    }),
  );

  const err = (status: 400 | 401 | 404 | 429, code: string, message: string) =>
    new Response(JSON.stringify({ error: { code, message } }), {
      status,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });

  app.use('/api/*', async (c, next) => {
    if (c.req.method === 'OPTIONS' || !opts.token) return next();
    if (c.req.header('Authorization') !== `Bearer ${opts.token}`) return err(401, 'unauthorized', 'missing or invalid token');
    return next();
  });

  app.post('/api/ask', async (c) => {
    let body: { question?: unknown };
    try {
      body = await c.req.json();
    } catch {
      return err(400, 'bad_request', 'body must be JSON');
    }
    const q = typeof body.question === 'string' ? body.question.trim() : '';
    if (!q) return err(400, 'bad_request', 'question is required');
    if (q.includes('限流')) {
      const r = err(429, 'rate_limited', 'too many requests');
      r.headers.set('Retry-After', '7');
      return r;
    }
    const canned = cannedAnswer(q);
    const done = { answer: canned.answer, mode: 'extractive', abstained: !!canned.abstained, citations: canned.citations, question: q };
    if (!(c.req.header('Accept') || '').includes('text/event-stream')) return c.json(done);

    const draft = canned.draft ?? canned.answer;
    const pieces = draft.match(/.{1,6}/gsu) ?? [];
    let sse = ': fake-api keep-alive\n\n' + frame('citations', canned.citations, '\r\n');
    for (const p of pieces) sse += frame('delta', { text: p });
    const failing = q.includes('出错');
    const dying = q.includes('断流');
    const head = sse;
    sse += failing ? frame('error', { error: { code: 'internal', message: '模拟的服务端错误' } }) : frame('done', done);
    const stream = choppy(sse, { delayMs: delay, dieAfterBytes: dying ? Math.floor(new TextEncoder().encode(head).length * 0.6) : undefined });
    return new Response(stream, {
      headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' },
    });
  });

  app.post('/api/verify', async (c) => {
    let body: { claim?: unknown };
    try {
      body = await c.req.json();
    } catch {
      return err(400, 'bad_request', 'body must be JSON');
    }
    const claim = typeof body.claim === 'string' ? body.claim.trim() : '';
    if (!claim) return err(400, 'bad_request', 'claim is required');
    return c.json(cannedVerdict(claim));
  });

  app.get('/doc/:docId', (c) => {
    const doc = FAKE_DOCS.find((d) => d.docId === c.req.param('docId'));
    if (!doc) return c.text('not found', 404);
    const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN);
    const s = c.req.query('start');
    const e = c.req.query('end');
    const span = s === undefined && e === undefined ? null : { start: int(s), end: int(e) };
    return c.html(renderSourceViewer(doc, span));
  });

  app.get('/widget.js', async (c) => {
    widgetJs ??= buildWidget();
    return c.body(await widgetJs, 200, {
      'Content-Type': 'application/javascript; charset=utf-8',
      'Cache-Control': 'no-store',
      'Access-Control-Allow-Origin': '*',
    });
  });

  app.get('/', (c) =>
    c.html(
      renderDemoPage({
        title: '政策问答（协议仿真）',
        examples: ['2022年全市市场主体净增多少户？', '食品抽检的总体合格率是多少？', '成品油抽检了多少批次？'],
      }),
    ),
  );

  return app;
}
