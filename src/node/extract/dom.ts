/**
 * DOM → plain text, shared by the HTML and DOCX extractors (mammoth renders a
 * .docx to HTML). Uses linkedom; typed through a minimal structural interface
 * so that this module does not depend on the TypeScript "DOM" lib.
 */
import { parseHTML } from 'linkedom';

export interface DomNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<DomNode>;
}

export interface DomElement extends DomNode {
  readonly localName: string;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
  closest(selectors: string): DomElement | null;
  remove(): void;
}

export interface DomDocument {
  readonly title: string;
  readonly body: DomElement | null;
  readonly documentElement: DomElement | null;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
  toString(): string;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

function isElement(node: DomNode): node is DomElement {
  return node.nodeType === ELEMENT_NODE;
}

/**
 * Parse an HTML string into a document. linkedom needs a complete document
 * (a bare fragment would end up outside <body>), so fragments are wrapped.
 */
export function parseHtmlDocument(html: string): DomDocument {
  let source = html.replace(/^\uFEFF/, '');
  if (!/<html[\s>]/i.test(source)) {
    source = source.replace(/^\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype[^>]*>\s*)?/i, '');
    source = /<body[\s>]/i.test(source) || /<head[\s>]/i.test(source)
      ? `<!DOCTYPE html><html>${source}</html>`
      : `<!DOCTYPE html><html><head></head><body>${source}</body></html>`;
  }
  const { document } = parseHTML(source) as unknown as { document: DomDocument };
  return document;
}

/** Elements whose content is never document text. */
const SKIP = new Set([
  'script', 'style', 'noscript', 'template', 'head', 'title', 'meta', 'link', 'base',
  'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'param',
  'svg', 'math', 'canvas', 'audio', 'video', 'source', 'track', 'map', 'area', 'img', 'picture',
  'select', 'datalist', 'option', 'optgroup', 'button', 'input', 'textarea',
]);

/** Block elements separated from their surroundings by a blank line. */
const PARAGRAPH = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'pre', 'blockquote', 'ul', 'ol', 'dl', 'figure', 'address', 'hr']);

/** Block elements separated from their surroundings by a line break. */
const BLOCK = new Set([
  'html', 'body', 'article', 'aside', 'caption', 'center', 'dd', 'details', 'dialog', 'dir', 'div', 'dt',
  'fieldset', 'figcaption', 'footer', 'form', 'header', 'hgroup', 'legend', 'li', 'main', 'menu', 'nav',
  'section', 'summary', 'tbody', 'thead', 'tfoot', 'tr', 'td', 'th', 'search',
]);

const HIDDEN_STYLE = /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)/i;

export function isHidden(el: DomElement): boolean {
  if (el.hasAttribute('hidden')) return true;
  if (el.getAttribute('aria-hidden') === 'true') return true;
  const style = el.getAttribute('style');
  return style !== null && HIDDEN_STYLE.test(style);
}

// CJK ideographs, kana, CJK punctuation, fullwidth forms: a source line break between
// two of these is not a word boundary (CSS Text 3 segment-break transformation).
const CJK = '\\u2e80-\\u2fdf\\u3000-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\ufe30-\\ufe4f\\uff00-\\uffef';
const CJK_LINE_BREAK = new RegExp(`([${CJK}])[ \\t\\r\\f]*\\n[ \\t\\n\\r\\f]*(?=[${CJK}])`, 'g');

function collapseWhitespace(s: string): string {
  return s.replace(/\u00a0/g, ' ').replace(CJK_LINE_BREAK, '$1').replace(/[ \t\n\r\f]+/g, ' ');
}

