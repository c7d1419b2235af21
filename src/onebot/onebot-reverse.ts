import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { WebSocket } from 'ws';
import { INSTANCE_ID } from '../common/instance-id';
import type { MessageParams, NoticeCode } from '../common/message-codes';
import { PACKAGE } from '../common/package-info';
import { PeriodicTask } from '../common/periodic-task';
import { RobotStateStore } from '../coordination/robot-state.store';
import { isRefusedHost, outboundLookup } from '../net/outbound-url-policy';
import { RobotService } from '../robot/robot.service';
import { metaEvent } from './onebot-events';
import { OneBotHttpPost } from './onebot-http-post';
import { OneBotIdStore } from './onebot-ids.service';
import { OneBotSettingsService } from './onebot-settings.service';
import { OneBotActions } from './onebot.actions';
import { HubConnection, OneBotHub } from './onebot.hub';
import type { OneBotSettings, ReverseWsTarget } from './onebot.types';
import { heartbeat, KEEPALIVE_MS, rawText, selfIdOf } from './onebot-ws.server';
import { WsSession } from './onebot-ws-session';

/** The lock whose holder dials a robot's reverse WebSockets and posts its events (one instance per robot). */
export const outboundLock = (robotId: number) => `onebot:${robotId}`;
/** How often the locks are taken or extended (and lost robots let go); they live three times as long. */
export const LOCK_RENEW_MS = 10_000;
const LOCK_TTL_MS = LOCK_RENEW_MS * 3;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const MAX_PAYLOAD = 16 * 1024 * 1024;

/** A robot has outbound work: OneBot on, with reverse WebSockets or HTTP POST targets. */
const hasOutbound = (s: OneBotSettings | null): s is OneBotSettings =>
  !!s && s.enabled && (s.reverseWs.length > 0 || s.httpPost.length > 0);

/** What decides a robot's dialers: when it changes they are restarted (the self id depends on the id mode). */
const dialKey = (s: OneBotSettings) => JSON.stringify([s.idMode, s.heartbeatIntervalMs, s.reverseWs]);

interface DialerDeps {
  hub: OneBotHub;
  actions: OneBotActions;
  robots: RobotService;
  ids: OneBotIdStore;
  state: RobotStateStore;
  logger: Logger;
  /** Ping interval of a connected target; one that did not answer the previous ping is dropped and dialed again. */
  keepaliveMs: number;
}

