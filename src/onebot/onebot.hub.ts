import { Injectable, Optional } from '@nestjs/common';
import type { MessageParams, NoticeCode } from '../common/message-codes';
import { SendGovernor } from '../sending/send-governor';
import type { OneBotClientDto, OneBotErrorDto, OneBotStatusResponseDto } from './dto/onebot-settings.dto';
import type { ClientInfo, ClientRole, OneBotEvent } from './onebot.types';

/** Why a OneBot client was refused: no token, a wrong one, one without the onebot scope, one for other robots. */
export type RefusalReason = 'missing' | 'invalid' | 'scope' | 'robot';

/** The robot's last error for each refusal (the console has its own words for each). */
const REFUSAL_CODES: Record<RefusalReason, NoticeCode> = {
  missing: 'ONEBOT_AUTH_REFUSED_MISSING',
  invalid: 'ONEBOT_AUTH_REFUSED_INVALID',
  scope: 'ONEBOT_AUTH_REFUSED_SCOPE',
  robot: 'ONEBOT_AUTH_REFUSED_ROBOT',
};
/** The last errors kept per robot (the console shows them newest first). */
export const MAX_ERRORS = 20;
/** The window of eventsPerMinute / actionsPerMinute. */
const WINDOW_S = 60;

export type ConnectionState = 'connected' | 'connecting' | 'failing';

/** What a transport registers with the hub: one connection (or one configured target). */
export interface HubConnectionSpec {
  robotId: number;
  info: ClientInfo;
  role: ClientRole;
  /** Where the connection starts: a forward WebSocket is connected, a reverse one is connecting. */
  state: ConnectionState;
  /**
   * Pushes one event (already serialised: `json`); must neither throw nor wait. Absent for connections that never
   * take events (the HTTP API, `api` WebSockets) and for targets that take them through a sink (HTTP POST).
   */
  push?(event: OneBotEvent, json: string): void;
}

/** A registered connection: its counters and state, kept up to date by its transport. */
export class HubConnection {
  state: ConnectionState;
  connectedAt: Date | null;
  eventsSent = 0;
  actions = 0;
  lastError: OneBotErrorDto | null = null;

  constructor(
    readonly spec: HubConnectionSpec,
    private readonly hub: OneBotHub,
  ) {
    this.state = spec.state;
    this.connectedAt = spec.state === 'connected' ? new Date(hub.now()) : null;
  }

  get robotId(): number {
    return this.spec.robotId;
  }

  get info(): ClientInfo {
    return this.spec.info;
  }

  /** Takes events: universal and event connections that can be pushed to. */
  get takesEvents(): boolean {
    return !!this.spec.push && this.spec.role !== 'api';
  }

  setState(state: ConnectionState): void {
    if (state === 'connected' && this.state !== 'connected') this.connectedAt = new Date(this.hub.now());
    if (state !== 'connected') this.connectedAt = null;
    this.state = state;
  }

  /** An action this connection called was answered. */
  countAction(): void {
    this.actions++;
    this.hub.countAction(this.robotId);
  }

  /** Counts an event that reached the client by a path of its own (HTTP POST). */
  countEvent(): void {
    this.eventsSent++;
  }

  /** Notes an error of this connection: its lastError and the robot's last errors. */
  error(code: NoticeCode, params: MessageParams, message: string): void {
    this.lastError = this.hub.recordError(this.robotId, code, params, message);
  }
}

/** Whoever takes every event of a robot besides the connections (the HTTP POST targets). */
export type EventSink = (robotId: number, event: OneBotEvent, json: string) => void;

interface RobotCounters {
  events: Map<number, number>;
  actions: Map<number, number>;
  authFailures: number;
  errors: OneBotErrorDto[];
}

/**
 * The connections of this instance (forward and reverse WebSockets, HTTP POST targets, HTTP API callers) per robot:
 * delivers events to them (a client that does not keep up is dropped), counts events and actions, keeps the last
 * errors. PART transports.
 */
@Injectable()
export class OneBotHub {
  private readonly connections = new Map<number, Set<HubConnection>>();
  private readonly counters = new Map<number, RobotCounters>();
  private readonly sinks = new Set<EventSink>();
  /** Whether a robot's OneBot is enabled, as the transports last read its settings. */
  /** The clock (replaceable in tests). */
  now: () => number = Date.now;

  constructor(@Optional() private readonly governor?: SendGovernor) {}

