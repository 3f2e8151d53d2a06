/**
 * `npm run ask -- "邢台市2022年市场主体净增多少？"`: the answer and its citations in the terminal.
 *   --top-k N   citations to return (default 5)      --json   print the response object
 */
import { parseArgs } from 'node:util';
import { createNodeRuntime } from '../runtime';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'top-k': { type: 'string', default: '5' }, json: { type: 'boolean', default: false } },
});
const question = positionals.join(' ').trim();
if (!question) {
  console.error('usage: npm run ask -- "问题"  [--top-k 5] [--json]');
  process.exit(2);
}
const runtime = await createNodeRuntime({ log: (m) => console.error(`[policy-qa] ${m}`) });
const res = await runtime.app.request('/api/ask', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ question, topK: Number(values['top-k']) }),
});
const body = await res.json();
if (!res.ok) {
  console.error(`error ${res.status}: ${body.error?.message}`);
  process.exit(1);
}
if (values.json) {
  console.log(JSON.stringify(body, null, 2));
} else {
  console.log(`\n${body.answer}\n`);
  console.log(body.abstained ? '(no answer in the documents; closest passages:)' : 'Sources:');
  for (const c of body.citations) {
    console.log(`[${c.n}] ${c.title} — ${c.docId} [${c.start}, ${c.end})`);
    console.log(`    ${c.quote.replace(/\s+/g, ' ').slice(0, 160)}${c.quote.length > 160 ? '…' : ''}`);
  }
}
