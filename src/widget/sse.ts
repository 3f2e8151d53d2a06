/**
 * Incremental Server-Sent Events parser (WHATWG "event stream interpretation").
 * Feed it decoded text in arbitrary chunks; it calls `onEvent` once per dispatched event.
 * Handles \n, \r\n and \r line endings (also split across chunks), comments, multi-line data.
 */

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export interface SseParser {
  push(chunk: string): void;
  /** End of stream: a trailing event without its blank line is discarded, as the spec says. */
  end(): void;
}

export function createSseParser(onEvent: (e: SseEvent) => void): SseParser {
  let buf = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  let sawBom = false;

  const dispatch = () => {
    if (data.length) onEvent({ event: event || 'message', data: data.join('\n'), id });
    data = [];
    event = '';
  };

  const line = (l: string) => {
    if (l === '') return dispatch();
    if (l.charCodeAt(0) === 58 /* : */) return; // comment / keep-alive
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && value.indexOf('\0') < 0) id = value;
  };

  const drain = (final: boolean) => {
    let i = 0;
    for (;;) {
      let j = i;
      while (j < buf.length) {
        const c = buf.charCodeAt(j);
        if (c === 10 || c === 13) break;
        j++;
      }
      if (j >= buf.length) break;
      if (buf.charCodeAt(j) === 13) {
        // A lone \r at the end may be the first half of \r\n: wait for more.
        if (j + 1 >= buf.length && !final) break;
        line(buf.slice(i, j));
        i = buf.charCodeAt(j + 1) === 10 ? j + 2 : j + 1;
      } else {
        line(buf.slice(i, j));
        i = j + 1;
      }
    }
    buf = buf.slice(i);
  };

  return {
    push(chunk: string) {
      if (!sawBom && chunk) {
        sawBom = true;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      buf += chunk;
      drain(false);
    },
    end() {
      drain(true);
      buf = '';
      data = [];
      event = '';
    },
  };
}