/** The robot would not dial (not logged in yet, an address the outbound policy refuses): a code of its own. */
class DialRefused extends Error {
  constructor(
    readonly code: NoticeCode,
    readonly params: MessageParams,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One reverse WebSocket target of a robot: dials it, and after a close or a failed attempt dials again after the
 * target's reconnect interval. Listed in the hub as long as it is configured (connecting, connected or failing).
 */
export class ReverseDialer {
  private ws?: WebSocket;
  private session?: WsSession;
  private keepalive?: PeriodicTask;
  /** The one-shot timer of the next attempt (a reconnection delay, not a loop); cleared by stop(). */
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Failed attempts in a row: only the first of a streak is listed as an error. */
  private failures = 0;
  readonly conn: HubConnection;

  constructor(
    readonly robotId: number,
    readonly target: ReverseWsTarget,
    private readonly settings: OneBotSettings,
    id: string,
    private readonly d: DialerDeps,
  ) {
    this.conn = d.hub.register({
      robotId,
      info: { id, transport: 'reverse-ws', remote: target.url, tokenName: null },
      role: 'universal',
      state: 'connecting',
      push: (_event, json) => this.session?.send(json),
    });
  }

  start(): void {
    void this.dial();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.d.hub.unregister(this.conn);
    await this.keepalive?.stop();
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      ws.close(1001, 'configuration changed');
      ws.terminate();
    }
    await this.session?.end();
  }

  private async dial(): Promise<void> {
    if (this.stopped) return;
    const { url, accessToken } = this.target;
    let ws: WebSocket;
    try {
      const robot = await this.d.robots.findById(this.robotId);
      if (!robot) throw new Error('the robot does not exist');
      if (!robot.wxid)
        throw new DialRefused(
          'ONEBOT_REVERSE_NO_WXID',
          { url },
          'the robot has not logged in yet (no wxid for X-Self-ID)',
        );
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      if (isRefusedHost(host))
        throw new DialRefused(
          'ONEBOT_REVERSE_ADDRESS_REFUSED',
          { url, host },
          `the address ${host} is refused by the outbound policy`,
        );
      const selfId = await selfIdOf(this.d.ids, robot, this.settings);
      if (this.stopped) return;
      ws = new WebSocket(url, {
        headers: {
          'X-Self-ID': String(selfId),
          'X-Client-Role': 'Universal',
          'User-Agent': `OpenGewe/${PACKAGE.version}`,
          ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
        },
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        maxPayload: MAX_PAYLOAD,
        lookup: outboundLookup(),
      });
      this.ws = ws;
      this.wire(ws, selfId);
    } catch (err) {
      this.failed(err instanceof Error ? err.message : String(err), err instanceof DialRefused ? err : undefined);
      this.later();
    }
  }

  private wire(ws: WebSocket, selfId: number | string): void {
    let opened = false;
    let lastError = '';
    ws.on('open', () => {
      if (this.stopped) return ws.terminate();
      opened = true;
      this.failures = 0;
      this.conn.setState('connected');
      const session = new WsSession({ socket: ws, conn: this.conn, actions: this.d.actions, logger: this.d.logger });
      this.session = session;
      this.d.logger.log({ robotId: this.robotId, url: this.target.url }, 'OneBot reverse WebSocket connected');
      session.send(JSON.stringify(metaEvent(selfId, 'lifecycle', { subType: 'connect' })));
      const interval = this.settings.heartbeatIntervalMs;
      session.startHeartbeat(interval, () => heartbeat(this.d.state, this.robotId, selfId, interval));
      // a framework that vanished without closing (a dead host, a dropped NAT entry) answers no ping
      let alive = true;
      ws.on('pong', () => (alive = true));
      this.keepalive = new PeriodicTask({
        name: 'OneBot reverse WebSocket keepalive',
        intervalMs: this.d.keepaliveMs,
        logger: this.d.logger,
        run: () => {
          if (!alive) return ws.terminate();
          alive = false;
          if (ws.readyState === WebSocket.OPEN) ws.ping();
        },
      }).start();
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.session?.receive(rawText(data));
    });
    ws.on('error', (err) => (lastError = err.message));
    ws.on('close', (code) => {
      const session = this.session;
      this.session = undefined;
      void this.keepalive?.stop();
      this.keepalive = undefined;
      if (this.ws === ws) this.ws = undefined;
      void session?.end();
      if (this.stopped) return;
      if (opened) {
        this.conn.setState('failing');
        this.conn.error(
          'ONEBOT_REVERSE_CLOSED',
          { url: this.target.url, code },
          `Reverse WebSocket ${this.target.url} closed (code ${code}); reconnecting`,
        );
        this.d.logger.warn({ robotId: this.robotId, url: this.target.url, code }, 'OneBot reverse WebSocket closed');
      } else this.failed(lastError || `closed (code ${code}) before it opened`);
      this.later();
    });
  }

  /** A failed attempt: listed once per failure streak, with the refusal's own code when the robot refused to dial. */
  private failed(reason: string, refused?: DialRefused): void {
    this.conn.setState('failing');
    if (this.failures++ > 0) return;
    if (refused) this.conn.error(refused.code, refused.params, `Reverse WebSocket to ${this.target.url}: ${reason}`);
    else
      this.conn.error(
        'ONEBOT_REVERSE_CONNECT_FAILED',
        { url: this.target.url, reason },
        `Reverse WebSocket to ${this.target.url} failed: ${reason}`,
      );
    this.d.logger.warn({ robotId: this.robotId, url: this.target.url, reason }, 'OneBot reverse WebSocket failed');
  }

  /** Dials again after the target's reconnect interval (a one-shot timer: each attempt schedules the next). */
  private later(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.dial();
    }, this.target.reconnectIntervalMs);
    this.timer.unref();
  }
}

/**
 * The robots' outbound transports: reverse WebSocket clients and (by configuring OneBotHttpPost) HTTP POST targets,
 * for every robot with OneBot enabled and such targets. With several instances only the holder of the robot's
 * `onebot:<id>` lock (in the robot state store) dials and posts; the locks are taken and extended by a periodic
 * round, so when the holder dies another instance takes over within LOCK_TTL_MS. A single instance always holds them.
 * Settings changes (from any instance) restart the robot's dialers.
 */
