/**
 * PROTOCOL FAKE of an OpenAI-compatible `/v1/embeddings` server (bge-m3 on Ollama/vLLM/TEI would
 * sit here in production). Deterministic vectors from hashed character bigrams, so similar texts
 * get similar vectors; it counts the requests it served.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeEmbeddingsServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

export const FAKE_DIMS = 48;

function embed(text: string): number[] {
  const v = new Array<number>(FAKE_DIMS).fill(0);
  const t = text.replace(/\s+/g, '');
  for (let i = 0; i + 1 < t.length; i++) {
    let h = 2166136261;
    for (const ch of t.slice(i, i + 2)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
    v[(h >>> 0) % FAKE_DIMS] += 1;
  }
  return v;
}

export async function startFakeEmbeddingsServer(): Promise<FakeEmbeddingsServer> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/embeddings')) {
        res.writeHead(404).end();
        return;
      }
      state.requests++;
      const { input, model } = JSON.parse(body) as { input: string | string[]; model: string };
      const inputs = Array.isArray(input) ? input : [input];
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', model, data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: embed(text) })), usage: { prompt_tokens: 0, total_tokens: 0 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
