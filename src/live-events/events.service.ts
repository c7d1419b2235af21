import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthUser } from '../common/auth.decorators';
import { SessionService } from '../auth/session.service';
import { PeriodicTask } from '../common/periodic-task';
import { RobotStateStore } from '../coordination/robot-state.store';
import { LOG_LEVELS, LogLevel } from '../config/config-schema';
import { EventBus, LiveEvent, LiveGap } from './event-bus';
import { BufferedEvent, EventRing } from './event-ring';
import { LogEventsPublisher } from './log-events';

const LEVEL_RANK: Record<string, number> = Object.fromEntries(LOG_LEVELS.map((l, i) => [l, i]));

export interface EventsOptions {
  /** Events kept for resuming with Last-Event-ID. */
  bufferSize: number;
  /** A comment line this often keeps proxies from closing an idle stream; the session is checked at the same time. */
  heartbeatMs: number;
  /** What EventSource waits before reconnecting (the SSE `retry:` field). */
  retryMs: number;
  /** A client this far behind (bytes not yet sent) is disconnected rather than buffered without end. */
  maxBacklogBytes: number;
}
export const EVENTS_OPTIONS = Symbol('EVENTS_OPTIONS');
export const DEFAULT_EVENTS_OPTIONS: EventsOptions = {
  bufferSize: 1000,
  heartbeatMs: 15_000,
  retryMs: 3_000,
  maxBacklogBytes: 1 << 20,
};

export interface StreamRequest {
  user: AuthUser;
  /** From the Last-Event-ID header (EventSource reconnecting) or ?lastEventId= (a new EventSource resuming). */
  lastEventId?: string;
  /** When the access token that opened the stream expires (ms since the epoch). */
  expiresAt: number | null;
  /** Log lines at or above this level (?logLevel=); honoured for admins only. */
  logLevel?: LogLevel;
}

interface Client {
  res: Response;
  user: AuthUser;
  expiresAt: number | null;
  /** The heartbeat (a comment line and a session check), one at a time. */
  heartbeat: PeriodicTask;
  /** The log level this stream gets lines at (admins who asked), or null: no log events. */
  logLevel: LogLevel | null;
  /** Ends this stream's claims on the publishers (counted as a watcher, its log level wanted). */
  release: () => void;
  /** The queue counts last sent: the same counts again (another instance read them too) are not repeated. */
  lastDepth: string | null;
  /** When the stream opened (ms epoch), and whether it resumed from a Last-Event-ID: see gap(). */
  openedAt: number;
  resumed: boolean;
}

/** Why a stream is told to reload what it shows (the `resync` event's `code`). */
export type ResyncCode = 'EVENTS_UNKNOWN' | 'EVENTS_SKIPPED';
const RESYNC_REASON: Record<ResyncCode, string> = {
  EVENTS_UNKNOWN: 'The events since Last-Event-ID are no longer known; reload the current state',
  EVENTS_SKIPPED: 'Events were not published while nobody watched; reload the current state',
};

/**
 * Live events as Server-Sent Events: robot status changes (from the robot state store, which reaches every
 * instance through Redis) and whatever is published on the EventBus (new messages). Every event gets an id from one
 * ring buffer, so a reconnecting client resumes where it stopped; when that is impossible it is told to `resync`
 * (reload what it shows). A stream ends when its session is revoked or its access token expires (`end` event): the
 * client reconnects with a fresh token.
 */
