import type { Test } from 'supertest';
import { waitFor } from './wait';

export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

export interface SseStream {
  status: () => number | undefined;
  events: SseEvent[];
  comments: string[];
  /** Waits for the first event (after the `skip` first ones) for which `match` holds. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number, what?: string): Promise<SseEvent>;
  ended: () => boolean;
  close(): Promise<void>;
}

/**
 * Reads a Server-Sent Events response through supertest as it arrives (a custom parser on the raw response),
 * parsing `id:`, `event:`, `data:` (JSON) and comment lines.
 */
export function readSse(req: Test): SseStream {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let status: number | undefined;
  let ended = false;
  let buf = '';
  const feed = (chunk: string) => {
    buf += chunk;
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const e: { id?: string; event: string; data: string[] } = { event: 'message', data: [] };
      let any = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) e.id = line.slice(4);
        else if (line.startsWith('event: ')) {
          e.event = line.slice(7);
          any = true;
        } else if (line.startsWith('data: ')) {
          e.data.push(line.slice(6));
          any = true;
        }
      }
      if (any) events.push({ id: e.id, event: e.event, data: JSON.parse(e.data.join('\n')) });
    }
  };
  const done = req
    .buffer(true)
    .parse((res, cb) => {
      status = res.statusCode;
      res.setEncoding('utf8');
      res.on('data', (c: string) => feed(c));
      res.on('end', () => {
        ended = true;
        cb(null, null);
      });
      res.on('error', () => cb(null, null));
    })
    .then(
      () => undefined,
      () => undefined,
    );
  return {
    status: () => status,
    events,
    comments,
    ended: () => ended,
    next: (match, timeoutMs = 5000, what = 'an event') =>
      waitFor(() => events.find(match), timeoutMs, `${what}; got ${JSON.stringify(events.map((e) => e.event))}`),
    close: async () => {
      req.abort();
      await done;
    },
  };
}
