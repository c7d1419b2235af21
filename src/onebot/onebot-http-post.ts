import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { backoffDelay } from '../common/backoff';
import { PACKAGE } from '../common/package-info';
import { outboundRequest, readCapped } from '../net/outbound-http';
import { OneBotActions } from './onebot.actions';
import { HubConnection, OneBotHub } from './onebot.hub';
import type { ActionRequest, ClientInfo, HttpPostTarget, OneBotEvent, Segment } from './onebot.types';
import { runAction } from './onebot-ws-session';

/** Events kept per target while it is down; past this the oldest are dropped (and counted). */
export const MAX_QUEUE = 1000;
/** The largest answer read back (a quick operation is small). */
const MAX_ANSWER_BYTES = 1024 * 1024;
const RETRY = { baseMs: 1000, maxMs: 60_000 };

/** `X-Signature`: `sha1=` and the hex HMAC-SHA1 of the body with the target's secret. */
export function signature(body: string, secret: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

export interface PostAnswer {
  status: number;
  text: string;
}

/** The HTTP call of one event (through the outbound client and its URL policy). */
@Injectable()
export class EventPoster {
  async post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<PostAnswer> {
    const res = await outboundRequest(url, { method: 'POST', headers, body, signal });
    const text = await readCapped(res.body, MAX_ANSWER_BYTES, () => new Error('the answer is too large'));
    return { status: res.status, text };
  }
}

/**
 * The actions a quick operation (the target's answer to an event, e.g. `{"reply": "hi"}`) stands for, as the
 * standard defines them: for a message reply (with `at_sender`, default true in groups), delete and kick; for a
 * request approve.
 */
export function quickOperation(event: OneBotEvent, op: Record<string, unknown>): ActionRequest[] {
  const out: ActionRequest[] = [];
  if (event.post_type === 'message') {
    const group = event.message_type === 'group';
    if (op.reply !== undefined && op.reply !== null && op.reply !== '') {
      const autoEscape = op.auto_escape === true;
      let message: unknown = op.reply;
      if (group && op.at_sender !== false) {
        const at: Segment = { type: 'at', data: { qq: String(event.user_id) } };
        if (typeof message === 'string')
          message = autoEscape
            ? [at, { type: 'text', data: { text: ` ${message}` } }]
            : `[CQ:at,qq=${String(event.user_id)}] ${message}`;
        else if (Array.isArray(message))
          message = [at, { type: 'text', data: { text: ' ' } }, ...(message as unknown[])];
      }
      out.push({
        action: 'send_msg',
        params: {
          message_type: event.message_type,
          ...(group ? { group_id: event.group_id } : { user_id: event.user_id }),
          message,
          auto_escape: typeof message === 'string' ? autoEscape : false,
        },
      });
    }
    if (group && op.delete === true) out.push({ action: 'delete_msg', params: { message_id: event.message_id } });
    if (group && op.kick === true)
      out.push({ action: 'set_group_kick', params: { group_id: event.group_id, user_id: event.user_id } });
  } else if (event.post_type === 'request' && typeof op.approve === 'boolean') {
    if (event.request_type === 'friend')
      out.push({
        action: 'set_friend_add_request',
        params: {
          flag: event.flag,
          approve: op.approve,
          ...(typeof op.remark === 'string' ? { remark: op.remark } : {}),
        },
      });
    else if (event.request_type === 'group')
      out.push({
        action: 'set_group_add_request',
        params: {
          flag: event.flag,
          sub_type: event.sub_type,
          approve: op.approve,
          ...(typeof op.reason === 'string' ? { reason: op.reason } : {}),
        },
      });
  }
  return out;
}

interface Target {
  robotId: number;
  target: HttpPostTarget;
  conn: HubConnection;
  queue: { event: OneBotEvent; json: string }[];
  /** Dropped since the last report. */
  dropped: number;
  busy: boolean;
  /** Failures in a row (the retry's backoff). */
  failures: number;
  /** The one-shot timer of the retry after a failure (a backoff step, not a loop). */
  retry?: NodeJS.Timeout;
  stopped: boolean;
}

/**
 * HTTP POST of events: each event of a robot to each of its targets, one at a time and in order, signed when the
 * target has a secret. A target that is down keeps a bounded queue (the oldest events are dropped and counted) and
 * is retried with backoff. The target's answer may be a quick operation, run as the action it stands for. Only the
 * instance that holds the robot's OneBot lock posts: OneBotReverseWs configures the targets here.
 */
@Injectable()
export class OneBotHttpPost implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('OneBotHttpPost');
  private readonly targets = new Map<number, Target[]>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();
  private removeSink?: () => void;
  private seq = 0;

  constructor(
    private readonly hub: OneBotHub,
    private readonly actions: OneBotActions,
    private readonly poster: EventPoster,
  ) {}

  onModuleInit(): void {
    this.removeSink = this.hub.addSink((robotId, event, json) => this.enqueue(robotId, event, json));
  }

  async onApplicationShutdown(): Promise<void> {
    this.removeSink?.();
    for (const robotId of [...this.targets.keys()]) this.configure(robotId, []);
    this.shutdown.abort(new Error('shutting down'));
    await Promise.allSettled([...this.inFlight]);
  }

  /** The robot's targets from now on (none: stops posting for it). Events queued for a removed target are dropped. */
  configure(robotId: number, targets: readonly HttpPostTarget[]): void {
    const old = this.targets.get(robotId) ?? [];
    const same =
      old.length === targets.length &&
      old.every(
        (t, i) =>
          t.target.url === targets[i].url &&
          t.target.secret === targets[i].secret &&
          t.target.timeoutMs === targets[i].timeoutMs,
      );
    if (same) return;
    for (const t of old) {
      t.stopped = true;
      if (t.retry) clearTimeout(t.retry);
      this.hub.unregister(t.conn);
    }
    if (!targets.length) {
      this.targets.delete(robotId);
      return;
    }
    this.targets.set(
      robotId,
      targets.map((target) => {
        const info: ClientInfo = {
          id: `hpost-${++this.seq}`,
          transport: 'http-post',
          remote: target.url,
          tokenName: null,
        };
        return {
          robotId,
          target,
          conn: this.hub.register({ robotId, info, role: 'event', state: 'connecting' }),
          queue: [],
          dropped: 0,
          busy: false,
          failures: 0,
          stopped: false,
        };
      }),
    );
  }

  /** Queued and waiting events of a robot's targets (for tests and status). */
  pending(robotId: number): number {
    return (this.targets.get(robotId) ?? []).reduce((n, t) => n + t.queue.length, 0);
  }

  /** Resolves once nothing is being posted (tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private enqueue(robotId: number, event: OneBotEvent, json: string): void {
    for (const t of this.targets.get(robotId) ?? []) {
      t.queue.push({ event, json });
      if (t.queue.length > MAX_QUEUE) {
        t.queue.shift();
        if (t.dropped++ === 0)
          t.conn.error(
            'ONEBOT_HTTP_POST_DROPPED',
            { url: t.target.url, dropped: 1 },
            `${t.target.url} stayed unreachable; events are being dropped`,
          );
      }
      this.pump(t);
    }
  }

  private pump(t: Target): void {
    if (t.busy || t.retry || t.stopped || !t.queue.length) return;
    t.busy = true;
    const p = this.postHead(t).finally(() => {
      t.busy = false;
      this.pump(t);
    });
    this.track(p);
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async postHead(t: Target): Promise<void> {
    const { event, json } = t.queue[0];
    const { url, secret, timeoutMs } = t.target;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      'X-Self-ID': String(event.self_id),
      'User-Agent': `OpenGewe/${PACKAGE.version}`,
      ...(secret ? { 'X-Signature': signature(json, secret) } : {}),
    };
    let answer: PostAnswer | null = null;
    let reason = '';
    try {
      answer = await this.poster.post(
        url,
        json,
        headers,
        AbortSignal.any([AbortSignal.timeout(timeoutMs), this.shutdown.signal]),
      );
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    if (t.stopped) return;
    if (answer && answer.status >= 200 && answer.status < 300) {
      t.queue.shift();
      t.conn.countEvent();
      t.conn.setState('connected');
      if (t.dropped) {
        t.conn.error(
          'ONEBOT_HTTP_POST_DROPPED',
          { url, dropped: t.dropped },
          `${url} stayed unreachable; ${t.dropped} events dropped`,
        );
        this.logger.warn({ robotId: t.robotId, url, dropped: t.dropped }, 'HTTP POST target was down: events dropped');
        t.dropped = 0;
      }
      t.failures = 0;
      this.quick(t, event, answer.text);
      return;
    }
    const status = answer?.status ?? 0;
    if (answer) reason = answer.text.slice(0, 200) || `HTTP ${status}`;
    t.conn.setState('failing');
    if (t.failures++ === 0) {
      t.conn.error(
        'ONEBOT_HTTP_POST_FAILED',
        { url, status, reason },
        `Posting an event to ${url} failed (HTTP ${status}): ${reason}`,
      );
      this.logger.warn({ robotId: t.robotId, url, status, reason }, 'HTTP POST of a OneBot event failed');
    }
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      // the target refuses this event: retrying it would refuse it again
      t.queue.shift();
      return;
    }
    // a one-shot backoff step (the target is down); cleared at shutdown
    t.retry = setTimeout(
      () => {
        t.retry = undefined;
        this.pump(t);
      },
      backoffDelay(t.failures, RETRY),
    );
    t.retry.unref();
  }

  private quick(t: Target, event: OneBotEvent, text: string): void {
    if (!text.trim()) return;
    let op: unknown;
    try {
      op = JSON.parse(text);
    } catch {
      return; // an answer that is no quick operation
    }
    if (!op || typeof op !== 'object' || Array.isArray(op)) return;
    for (const req of quickOperation(event, op as Record<string, unknown>)) {
      const p = runAction(this.actions, t.robotId, req, t.conn.info).then((res) => {
        t.conn.countAction();
        if (res.status === 'failed')
          this.logger.warn(
            { robotId: t.robotId, url: t.target.url, action: req.action, retcode: res.retcode, message: res.message },
            'A quick operation failed',
          );
      });
      this.track(p);
    }
  }
}