@Injectable()
export class EventsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventsService.name);
  private readonly options: EventsOptions;
  private readonly ring: EventRing;
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly store: RobotStateStore,
    private readonly sessions: SessionService,
    @Optional() @Inject(EVENTS_OPTIONS) options?: Partial<EventsOptions>,
    @Optional() private readonly logs?: LogEventsPublisher,
  ) {
    this.options = { ...DEFAULT_EVENTS_OPTIONS, ...options };
    this.ring = new EventRing(this.options.bufferSize);
  }

  onModuleInit(): void {
    this.unsubscribe.push(this.bus.subscribe((e) => this.emit(e)));
    this.unsubscribe.push(this.store.onStatus((data) => this.emit({ type: 'robot.status', data })));
    this.unsubscribe.push(this.bus.onGap((gap) => this.gap(gap)));
  }

  /**
   * Some instance left events out while it saw no audience: nobody can resume across that point, and a stream that
   * was open then (it opened before the other instances heard of it) or that resumed from before it missed some.
   */
  private gap(gap: LiveGap): void {
    this.ring.markGap();
    for (const c of this.clients) if (c.resumed || c.openedAt <= gap.lastSkippedAt) this.resync(c, 'EVENTS_SKIPPED');
  }

  private resync(c: Client, code: ResyncCode): void {
    this.write(c, `event: resync\ndata: ${JSON.stringify({ code, reason: RESYNC_REASON[code] })}\n\n`);
  }

  /** Streams open on this instance. */
  get streams(): number {
    return this.clients.size;
  }

  private emit(event: LiveEvent): void {
    const stored = this.ring.push(event);
    for (const c of this.clients) this.send(c, stored);
  }

  /** Takes over the response: headers, resume or resync, then live events until the client or the session goes. */
  open(res: Response, req: StreamRequest): void {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no'); // nginx: do not buffer the stream
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.write(`retry: ${this.options.retryMs}\n\n`);

    // Log lines may carry what operators must not all see (ids, addresses, payload excerpts): admins only.
    const logLevel = req.user.isAdmin && req.logLevel ? req.logLevel : null;
    const openedAt = Date.now();
    const resumed = req.lastEventId !== undefined && req.lastEventId !== '';
    // before since(): an instance that left events out while nobody watched says so at once without Redis
    const unwatch = this.bus.watch();
    const unwant = logLevel && this.logs ? this.logs.want(logLevel) : () => undefined;
    const client: Client = {
      res,
      user: req.user,
      expiresAt: req.expiresAt,
      heartbeat: new PeriodicTask({
        name: 'Live events heartbeat',
        intervalMs: this.options.heartbeatMs,
        logger: this.logger,
        run: () => this.heartbeat(client),
      }),
      logLevel,
      release: () => {
        unwatch();
        unwant();
      },
      lastDepth: null,
      openedAt,
      resumed,
    };
    this.clients.add(client);
    client.heartbeat.start();
    res.on('close', () => this.drop(client));

    let backlog: BufferedEvent[] = [];
    let resync = false;
    if (resumed) {
      const missed = /^\d{1,16}$/.test(req.lastEventId!) ? this.ring.since(Number(req.lastEventId)) : null;
      if (missed) backlog = missed;
      else resync = true;
    }
    // `ready` has no id: it must not move the client's Last-Event-ID. It says which log level a stream that asked for
    // log lines gets (null: not an admin).
    const ready = {
      lastEventId: String(this.ring.lastId),
      replayed: backlog.length,
      ...(req.logLevel ? { logLevel } : {}),
    };
    this.write(client, `event: ready\ndata: ${JSON.stringify(ready)}\n\n`);
    if (resync) this.resync(client, 'EVENTS_UNKNOWN');
    for (const e of backlog) this.send(client, e);
  }

  private send(c: Client, e: BufferedEvent): void {
    if (e.type === 'log' && (c.logLevel === null || LEVEL_RANK[e.data.level] < LEVEL_RANK[c.logLevel])) return;
    if (e.type === 'queue.depth') {
      const d = e.data;
      const key = `${d.waiting}/${d.active}/${d.delayed}/${d.failed}`;
      if (key === c.lastDepth) return;
      c.lastDepth = key;
    }
    this.write(c, `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
  }

  private write(c: Client, text: string): void {
    if (c.res.writableEnded || c.res.destroyed) return this.drop(c);
    if (c.res.writableLength > this.options.maxBacklogBytes) {
      this.logger.warn({ userId: c.user.id }, 'Live events: client too slow, disconnected');
      c.res.destroy();
      return this.drop(c);
    }
    c.res.write(text);
  }

  private async heartbeat(c: Client): Promise<void> {
    if (c.expiresAt !== null && Date.now() >= c.expiresAt) return this.end(c, 'token_expired');
    try {
      const session = await this.sessions.findLive(c.user.sessionId);
      if (!session?.user?.isActive) return this.end(c, 'session_ended');
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'Live events: session check failed; stream kept');
    }
    this.write(c, `: heartbeat ${new Date().toISOString()}\n\n`);
  }

  private end(c: Client, reason: 'token_expired' | 'session_ended' | 'shutdown'): void {
    this.write(c, `event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    c.res.end();
    this.drop(c);
  }

  private drop(c: Client): void {
    void c.heartbeat.stop();
    c.release();
    this.clients.delete(c);
  }

  /**
   * Open streams would keep the HTTP server from closing: end them, then wait for the heartbeats under way (a session
   * check would read a closed database and log after the logger closed).
   */
  async onModuleDestroy(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    const clients = [...this.clients];
    for (const c of clients) this.end(c, 'shutdown');
    await Promise.all(clients.map((c) => c.heartbeat.stop()));
  }
}
