import type { Logger } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import type { HubConnection } from './onebot.hub';
import { ActionError, RETCODE } from './onebot.types';
import type { ActionRequest, ActionResponse, ClientInfo, OneBotEvent } from './onebot.types';

/**
 * What a client may leave unread before it is dropped: more than this in the socket's send buffer means it stopped
 * reading (or reads far slower than events come), and keeping it would only grow the buffer.
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** ws's WebSocket.OPEN. */
const OPEN = 1;

/** What a session needs of a WebSocket (ws's WebSocket; a plain fake in tests). */
export interface SessionSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string, cb: (err?: Error | null) => void): void;
  terminate(): void;
}

/** The actions' entry point (OneBotActions). */
export interface ActionHandler {
  handle(robotId: number, req: ActionRequest, client: ClientInfo): Promise<ActionResponse>;
}

export interface WsSessionOptions {
  socket: SessionSocket;
  conn: HubConnection;
  actions: ActionHandler;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Default MAX_BUFFERED_BYTES. */
  maxBufferedBytes?: number;
}

/** A failed answer in the standard shape. */
export function failed(retcode: number, message: string, echo?: unknown): ActionResponse {
  return { status: 'failed', retcode, data: null, message, wording: message, ...(echo !== undefined ? { echo } : {}) };
}

/**
 * An action call as a client sent it (JSON text over a WebSocket): `{action, params, echo}`, or the failed answer
 * (1400) when it is not one.
 */
export function parseActionRequest(text: string): ActionRequest | ActionResponse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return failed(RETCODE.BAD_REQUEST, 'the message is not JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return failed(RETCODE.BAD_REQUEST, 'the message must be a JSON object {action, params, echo}');
  const { action, params, echo } = value as Record<string, unknown>;
  if (typeof action !== 'string' || action === '') return failed(RETCODE.BAD_REQUEST, 'action must be a string', echo);
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params)))
    return failed(RETCODE.BAD_REQUEST, 'params must be an object', echo);
  return { action, params: (params as Record<string, unknown> | null) ?? {}, ...(echo !== undefined ? { echo } : {}) };
}

/** Runs one action and answers it in the standard shape, whatever the handler does (throws included). */
export async function runAction(
  actions: ActionHandler,
  robotId: number,
  req: ActionRequest,
  client: ClientInfo,
): Promise<ActionResponse> {
  let res: ActionResponse;
  try {
    res = await actions.handle(robotId, req, client);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    res = failed(err instanceof ActionError ? err.retcode : RETCODE.FAILED, message);
  }
  return req.echo !== undefined && res.echo === undefined ? { ...res, echo: req.echo } : res;
}

/**
 * One WebSocket connection of a robot (forward or reverse): pushes events without ever waiting for the client (a
 * client that stops reading is dropped), runs the client's actions concurrently (a slow action never holds up the
 * next message), sends the heartbeat.
 */
export class WsSession {
  private closed = false;
  private heartbeat?: PeriodicTask;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: WsSessionOptions) {}

  get conn(): HubConnection {
    return this.o.conn;
  }

  /** Sends a text frame now, or drops the client when it does not keep up; never waits, never throws. */
  send(json: string): void {
    const { socket } = this.o;
    if (this.closed || socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > (this.o.maxBufferedBytes ?? MAX_BUFFERED_BYTES))
      return this.drop('its send buffer is full (it stopped reading)');
    try {
      socket.send(json, (err) => {
        // a send that fails on a socket already closing is the close, not a slow client
        if (err && socket.readyState === OPEN) this.drop(err.message);
      });
    } catch (err) {
      this.drop(err instanceof Error ? err.message : String(err));
    }
  }

  /** A text message from the client: an action, answered when it is done (each runs on its own). */
  receive(text: string): void {
    if (this.closed || this.o.conn.spec.role === 'event') return;
    const parsed = parseActionRequest(text);
    if ('status' in parsed) {
      this.o.conn.countAction();
      return this.send(JSON.stringify(parsed));
    }
    const p = runAction(this.o.actions, this.o.conn.robotId, parsed, this.o.conn.info).then((res) => {
      this.o.conn.countAction();
      this.send(JSON.stringify(res));
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Sends a heartbeat every `intervalMs` (none for 0) made by `beat` (the robot's online state is read each time). */
  startHeartbeat(intervalMs: number, beat: () => Promise<OneBotEvent>): void {
    if (!(intervalMs > 0) || this.closed) return;
    this.heartbeat = new PeriodicTask({
      name: `OneBot heartbeat ${this.o.conn.info.id}`,
      intervalMs,
      logger: this.o.logger,
      run: async () => {
        const event = await beat();
        if (!this.closed) this.send(JSON.stringify(event));
      },
    }).start();
  }

  /** The connection closed: no more sends; resolves once the heartbeat is stopped and the actions answered. */
  async end(): Promise<void> {
    this.closed = true;
    await this.heartbeat?.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  private drop(why: string): void {
    if (this.closed) return;
    this.closed = true;
    const { info } = this.o.conn;
    this.o.logger.warn(
      { robotId: this.o.conn.robotId, client: info.id, remote: info.remote, reason: why },
      'OneBot client dropped: it does not keep up',
    );
    this.o.conn.error(
      'ONEBOT_CLIENT_TOO_SLOW',
      { remote: info.remote },
      `Client ${info.remote} read too slowly and was dropped`,
    );
    void this.heartbeat?.stop();
    this.o.socket.terminate();
  }
}
