import { Agent, request } from 'node:http';
import { textCallback } from '../../support/samples';

/** One callback posted by the load: its NewMsgId, the answer (0: no answer) and how long it took. */
export interface Posted {
  id: string;
  status: number;
  ms: number;
  /** When it was sent, ms since the load started. */
  at: number;
  body: string;
}

export interface Target {
  /** http://127.0.0.1:port */
  url: string;
  key: string;
  appId: string;
}

// enough sockets that a request waits in the service, not in this agent's queue (its latency is the service's)
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** NewMsgIds unique per drill: 64-bit values above 2^53, as Gewe's are. */
export function idSource(drill: number): () => string {
  let n = 0n;
  const base = 7_100_000_000_000_000_000n + BigInt(drill) * 10_000_000_000n + BigInt(Date.now() % 1_000_000) * 1000n;
  return () => String(base + n++);
}

/** Posts one text callback with `id` as NewMsgId; never throws (a transport error is status 0). */
// the timeout only ends a request that hangs: on a machine whose cores are busy an answer can take many seconds
export function postCallback(t: Target, id: string, text = 'load', timeoutMs = 120_000): Promise<Posted> {
  const payload = textCallback({
    appId: t.appId,
    robotWxid: 'wxid_fault_robot',
    from: 'wxid_fault_user',
    text,
    newMsgId: id,
  });
  const started = performance.now();
  const u = new URL(`${t.url}/api/webhook?key=${encodeURIComponent(t.key)}`);
  return new Promise((resolve) => {
    const done = (status: number, body: string) =>
      resolve({ id, status, ms: Math.round(performance.now() - started), at: 0, body });
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => done(res.statusCode ?? 0, body));
        res.on('error', () => done(0, 'response error'));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => done(0, err.message));
    req.end(payload);
  });
}

/**
 * A steady load: `rate` callbacks per second with fresh ids for `durationMs` (open loop: it does not wait for the
 * answers), at most `maxInFlight` unanswered; and at least `minCount` in all, however long that takes (on a busy
 * machine answers are slow, and the in-flight cap would otherwise make the load smaller than the drill needs).
 */
export async function steadyLoad(
  t: Target,
  opts: {
    rate: number;
    durationMs: number;
    nextId: () => string;
    maxInFlight?: number;
    minCount?: number;
    text?: string;
  },
): Promise<Posted[]> {
  const results: Promise<Posted>[] = [];
  const started = performance.now();
  let inFlight = 0;
  const max = opts.maxInFlight ?? 200;
  const step = 10;
  for (let sent = 0; ;) {
    const elapsed = performance.now() - started;
    if (elapsed >= opts.durationMs && sent >= (opts.minCount ?? 0)) break;
    const due = Math.floor((elapsed / 1000) * opts.rate);
    while (sent < due && inFlight < max) {
      const at = Math.round(performance.now() - started);
      inFlight++;
      results.push(
        postCallback(t, opts.nextId(), opts.text).then((p) => {
          inFlight--;
          return { ...p, at };
        }),
      );
      sent++;
    }
    await new Promise((r) => setTimeout(r, step));
  }
  return Promise.all(results);
}

/**
 * An open-loop load that runs until stopped, so a drill can move from phase to phase on what it has seen (so many
 * answers before a cut, so many during it) instead of on a clock that a busy machine stretches. `at` of every answer
 * and `now()` share one origin, so phase boundaries and answers compare exactly.
 */
export class LiveLoad {
  /** The answers so far, in the order they arrived. */
  readonly answered: Posted[] = [];
  private readonly t0 = performance.now();
  private stopped = false;
  private readonly done: Promise<Posted[]>;

  constructor(t: Target, opts: { rate: number; nextId: () => string; maxInFlight?: number; text?: string }) {
    this.done = this.run(t, opts);
  }

  /** ms since the load started (the clock of `at`). */
  now(): number {
    return Math.round(performance.now() - this.t0);
  }

  /** Stops sending and resolves with every answer, once the requests in flight are answered. */
  stop(): Promise<Posted[]> {
    this.stopped = true;
    return this.done;
  }

  private async run(
    t: Target,
    opts: { rate: number; nextId: () => string; maxInFlight?: number; text?: string },
  ): Promise<Posted[]> {
    const results: Promise<Posted>[] = [];
    let inFlight = 0;
    const max = opts.maxInFlight ?? 200;
    for (let sent = 0; !this.stopped;) {
      const due = Math.floor((this.now() / 1000) * opts.rate);
      while (sent < due && inFlight < max) {
        const at = this.now();
        inFlight++;
        results.push(
          postCallback(t, opts.nextId(), opts.text).then((p) => {
            inFlight--;
            const answer = { ...p, at };
            this.answered.push(answer);
            return answer;
          }),
        );
        sent++;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return Promise.all(results);
  }
}

export function countBy<T>(items: readonly T[], key: (t: T) => string | number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[String(key(i))] = (out[String(key(i))] ?? 0) + 1;
  return out;
}

export function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) (seen.has(id) ? dup : seen).add(id);
  return [...dup];
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
