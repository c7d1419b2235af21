import { Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { MemoryRobotStateStore } from '../coordination/memory-state.store';
import type { RobotService } from '../robot/robot.service';
import type { OneBotActions } from './onebot.actions';
import type { OneBotHttpPost } from './onebot-http-post';
import type { OneBotIdStore } from './onebot-ids.service';
import { OneBotHub } from './onebot.hub';
import { OneBotReverseWs, outboundLock } from './onebot-reverse';
import type { OneBotSettingsService } from './onebot-settings.service';
import { DEFAULT_SETTINGS } from './onebot.types';
import type { HttpPostTarget, IdMapper, OneBotSettings } from './onebot.types';
import { waitFor } from '../../test/support/wait';

// the meta events are another part's; here only their place in the stream matters
jest.mock('./onebot-events', () => ({
  metaEvent: (selfId: unknown, type: string, detail: { subType?: string }) => ({
    time: 1,
    self_id: selfId,
    post_type: 'meta_event',
    meta_event_type: type,
    ...(detail.subType ? { sub_type: detail.subType } : {}),
  }),
}));

class FakeSettings {
  listener?: (robotId: number, s: OneBotSettings | null) => void;
  constructor(public list: OneBotSettings[]) {}
  enabled = () => Promise.resolve(this.list);
  onChange = (l: (robotId: number, s: OneBotSettings | null) => void) => {
    this.listener = l;
    return () => (this.listener = undefined);
  };
}

class FakeHttpPost {
  targets = new Map<number, readonly HttpPostTarget[]>();
  configure(robotId: number, t: readonly HttpPostTarget[]): void {
    if (t.length) this.targets.set(robotId, t);
    else this.targets.delete(robotId);
  }
}

const settings = (s: Partial<OneBotSettings>): OneBotSettings => ({
  ...DEFAULT_SETTINGS,
  robotId: 1,
  enabled: true,
  ...s,
});
const POST: HttpPostTarget = { url: 'http://fw/post', secret: null, timeoutMs: 1000 };

function instance(store: MemoryRobotStateStore, id: string, cfg: FakeSettings, wxid: string | null = 'wxid_robot') {
  const hub = new OneBotHub();
  const httpPost = new FakeHttpPost();
  const ids = {
    mapper: () => ({ user: () => Promise.resolve(4242) }) as unknown as IdMapper,
  } as unknown as OneBotIdStore;
  const robots = {
    findById: (rid: number) => Promise.resolve({ id: rid, wxid }),
  } as unknown as RobotService;
  const actions = {
    handle: (_r: number, req: { action: string; echo?: unknown }) =>
      Promise.resolve({ status: 'ok', retcode: 0, data: { action: req.action }, echo: req.echo }),
  } as unknown as OneBotActions;
  const svc = new OneBotReverseWs(
    cfg as unknown as OneBotSettingsService,
    robots,
    ids,
    hub,
    actions,
    store,
    httpPost as unknown as OneBotHttpPost,
    id,
  );
  svc.keepaliveMs = 200;
  return { svc, hub, httpPost };
}

describe('OneBotReverseWs', () => {
  beforeEach(() => {
    for (const level of ['log', 'warn', 'error'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('lets one instance of several post for a robot, and another take over when it stops', async () => {
    const store = new MemoryRobotStateStore();
    const cfg = new FakeSettings([settings({ httpPost: [POST] })]);
    const a = instance(store, 'A', cfg);
    const b = instance(store, 'B', cfg);
    await a.svc.onApplicationBootstrap();
    await a.svc.round();
    await b.svc.onApplicationBootstrap();
    await b.svc.round();
    expect(a.svc.leading()).toEqual([1]);
    expect(a.httpPost.targets.get(1)).toEqual([POST]);
    expect(b.svc.leading()).toEqual([]);
    expect(b.httpPost.targets.size).toBe(0);
    await a.svc.onApplicationShutdown();
    expect(await store.holder(outboundLock(1))).toBeNull();
    await b.svc.round();
    expect(b.svc.leading()).toEqual([1]);
    expect(b.httpPost.targets.get(1)).toEqual([POST]);
    await b.svc.onApplicationShutdown();
  });

  it('stops and lets go of a robot whose OneBot was switched off or that was deleted', async () => {
    const store = new MemoryRobotStateStore();
    const cfg = new FakeSettings([settings({ httpPost: [POST] }), settings({ robotId: 2, httpPost: [POST] })]);
    const a = instance(store, 'A', cfg);
    await a.svc.onApplicationBootstrap();
    await a.svc.round();
    expect(a.svc.leading().sort()).toEqual([1, 2]);
    cfg.listener!(1, settings({ enabled: false, httpPost: [POST] }));
    cfg.listener!(2, null);
    await a.svc.round();
    expect(a.svc.leading()).toEqual([]);
    expect(a.httpPost.targets.size).toBe(0);
    expect(await store.holder(outboundLock(1))).toBeNull();
    await a.svc.onApplicationShutdown();
  });

  it('dials a reverse WebSocket with the OneBot headers, sends the lifecycle event and answers actions', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as AddressInfo).port;
    const conns: { ws: WebSocket; req: IncomingMessage; got: unknown[] }[] = [];
    wss.on('connection', (ws, req) => {
      const c = { ws, req, got: [] as unknown[] };
      conns.push(c);
      ws.on('message', (d: Buffer) => c.got.push(JSON.parse(d.toString())));
    });
    const store = new MemoryRobotStateStore();
    const target = { url: `ws://127.0.0.1:${port}/onebot/v11/ws`, accessToken: 'tok', reconnectIntervalMs: 500 };
    const a = instance(store, 'A', new FakeSettings([settings({ reverseWs: [target], heartbeatIntervalMs: 0 })]));
    try {
      await a.svc.onApplicationBootstrap();
      await a.svc.round();
      const c = await waitFor(() => conns[0] ?? null, 10_000, 'the reverse connection');
      expect(c.req.headers).toMatchObject({
        'x-self-id': '4242',
        'x-client-role': 'Universal',
        authorization: 'Bearer tok',
      });
      expect(c.req.headers['user-agent']).toMatch(/^OpenGewe\//);
      await waitFor(() => c.got.length >= 1 || null, 10_000, 'the lifecycle event');
      expect(c.got[0]).toMatchObject({ post_type: 'meta_event', meta_event_type: 'lifecycle', sub_type: 'connect' });
      c.ws.send(JSON.stringify({ action: 'get_status', params: {}, echo: 'e' }));
      await waitFor(() => c.got.length >= 2 || null, 10_000, 'the answer');
      expect(c.got[1]).toEqual({ status: 'ok', retcode: 0, data: { action: 'get_status' }, echo: 'e' });
      expect(a.hub.status(1).clients[0]).toMatchObject({ transport: 'reverse-ws', state: 'connected', actions: 1 });
      // the framework goes away: the robot dials again
      c.ws.close(1000);
      await waitFor(() => conns[1] ?? null, 10_000, 'the reconnection');
      expect(a.hub.status(1).lastErrors[0]).toMatchObject({
        code: 'ONEBOT_REVERSE_CLOSED',
        params: { url: target.url, code: 1000 },
      });
    } finally {
      await a.svc.onApplicationShutdown();
      await new Promise((r) => wss.close(r));
    }
  });

  it('drops a target that answers no ping (a framework gone without closing) and dials it again', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as AddressInfo).port;
    const conns: WebSocket[] = [];
    wss.on('connection', (ws) => {
      conns.push(ws);
      // the first connection stops reading: it never sees the pings, so it never answers them
      if (conns.length === 1) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    });
    const store = new MemoryRobotStateStore();
    const target = { url: `ws://127.0.0.1:${port}/onebot/v11/ws`, accessToken: null, reconnectIntervalMs: 500 };
    const a = instance(store, 'A', new FakeSettings([settings({ reverseWs: [target], heartbeatIntervalMs: 0 })]));
    try {
      await a.svc.onApplicationBootstrap();
      await a.svc.round();
      await waitFor(() => conns[1] ?? null, 30_000, 'the second connection, after the silent one was dropped');
      expect(a.hub.status(1).lastErrors[0]).toMatchObject({
        code: 'ONEBOT_REVERSE_CLOSED',
        params: { url: target.url },
      });
    } finally {
      await a.svc.onApplicationShutdown();
      for (const ws of conns) ws.terminate();
      await new Promise((r) => wss.close(r));
    }
  });

  it('does not dial for a robot that never logged in, and says why with its own code', async () => {
    const store = new MemoryRobotStateStore();
    const target = { url: 'ws://127.0.0.1:9/onebot/v11/ws', accessToken: null, reconnectIntervalMs: 500 };
    const cfg = new FakeSettings([settings({ reverseWs: [target] })]);
    const a = instance(store, 'A', cfg, null);
    try {
      await a.svc.onApplicationBootstrap();
      await a.svc.round();
      const error = await waitFor(() => a.hub.status(1).lastErrors[0] ?? null, 10_000, 'the error');
      expect(error).toMatchObject({ code: 'ONEBOT_REVERSE_NO_WXID', params: { url: target.url } });
    } finally {
      await a.svc.onApplicationShutdown();
    }
  });
});
