import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { PeriodicTask } from '../common/periodic-task';
import { RobotStateStore } from '../coordination/robot-state.store';
import type { RobotEntity } from '../robot/robot.entity';
import { OneBotAuth, tokenOf } from './onebot-auth';
import { metaEvent } from './onebot-events';
import { OneBotIdStore } from './onebot-ids.service';
import { OneBotActions } from './onebot.actions';
import { OneBotHub } from './onebot.hub';
import type { ClientRole, OneBotEvent, OneBotId, OneBotSettings } from './onebot.types';
import { WsSession } from './onebot-ws-session';

/** `/onebot/v11/{robot_id}` (universal), `…/api` (actions only) and `…/event` (events only). */
const PATH = /^\/onebot\/v11\/(\d{1,9})(?:\/(api|event))?\/?$/;
/** Ping every client this often; one that did not answer the previous ping is gone. */
export const KEEPALIVE_MS = 30_000;
/** A client frame larger than this is refused (an action call is small; media travel as URLs). */
const MAX_PAYLOAD = 16 * 1024 * 1024;

/** The robot's self_id in its id mode (0 / '' before the robot ever logged in: no wxid yet). */
export async function selfIdOf(ids: OneBotIdStore, robot: RobotEntity, settings: OneBotSettings): Promise<OneBotId> {
  if (!robot.wxid) return settings.idMode === 'alias' ? 0 : '';
  return ids.mapper(robot.id, settings.idMode).user(robot.wxid);
}

/** The heartbeat meta event with the robot's online state as the state store has it now. */
export async function heartbeat(
  state: RobotStateStore,
  robotId: number,
  selfId: OneBotId,
  intervalMs: number,
): Promise<OneBotEvent> {
  const live = await state.get(robotId).catch(() => null);
  return metaEvent(selfId, 'heartbeat', { online: live?.status === 'online', intervalMs });
}

/**
 * The forward WebSocket server: OneBot clients connect to `/onebot/v11/{robot_id}` on the service's own HTTP server
 * (the upgrade is taken there; other paths are left to whoever else listens). Each connection gets the lifecycle
 * event, the robot's events and heartbeats, and answers to its actions. Several clients per robot.
 */
@Injectable()
export class OneBotWsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OneBotWs');
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  private readonly sessions = new Map<WebSocket, WsSession>();
  private readonly alive = new WeakSet<WebSocket>();
  private server?: Server;
  private keepalive?: PeriodicTask;
  private seq = 0;
  private shuttingDown = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: OneBotAuth,
    private readonly hub: OneBotHub,
    private readonly actions: OneBotActions,
    private readonly ids: OneBotIdStore,
    private readonly state: RobotStateStore,
  ) {}

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = PATH.exec(url.pathname);
    if (!m) return; // not ours
    void this.upgrade(req, socket, head, Number(m[1]), (m[2] as ClientRole | undefined) ?? 'universal', url).catch(
      (err: unknown) => {
        this.logger.error({ err }, 'OneBot handshake failed');
        refuse(socket, 500, { code: 'INTERNAL_ERROR', message: 'the handshake failed' });
      },
    );
  };

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    this.server = server;
    server.on('upgrade', this.onUpgrade);
    this.keepalive = new PeriodicTask({
      name: 'OneBot WebSocket keepalive',
      intervalMs: KEEPALIVE_MS,
      logger: this.logger,
      run: () => this.ping(),
    }).start();
  }

  /**
   * Closes every client before the HTTP server closes (its close waits for open connections, and an upgraded socket
   * is one), so a shutdown never waits for OneBot clients to leave.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.server?.off('upgrade', this.onUpgrade);
    await this.keepalive?.stop();
    const ends: Promise<void>[] = [];
    for (const [ws, session] of this.sessions) {
      ends.push(session.end());
      ws.close(1001, 'server shutting down');
      ws.terminate();
    }
    this.sessions.clear();
    await Promise.allSettled(ends);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** The number of forward connections open on this instance. */
  get size(): number {
    return this.sessions.size;
  }

  private async upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    robotId: number,
    role: ClientRole,
    url: URL,
  ): Promise<void> {
    // a client that resets the connection during the checks must not become an unhandled 'error'
    socket.on('error', () => socket.destroy());
    const remote = remoteOf(req);
    const admission = await this.auth.admit(
      robotId,
      'forward-ws',
      tokenOf(req.headers, url.searchParams),
      remote,
      req.socket.remoteAddress ?? null,
    );
    if (!admission.ok) {
      this.logger.warn({ robotId, remote, code: admission.code }, 'OneBot WebSocket handshake refused');
      return refuse(socket, admission.status, { code: admission.code, message: admission.message });
    }
    if (this.shuttingDown || socket.destroyed) return void socket.destroy();
    const { robot, settings, tokenName } = admission;
    const selfId = await selfIdOf(this.ids, robot, settings);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const info = { id: `fws-${++this.seq}`, transport: 'forward-ws' as const, remote, tokenName };
      const conn = this.hub.register({
        robotId,
        info,
        role,
        state: 'connected',
        push: (_event, json) => this.sessions.get(ws)?.send(json),
      });
      const session = new WsSession({ socket: ws, conn, actions: this.actions, logger: this.logger });
      this.sessions.set(ws, session);
      this.alive.add(ws);
      this.logger.log({ robotId, client: info.id, remote, role, token: tokenName }, 'OneBot client connected');
      ws.on('pong', () => this.alive.add(ws));
      ws.on('message', (data, isBinary) => {
        if (!isBinary) session.receive(rawText(data));
      });
      ws.on('error', (err) =>
        this.logger.warn({ robotId, client: info.id, error: err.message }, 'OneBot socket error'),
      );
      ws.on('close', (code) => {
        this.hub.unregister(conn);
        this.sessions.delete(ws);
        void session.end();
        this.logger.log({ robotId, client: info.id, code }, 'OneBot client disconnected');
      });
      if (role !== 'api') session.send(JSON.stringify(metaEvent(selfId, 'lifecycle', { subType: 'connect' })));
      if (role !== 'api')
        session.startHeartbeat(settings.heartbeatIntervalMs, () =>
          heartbeat(this.state, robotId, selfId, settings.heartbeatIntervalMs),
        );
    });
  }

  /** Terminates the clients that did not answer the last ping, and pings the others. */
  private ping(): void {
    for (const ws of this.sessions.keys()) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      try {
        ws.ping();
      } catch {
        // closing already
      }
    }
  }
}

/** Answers a refused upgrade with a plain HTTP response (a JSON body with the code) and closes the socket. */
export function refuse(socket: Duplex, status: number, body: { code: string; message: string }): void {
  if (socket.destroyed) return;
  const text = JSON.stringify({ statusCode: status, ...body });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

export function remoteOf(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? 'unknown';
  return `${a.includes(':') ? `[${a}]` : a}:${req.socket.remotePort ?? 0}`;
}

export function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