@Injectable()
export class OneBotReverseWs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OneBotReverseWs');
  /** Robots with outbound work, by their latest settings. */
  private readonly wanted = new Map<number, OneBotSettings>();
  /** Robots whose lock this instance holds, with the dial key their dialers run with. */
  private readonly led = new Map<number, { key: string; dialers: ReverseDialer[] }>();
  private task?: PeriodicTask;
  private unsubscribe?: () => void;
  private seq = 0;
  private rounds: Promise<void> = Promise.resolve();
  /** See DialerDeps.keepaliveMs (shorter in specs). */
  keepaliveMs = KEEPALIVE_MS;

  constructor(
    private readonly settings: OneBotSettingsService,
    private readonly robots: RobotService,
    private readonly ids: OneBotIdStore,
    private readonly hub: OneBotHub,
    private readonly actions: OneBotActions,
    private readonly state: RobotStateStore,
    private readonly httpPost: OneBotHttpPost,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      this.unsubscribe = this.settings.onChange((robotId, s) => this.apply(robotId, s));
      for (const s of await this.settings.enabled()) this.apply(s.robotId, s, false);
    } catch (err) {
      this.logger.error({ err }, 'OneBot: could not read the settings; reverse WebSockets and HTTP POST are off');
    }
    this.task = new PeriodicTask({
      name: 'OneBot outbound locks',
      intervalMs: LOCK_RENEW_MS,
      firstRunAfterMs: 0,
      logger: this.logger,
      run: () => this.round(),
    }).start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.task?.stop();
    for (const robotId of [...this.led.keys()]) await this.letGo(robotId);
  }

  /** A robot's settings changed (null: deleted). */
  apply(robotId: number, s: OneBotSettings | null, now = true): void {
    if (!s) this.hub.forget(robotId);
    if (hasOutbound(s)) this.wanted.set(robotId, s);
    else this.wanted.delete(robotId);
    if (now) void this.task?.trigger();
  }

  /** The robots this instance dials and posts for (tests, status). */
  leading(): number[] {
    return [...this.led.keys()];
  }

  /**
   * One round: takes or extends the lock of every robot with outbound work, starts or restarts what it leads. Rounds
   * run one after the other (the task's, a settings change's, a test's), so a robot never gets two sets of dialers.
   */
  round(): Promise<void> {
    const run = this.rounds.then(() => this.runRound());
    this.rounds = run.catch(() => undefined);
    return run;
  }

  private async runRound(): Promise<void> {
    for (const robotId of [...this.led.keys()]) if (!this.wanted.has(robotId)) await this.letGo(robotId);
    for (const [robotId, s] of this.wanted) {
      let held: boolean;
      try {
        held = await this.state.acquire(outboundLock(robotId), this.instanceId, LOCK_TTL_MS);
      } catch (err) {
        this.logger.warn({ robotId, error: (err as Error).message }, 'OneBot: could not take the outbound lock');
        continue; // keep what runs; the next round tries again
      }
      if (!held) {
        if (this.led.has(robotId)) await this.stopRobot(robotId);
        continue;
      }
      const current = this.led.get(robotId);
      const key = dialKey(s);
      if (!current || current.key !== key) {
        if (current) await this.stopRobot(robotId);
        const dialers = s.reverseWs.map(
          (t) =>
            new ReverseDialer(robotId, t, s, `rws-${++this.seq}`, {
              hub: this.hub,
              actions: this.actions,
              robots: this.robots,
              ids: this.ids,
              state: this.state,
              logger: this.logger,
              keepaliveMs: this.keepaliveMs,
            }),
        );
        this.led.set(robotId, { key, dialers });
        for (const d of dialers) d.start();
      }
      this.httpPost.configure(robotId, s.httpPost);
    }
  }

  private async stopRobot(robotId: number): Promise<void> {
    const current = this.led.get(robotId);
    this.led.delete(robotId);
    this.httpPost.configure(robotId, []);
    await Promise.allSettled((current?.dialers ?? []).map((d) => d.stop()));
  }

  private async letGo(robotId: number): Promise<void> {
    await this.stopRobot(robotId);
    await this.state.release(outboundLock(robotId), this.instanceId).catch(() => undefined);
  }
}