function finishText(raw: string): string {
  return raw
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').replace(/^[ \u3000]+/, '').replace(/[ \t\u3000]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

function cellText(cell: DomElement): string {
  return elementToText(cell).replace(/\s*\n\s*/g, ' ').replace(/\t/g, ' ').trim();
}

function rowLine(row: DomElement): string {
  const cells: string[] = [];
  const children = Array.from(row.childNodes);
  for (const c of children) {
    if (isElement(c) && (c.localName === 'td' || c.localName === 'th') && !isHidden(c)) cells.push(cellText(c));
  }
  if (cells.every((c) => c === '')) return '';
  return cells.join('\t');
}

/** Accumulates text; block boundaries merge (the larger one wins) instead of adding up. */
class TextBuilder {
  private readonly parts: string[] = [];
  private pending = 0; // line breaks owed before the next text
  private trailing = 0; // consecutive '\n' at the end of the output
  private empty = true;

  /** Request at least n line breaks before the next text (1 = new line, 2 = blank line). */
  block(n: 1 | 2): void {
    if (n > this.pending) this.pending = n;
  }

  /** A hard line break (<br>). */
  lineBreak(): void {
    this.flush();
    this.append('\n');
  }

  text(s: string): void {
    if (!s) return;
    if (s === ' ' && (this.pending > 0 || this.trailing > 0 || this.empty)) return; // whitespace between blocks
    this.flush();
    this.append(s);
  }

  private flush(): void {
    if (this.pending > this.trailing && !this.empty) this.append('\n'.repeat(this.pending - this.trailing));
    this.pending = 0;
  }

  private append(s: string): void {
    this.parts.push(s);
    this.empty = false;
    const m = /\n*$/.exec(s);
    const n = m ? m[0].length : 0;
    this.trailing = n === s.length ? this.trailing + n : n;
  }

  toString(): string {
    return this.parts.join('');
  }
}

/**
 * The visible text of an element: blocks on their own lines (paragraph-level
 * blocks separated by a blank line), <br> as a line break, each table row on
 * one line with cells separated by a tab. Whitespace collapsed as a browser
 * would (except inside <pre>); entities are already decoded by the parser.
 */
export function elementToText(root: DomNode): string {
  const out = new TextBuilder();
  type Frame = { node: DomNode; exit: boolean };
  const stack: Frame[] = [{ node: root, exit: false }];
  let preDepth = 0;
  while (stack.length > 0) {
    const frame = stack.pop();
    if (!frame) break;
    const { node, exit } = frame;
    if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) {
      const t = node.textContent ?? '';
      if (preDepth > 0) {
        const lines = t.replace(/\u00a0/g, ' ').split('\n');
        lines.forEach((line, i) => {
          if (i > 0) out.lineBreak();
          out.text(line);
        });
      } else {
        out.text(collapseWhitespace(t));
      }
      continue;
    }
    if (!isElement(node)) {
      // Documents/fragments: walk children; comments, doctypes, processing instructions: skip.
      if (node.nodeType === 9 || node.nodeType === 11) pushChildren(stack, node);
      continue;
    }
    const tag = node.localName.toLowerCase();
    const sep: 0 | 1 | 2 = PARAGRAPH.has(tag) ? 2 : BLOCK.has(tag) ? 1 : 0;
    if (exit) {
      if (tag === 'pre') preDepth--;
      if (sep) out.block(sep);
      continue;
    }
    if (node !== root && (SKIP.has(tag) || isHidden(node))) continue;
    if (tag === 'br') {
      out.lineBreak();
      continue;
    }
    if (tag === 'tr' && node !== root) {
      const line = rowLine(node);
      if (line) {
        out.block(1);
        out.text(line);
        out.block(1);
      }
      continue;
    }
    if (sep) out.block(sep);
    if (tag === 'pre') preDepth++;
    stack.push({ node, exit: true });
    pushChildren(stack, node);
  }
  return finishText(out.toString());
}

function pushChildren(stack: Array<{ node: DomNode; exit: boolean }>, node: DomNode): void {
  const kids = node.childNodes;
  for (let i = kids.length - 1; i >= 0; i--) {
    const k = kids[i];
    if (k) stack.push({ node: k, exit: false });
  }
}

/** Remove every element matching the selector. */
export function removeAll(doc: DomDocument | DomElement, selectors: string): void {
  for (const el of Array.from(doc.querySelectorAll(selectors))) el.remove();
}

/** Collapse whitespace and trim; null when nothing is left. */
export function cleanInlineText(s: string | null | undefined): string | null {
  if (!s) return null;
  const t = s.replace(/[\s\u00a0\u3000]+/g, ' ').trim();
  return t || null;
}
