/**
 * policy-qa embeddable chat widget.
 *
 *   <script src="https://HOST/widget.js" data-endpoint="https://HOST" data-title="政策问答" defer></script>
 *
 * Attributes: data-endpoint (default: the script's origin), data-title, data-token (sent as
 * `Authorization: Bearer …`), data-lang ("zh-Hant" for traditional; default from <html lang>),
 * data-mode ("inline" renders the panel always open inside #data-container instead of a launcher).
 *
 * Plain DOM inside an open shadow root. Every piece of server or user text goes in through
 * createTextNode / textContent; innerHTML is never used. No requests other than to the endpoint.
 */

import { ApiError, ask, verify, type AskResponse, type HistoryTurn, type VerifyResponse } from './api';
import { detectLang, stringsFor, type Lang, type Strings } from './i18n';
import { CSS } from './styles';
import { copyText, highlightFigures, sourceUrl, splitAnswer, type Passage } from './text';

export interface PolicyQAApi {
  open(): void;
  close(): void;
  /** Asks a question (switching to 问答 mode and opening the panel); resolves when it has finished. */
  ask(question: string): Promise<void>;
  /** Checks a claim in 核查 mode; resolves when it has finished. */
  verify(claim: string): Promise<void>;
  /** Replaces the `data-token` (e.g. a fresh one from the host backend before the old one expires). */
  setToken(token: string): void;
}

interface Options {
  endpoint: string;
  token?: string;
  title: string;
  lang: Lang;
  inline: boolean;
  container?: string;
}