  register(spec: HubConnectionSpec): HubConnection {
    const conn = new HubConnection(spec, this);
    let set = this.connections.get(spec.robotId);
    if (!set) this.connections.set(spec.robotId, (set = new Set()));
    set.add(conn);
    return conn;
  }

  unregister(conn: HubConnection): void {
    const set = this.connections.get(conn.robotId);
    set?.delete(conn);
    if (set?.size === 0) this.connections.delete(conn.robotId);
  }

  /** The robot's connections on this instance. */
  list(robotId: number): HubConnection[] {
    return [...(this.connections.get(robotId) ?? [])];
  }

  /** Adds a taker of every event (HTTP POST); returns the function that removes it. */
  addSink(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Delivers an event to the robot's clients on this instance; never waits for one. */
  deliver(robotId: number, event: OneBotEvent): void {
    let json: string | null = null;
    const text = () => (json ??= JSON.stringify(event));
    let delivered = false;
    for (const conn of this.connections.get(robotId) ?? []) {
      if (!conn.takesEvents || conn.state !== 'connected') continue;
      try {
        conn.spec.push!(event, text());
        conn.eventsSent++;
        delivered = true;
      } catch {
        // a transport's push never throws; one that does must not keep the event from the others
      }
    }
    for (const sink of this.sinks) {
      try {
        sink(robotId, event, text());
      } catch {
        // as above
      }
    }
    if (delivered || this.sinks.size) this.bump(this.robot(robotId).events);
  }

  countAction(robotId: number): void {
    this.bump(this.robot(robotId).actions);
  }

  /** A refused handshake or HTTP call: counted, and listed with the remote and why. */
  authFailed(robotId: number | null, remote: string, reason: RefusalReason): void {
    if (robotId === null) return;
    const c = this.robot(robotId);
    c.authFailures++;
    this.recordError(robotId, REFUSAL_CODES[reason], { remote }, `Refused a connection from ${remote}: ${reason}`);
  }

  recordError(robotId: number, code: NoticeCode, params: MessageParams, message: string): OneBotErrorDto {
    const error: OneBotErrorDto = { at: new Date(this.now()).toISOString(), code, params, message };
    const errors = this.robot(robotId).errors;
    errors.unshift(error);
    if (errors.length > MAX_ERRORS) errors.length = MAX_ERRORS;
    return error;
  }

  /** The robot's figures on this instance (whether its OneBot is enabled is the settings' to say: OneBotStatusService). */
  status(robotId: number): Omit<OneBotStatusResponseDto, 'enabled'> {
    const c = this.robot(robotId);
    return {
      robotId,
      clients: this.list(robotId).map(toClientDto),
      eventsPerMinute: this.windowSum(c.events),
      actionsPerMinute: this.windowSum(c.actions),
      authFailures: c.authFailures,
      sendBacklog: this.governor?.report().find((s) => s.robotId === robotId)?.queued ?? 0,
      lastErrors: c.errors.map((e) => ({ ...e, params: { ...e.params } })),
    };
  }

  /** Forgets a deleted robot's counters (its connections are closed by their transports). */
  forget(robotId: number): void {
    this.counters.delete(robotId);
  }

  private robot(robotId: number): RobotCounters {
    let c = this.counters.get(robotId);
    if (!c) this.counters.set(robotId, (c = { events: new Map(), actions: new Map(), authFailures: 0, errors: [] }));
    return c;
  }

  /** Counts one in the current second's bucket, dropping the buckets that left the window. */
  private bump(buckets: Map<number, number>): void {
    const second = Math.floor(this.now() / 1000);
    buckets.set(second, (buckets.get(second) ?? 0) + 1);
    for (const s of buckets.keys()) if (s <= second - WINDOW_S) buckets.delete(s);
  }

  private windowSum(buckets: Map<number, number>): number {
    const since = Math.floor(this.now() / 1000) - WINDOW_S;
    let sum = 0;
    for (const [s, n] of buckets) if (s > since) sum += n;
    return sum;
  }
}

function toClientDto(c: HubConnection): OneBotClientDto {
  return {
    id: c.info.id,
    transport: c.info.transport,
    role: c.spec.role,
    remote: c.info.remote,
    state: c.state,
    connectedAt: c.connectedAt?.toISOString() ?? null,
    tokenName: c.info.tokenName,
    eventsSent: c.eventsSent,
    actions: c.actions,
    lastError: c.lastError,
  };
}
