/** One dispatched Server-Sent Event. */
export interface SseEvent {
  /** The `event:` field, `message` when there was none. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The last `id:` seen (the spec's last event id), when there was one. */
  id?: string;
}

/**
 * An incremental parser of the `text/event-stream` format (the WHATWG HTML spec's "event stream interpretation"),
 * fed text in chunks of any size: lines end in LF, CRLF or CR (a CR at the end of a chunk waits for the next one, in
 * case an LF follows); a leading BOM is dropped; `:` lines are comments; `field: value` loses one space after the
 * colon; `data` lines accumulate; a blank line dispatches the event, unless it has no data (like Dify's
 * `event: ping`). Unknown fields and `retry` are ignored (the caller does not reconnect).
 *
 * The caller decodes bytes to text (a UTF-8 decoder in stream mode keeps a character split across chunks whole).
 */
export class SseParser {
  private buffer = '';
  private started = false;
  private data: string[] = [];
  private hasData = false;
  private event = '';
  private lastId: string | undefined;

  /** Parses a chunk; returns the events it completed. */
  feed(chunk: string): SseEvent[] {
    let text = this.buffer + chunk;
    if (!this.started && text.length) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 13 && i === text.length - 1) break; // a CR last: an LF may follow in the next chunk
      this.line(text.slice(start, i), out);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.buffer = text.slice(start);
    return out;
  }

  /**
   * The end of the stream. The spec drops an event not followed by a blank line; servers that close right after the
   * last `data:` line exist, so an event with data that is complete up to its last line is dispatched.
   */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    let rest = this.buffer;
    this.buffer = '';
    if (rest.endsWith('\r')) rest = rest.slice(0, -1);
    if (rest) this.line(rest, out);
    this.line('', out);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.hasData) {
        const e: SseEvent = { event: this.event || 'message', data: this.data.join('\n') };
        if (this.lastId !== undefined) e.id = this.lastId;
        out.push(e);
      }
      this.data = [];
      this.hasData = false;
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.data.push(value);
      this.hasData = true;
    } else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
  }
}