type Kid = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...kids: Kid[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (attrs) {
    for (const k in attrs) {
      const v = attrs[k];
      if (v === false || v == null) continue;
      if (k === 'class') e.className = String(v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(e, ...kids);
  return e;
}

function append(parent: Node, ...kids: Kid[]): void {
  for (const c of kids) {
    if (c == null || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

function clear(e: Node): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

function svgIcon(): SVGSVGElement {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute(
    'd',
    'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9.5L5 21.5V18H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z',
  );
  svg.appendChild(path);
  return svg;
}

async function writeClipboard(text: string, scratch: Node, refocus: HTMLElement): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall back below */
  }
  const ta = el('textarea', { readonly: true, 'aria-hidden': 'true', tabindex: -1 });
  ta.value = text;
  ta.style.cssText = 'position:fixed;top:0;left:0;width:1px;height:1px;opacity:0;pointer-events:none';
  scratch.appendChild(ta);
  let ok = false;
  try {
    ta.select();
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  scratch.removeChild(ta);
  refocus.focus();
  return ok;
}

class Widget implements PolicyQAApi {
  private s: Strings;
  private root!: ShadowRoot;
  private launcher?: HTMLButtonElement;
  private panel!: HTMLElement;
  private log!: HTMLElement;
  private input!: HTMLTextAreaElement;
  private sendBtn!: HTMLButtonElement;
  private modeBtns!: { ask: HTMLButtonElement; verify: HTMLButtonElement };
  private inputLabel!: HTMLLabelElement;
  private mode: 'ask' | 'verify' = 'ask';
  private busy = false;
  private history: HistoryTurn[] = [];
  private chain: Promise<void> = Promise.resolve();
  private uid = 0;

  constructor(private o: Options) {
    this.s = stringsFor(o.lang);
  }

  private id(prefix: string): string {
    return `pqa-${prefix}-${++this.uid}`;
  }

  mount(): void {
    const o = this.o;
    const s = this.s;
    const host = document.createElement('policy-qa-widget');
    host.setAttribute('data-lang', o.lang);
    host.setAttribute('data-mode', o.inline ? 'inline' : 'floating');
    host.setAttribute('lang', o.lang);
    // Inline !important beats any page rule that could reach the host element itself.
    host.style.cssText = o.inline
      ? 'all:initial!important;display:block!important;width:100%!important;height:100%!important'
      : 'all:initial!important;display:block!important;position:static!important';
    this.root = host.attachShadow({ mode: 'open' });
    this.root.appendChild(el('style', null, CSS));
    // Base typography lives on a wrapper: the host's inline `all:initial` resets :host styles.
    const wrap = el('div', { class: o.inline ? 'root inline' : 'root', lang: o.lang });
    this.root.appendChild(wrap);

    const panelId = this.id('panel');
    const titleId = this.id('title');
    const inputId = this.id('input');

    if (!o.inline) {
      this.launcher = el(
        'button',
        {
          type: 'button',
          class: 'launcher',
          'data-testid': 'launcher',
          'aria-label': s.openLabel,
          'aria-haspopup': 'dialog',
          'aria-expanded': 'false',
          'aria-controls': panelId,
        },
        svgIcon(),
        el('span', null, o.title),
      );
      this.launcher.addEventListener('click', () => (this.panel.hidden ? this.open() : this.close()));
      wrap.appendChild(this.launcher);
    }

    const closeBtn = o.inline
      ? null
      : el('button', { type: 'button', class: 'x', 'data-testid': 'close', 'aria-label': s.close, title: s.close }, '×');
    if (closeBtn) closeBtn.addEventListener('click', () => this.close());

    const mk = (m: 'ask' | 'verify', label: string) => {
      const b = el('button', { type: 'button', role: 'radio', class: 'mode', 'data-testid': `mode-${m}` }, label);
      b.addEventListener('click', () => this.setMode(m, true));
      return b;
    };
    this.modeBtns = { ask: mk('ask', s.modeAsk), verify: mk('verify', s.modeVerify) };
    const modes = el('div', { class: 'modes', role: 'radiogroup', 'aria-label': s.modesLabel }, this.modeBtns.ask, this.modeBtns.verify);
    modes.addEventListener('keydown', (e) => {
      const k = e.key;
      if (k === 'ArrowLeft' || k === 'ArrowRight' || k === 'ArrowUp' || k === 'ArrowDown' || k === 'Home' || k === 'End') {
        e.preventDefault();
        const next = k === 'Home' ? 'ask' : k === 'End' ? 'verify' : this.mode === 'ask' ? 'verify' : 'ask';
        this.setMode(next, false);
        this.modeBtns[next].focus();
      }
    });

    this.log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions text', 'aria-labelledby': titleId, tabindex: 0 });
    this.log.appendChild(el('p', { class: 'welcome' }, s.welcome));

    this.input = el('textarea', { id: inputId, rows: 1, 'data-testid': 'input', autocomplete: 'off', enterkeyhint: 'send', maxlength: 1000 });
    const label = el('label', { class: 'sr', for: inputId });
    this.sendBtn = el('button', { type: 'submit', class: 'send', 'data-testid': 'send' }, s.send);
    const form = el('form', { class: 'form', novalidate: true }, label, this.input, this.sendBtn);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.onSubmit();
    });
    this.input.addEventListener('keydown', (e) => {
      // Enter sends; Shift+Enter is a newline; never while an IME is composing (拼音 candidates).
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        this.onSubmit();
      }
    });
    this.input.addEventListener('input', () => this.autogrow());
    this.inputLabel = label;

    this.panel = el(
      'div',
      {
        id: panelId,
        class: o.inline ? 'panel inline' : 'panel',
        role: o.inline ? 'region' : 'dialog',
        'aria-modal': o.inline ? null : 'false',
        'aria-labelledby': titleId,
        'data-testid': 'panel',
        lang: o.lang,
        hidden: !o.inline,
      },
      el('div', { class: 'hd' }, el('h2', { id: titleId }, o.title), closeBtn),
      modes,
      this.log,
      form,
    );
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.isComposing && !this.o.inline) {
        e.stopPropagation();
        this.close();
      }
    });
    wrap.appendChild(this.panel);
    this.setMode('ask', false);

    let parent: HTMLElement = document.body;
    if (o.inline) {
      const c = (o.container && document.getElementById(o.container)) || null;
      if (c) parent = c;
    }
    parent.appendChild(host);
  }

  private setMode(m: 'ask' | 'verify', focusInput: boolean): void {
    this.mode = m;
    for (const k of ['ask', 'verify'] as const) {
      const b = this.modeBtns[k];
      b.setAttribute('aria-checked', String(k === m));
      b.tabIndex = k === m ? 0 : -1;
    }
    const s = this.s;
    this.inputLabel.textContent = m === 'ask' ? s.inputAsk : s.inputVerify;
    this.input.placeholder = m === 'ask' ? s.placeholderAsk : s.placeholderVerify;
    if (focusInput) this.input.focus();
  }

  private autogrow(): void {
    const t = this.input;
    t.style.height = 'auto';
    t.style.height = `${Math.min(t.scrollHeight + 2, 132)}px`;
  }

  private setBusy(b: boolean): void {
    this.busy = b;
    this.sendBtn.setAttribute('aria-disabled', String(b));
  }

  private onSubmit(): void {
    const text = this.input.value.trim();
    if (!text || this.busy) return;
    this.input.value = '';
    this.autogrow();
    void this.enqueue(text, this.mode);
  }

  private enqueue(text: string, mode: 'ask' | 'verify'): Promise<void> {
    const run = this.chain.then(() => this.submit(text, mode));
    this.chain = run.catch(() => undefined);
    return run;
  }

  open(): void {
    if (this.o.inline) {
      this.input.focus();
      return;
    }
    if (!this.panel.hidden) return;
    this.panel.hidden = false;
    this.launcher!.setAttribute('aria-expanded', 'true');
    this.input.focus();
    this.scrollToEnd();
  }

  close(): void {
    if (this.o.inline || this.panel.hidden) return;
    this.panel.hidden = true;
    this.launcher!.setAttribute('aria-expanded', 'false');
    this.launcher!.focus();
  }

  ask(question: string): Promise<void> {
    this.setMode('ask', false);
    this.open();
    return this.enqueue(String(question), 'ask');
  }

  verify(claim: string): Promise<void> {
    this.setMode('verify', false);
    this.open();
    return this.enqueue(String(claim), 'verify');
  }

  setToken(token: string): void {
    this.o.token = token ? String(token) : undefined;
  }

  private nearEnd(): boolean {
    const l = this.log;
    return l.scrollHeight - l.scrollTop - l.clientHeight < 80;
  }

  private scrollToEnd(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** Runs fn, keeping the log pinned to the bottom if the reader was already there. */
  private stick(fn: () => void): void {
    const near = this.nearEnd();
    fn();
    if (near) this.scrollToEnd();
  }

  private async submit(text: string, mode: 'ask' | 'verify'): Promise<void> {
    const s = this.s;
    this.log.appendChild(
      el('div', { class: mode === 'ask' ? 'msg user' : 'msg user verify' }, el('span', { class: 'sr' }, s.you), text),
    );
    const box = el('div', { class: 'msg bot' });
    this.log.appendChild(box);
    this.scrollToEnd();
    if (mode === 'ask') await this.runAsk(text, box, this.history.slice(-8));
    else await this.runVerify(text, box);
  }

  private passageEl(p: Passage, figureSources: string[], id?: string): HTMLElement {
    const s = this.s;
    const quote = el('p', { class: 'quote' });
    for (const seg of highlightFigures(String(p.quote ?? ''), figureSources)) {
      append(quote, seg.hl ? el('mark', null, seg.text) : seg.text);
    }
    const link = el(
      'a',
      { class: 'src', 'data-testid': 'source-link', href: sourceUrl(this.o.endpoint, p), target: '_blank', rel: 'noopener noreferrer' },
      s.sourceLink,
      el('span', { class: 'sr' }, s.newWindow),
      ' ↗',
    );
    return el(
      'div',
      { class: 'passage', 'data-testid': 'passage', id, role: 'group', 'aria-label': s.cite(p.n, String(p.title ?? '')) },
      el('p', { class: 'ptitle' }, `[${p.n}] ${p.title ?? ''}`),
      quote,
      link,
    );
  }

  /** Error block with a retry button; the retry is held back while a 429's Retry-After runs. */
  private showError(box: HTMLElement, e: unknown, retry: () => void): void {
    const s = this.s;
    let msg: string;
    let wait: number | null = null;
    if (e instanceof ApiError) {
      if (e.kind === 'network') msg = s.network;
      else if (e.kind === 'refused' || e.status === 403) msg = s.refused;
      else if (e.kind === 'dropped') msg = s.dropped;
      else if (e.kind === 'stream') msg = s.streamError(e.message);
      else if (e.status === 429 || e.code === 'rate_limited') {
        wait = e.retryAfter;
        msg = s.rateLimited(wait);
      } else if (e.status === 401 || e.code === 'unauthorized') msg = s.unauthorized;
      else if (e.status >= 500) msg = s.serverError(e.status);
      else msg = s.httpError(e.status, e.message);
    } else {
      msg = s.streamError(e instanceof Error ? e.message : String(e));
    }
    const btn = el('button', { type: 'button', class: 'btn', 'data-testid': 'retry' }, s.retry);
    // Retrying cannot help a page whose origin the server refuses.
    const refused = msg === s.refused;
    const box2 = el('div', { class: 'err', 'data-testid': 'error', 'data-kind': refused ? 'refused' : null, role: 'alert' }, el('div', null, msg), !refused && btn);
    if (wait) {
      btn.disabled = true;
      setTimeout(() => (btn.disabled = false), wait * 1000);
    }
    btn.addEventListener('click', () => {
      if (this.busy) return;
      box2.remove();
      this.input.focus();
      retry();
    });
    this.stick(() => box.appendChild(box2));
  }

  private copyButton(getText: () => string): HTMLElement {
    const s = this.s;
    const btn = el('button', { type: 'button', class: 'btn', 'data-testid': 'copy' }, s.copy);
    const note = el('span', { class: 'note', role: 'status' });
    btn.addEventListener('click', () => {
      void writeClipboard(getText(), this.root, btn).then((ok) => {
        note.textContent = ok ? s.copied : s.copyFailed;
        setTimeout(() => (note.textContent = ''), 4000);
      });
    });
    return el('div', { class: 'actions' }, btn, note);
  }

  private runAsk(question: string, box: HTMLElement, history: HistoryTurn[]): Promise<void> {
    const s = this.s;
    const attempt = async (): Promise<void> => {
      clear(box);
      this.setBusy(true);
      append(box, el('span', { class: 'sr' }, s.bot));
      const status = el('div', { class: 'status' }, s.searching);
      const answerEl = el('div', { class: 'answer', 'data-testid': 'answer', 'aria-busy': 'true' });
      const slot = el('div');
      append(box, status, answerEl, slot);

      let citations: Passage[] = [];
      let text = '';
      let openN: number | null = null;
      const byN = (n: number) => citations.find((c) => c.n === n);

      const togglePassage = (n: number) => {
        openN = openN === n ? null : n;
        clear(slot);
        const p = openN === null ? undefined : byN(openN);
        if (p) {
          const pid = this.id('passage');
          const pe = this.passageEl(p, [text], pid);
          slot.appendChild(pe);
          answerEl.querySelectorAll<HTMLElement>('.chip').forEach((c) => {
            if (c.getAttribute('data-n') === String(openN)) c.setAttribute('aria-controls', pid);
          });
          pe.scrollIntoView({ block: 'nearest' });
        }
        syncChips();
      };
      const syncChips = () => {
        answerEl.querySelectorAll<HTMLElement>('.chip').forEach((c) => {
          c.setAttribute('aria-expanded', String(c.getAttribute('data-n') === String(openN)));
        });
      };
      const render = () => {
        const focused = this.root.activeElement;
        const refocus = focused && answerEl.contains(focused) ? focused.getAttribute('data-n') : null;
        clear(answerEl);
        for (const seg of splitAnswer(text, (n) => !!byN(n))) {
          if (seg.t === 'text') {
            answerEl.appendChild(document.createTextNode(seg.text));
            continue;
          }
          for (const n of seg.ns) {
            const p = byN(n)!;
            const chip = el(
              'button',
              { type: 'button', class: 'chip', 'data-testid': 'citation-chip', 'data-n': n, 'aria-label': s.cite(n, String(p.title ?? '')), 'aria-expanded': 'false' },
              String(n),
            );
            chip.addEventListener('click', () => togglePassage(n));
            answerEl.appendChild(chip);
          }
        }
        syncChips();
        if (refocus) answerEl.querySelector<HTMLElement>(`.chip[data-n="${refocus}"]`)?.focus();
      };

      try {
        const res: AskResponse = await ask(
          { endpoint: this.o.endpoint, token: this.o.token },
          { question, history },
          {
            onCitations: (c) => {
              citations = c;
              this.stick(render);
            },
            onDelta: (d) => {
              text += d;
              status.hidden = true;
              this.stick(render);
            },
          },
        );
        status.remove();
        // The final answer replaces the streamed draft.
        text = typeof res.answer === 'string' ? res.answer : text;
        if (Array.isArray(res.citations)) citations = res.citations;
        if (openN !== null && !byN(openN)) openN = null;
        this.stick(() => {
          render();
          answerEl.setAttribute('aria-busy', 'false');
          if (!text.trim()) answerEl.textContent = s.emptyAnswer;
          const meta = el('div', { class: 'meta' });
          if (res.abstained) append(meta, el('span', { class: 'tag' }, s.abstained));
          if (res.mode === 'extractive' || res.mode === 'llm') {
            append(meta, el('span', { class: 'tag' }, res.mode === 'llm' ? s.modeLlm : s.modeExtractive));
          }
          if (res.rewrittenQuestion && res.rewrittenQuestion !== question) append(meta, s.rewritten(res.rewrittenQuestion));
          // The passage slot stays right under the answer; actions and meta go below it.
          const actions = this.copyButton(() => copyText(text, citations, this.o.endpoint, s.sources));
          if (meta.firstChild) actions.appendChild(meta);
          box.appendChild(actions);
        });
        this.history.push({ role: 'user', content: question }, { role: 'assistant', content: text });
      } catch (e) {
        status.remove();
        answerEl.setAttribute('aria-busy', 'false');
        if (!text) answerEl.remove();
        this.showError(box, e, () => void retry());
      } finally {
        this.setBusy(false);
      }
    };
    const retry = () => this.enqueueRetry(attempt);
    return attempt();
  }

  private enqueueRetry(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private runVerify(claim: string, box: HTMLElement): Promise<void> {
    const s = this.s;
    const attempt = async (): Promise<void> => {
      clear(box);
      this.setBusy(true);
      const status = el('div', { class: 'status' }, s.verifying);
      box.appendChild(status);
      try {
        const r: VerifyResponse = await verify({ endpoint: this.o.endpoint, token: this.o.token }, claim);
        status.remove();
        this.stick(() => this.renderVerdict(box, claim, r));
      } catch (e) {
        status.remove();
        this.showError(box, e, () => void this.enqueueRetry(attempt));
      } finally {
        this.setBusy(false);
      }
    };
    return attempt();
  }

  private renderVerdict(box: HTMLElement, claim: string, r: VerifyResponse): void {
    const s = this.s;
    const v = r.verdict === 'supported' || r.verdict === 'contradicted' ? r.verdict : 'not_found';
    const label = s.verdicts[v];
    append(
      box,
      el(
        'div',
        { class: 'vhead' },
        el('span', null, `${s.verdictTitle}：`),
        el('span', { class: `verdict v-${v}`, 'data-testid': 'verdict', 'data-verdict': v }, label),
      ),
    );
    if (r.explanation) append(box, el('p', { class: 'expl' }, String(r.explanation)));
    const figs = Array.isArray(r.figures) ? r.figures : [];
    const figureSources = [claim];
    if (figs.length) {
      const ul = el('ul', { class: 'figs' });
      for (const f of figs) {
        if (f.found) figureSources.push(String(f.found));
        ul.appendChild(
          el(
            'li',
            null,
            `${s.claimed} ${f.claimed ?? ''} → ${s.found} ${f.found ?? s.missing} `,
            el('span', { class: f.match ? 'ok' : 'bad' }, f.match ? `✓ ${s.match}` : `✗ ${s.mismatch}`),
          ),
        );
      }
      append(box, el('h3', { class: 'sub' }, s.figuresTitle), ul);
    }
    const evidence = Array.isArray(r.evidence) ? r.evidence : [];
    append(box, el('h3', { class: 'sub' }, s.evidence));
    if (!evidence.length) append(box, el('p', { class: 'expl' }, s.noEvidence));
    for (const p of evidence) box.appendChild(this.passageEl(p, figureSources));
    const head = `${s.verdictTitle}：${label}${r.explanation ? '\n' + r.explanation : ''}\n（${claim}）`;
    box.appendChild(this.copyButton(() => copyText(head, evidence, this.o.endpoint, s.sources)));
  }
}

declare global {
  interface Window {
    PolicyQA?: PolicyQAApi;
  }
}

function findScript(): HTMLScriptElement | null {
  const cur = document.currentScript;
  if (cur && cur.tagName === 'SCRIPT') return cur as HTMLScriptElement;
  const all = document.querySelectorAll<HTMLScriptElement>('script[src]');
  for (let i = all.length - 1; i >= 0; i--) if (/widget(\.min)?\.js(\?|#|$)/.test(all[i].src)) return all[i];
  return null;
}

function boot(): void {
  if (window.PolicyQA) return; // loaded twice
  const script = findScript();
  const ds = (script && script.dataset) || {};
  let origin = location.origin;
  try {
    if (script && script.src) origin = new URL(script.src, location.href).origin;
  } catch {
    /* keep the page's origin */
  }
  const lang = detectLang(ds.lang, document.documentElement.getAttribute('lang'));
  const w = new Widget({
    endpoint: (ds.endpoint || origin).replace(/\/+$/, ''),
    token: ds.token || undefined,
    title: ds.title || stringsFor(lang).title,
    lang,
    inline: ds.mode === 'inline',
    container: ds.container,
  });
  let mounted = false;
  let ready: () => void;
  const whenReady = new Promise<void>((r) => (ready = r));
  const mount = () => {
    if (mounted) return;
    mounted = true;
    w.mount();
    ready();
    window.dispatchEvent(new CustomEvent('policyqa:ready'));
  };
  window.PolicyQA = {
    open: () => (mounted ? w.open() : void whenReady.then(() => w.open())),
    close: () => (mounted ? w.close() : void whenReady.then(() => w.close())),
    ask: (q) => whenReady.then(() => w.ask(q)),
    verify: (c) => whenReady.then(() => w.verify(c)),
    setToken: (t) => w.setToken(t),
  };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
}

boot();
