import { SendGovernor } from '../sending/send-governor';
import { MAX_ERRORS, OneBotHub } from './onebot.hub';
import type { HubConnectionSpec } from './onebot.hub';
import type { ClientRole, OneBotEvent } from './onebot.types';

const event = (n: number): OneBotEvent => ({ time: n, self_id: 1, post_type: 'message', message_id: n });

function client(
  hub: OneBotHub,
  robotId: number,
  role: ClientRole = 'universal',
  extra: Partial<HubConnectionSpec> = {},
) {
  const got: string[] = [];
  const conn = hub.register({
    robotId,
    info: { id: `c${Math.random()}`, transport: 'forward-ws', remote: '127.0.0.1:1', tokenName: 'bot' },
    role,
    state: 'connected',
    push: (_e, json) => got.push(json),
    ...extra,
  });
  return { conn, got };
}

describe('OneBotHub', () => {
  let hub: OneBotHub;
  let now: number;
  beforeEach(() => {
    now = 1_000_000;
    hub = new OneBotHub();
    hub.now = () => now;
  });

  it("delivers an event to every event-taking connection of the robot, serialised once, and to no other robot's", () => {
    const a = client(hub, 1);
    const b = client(hub, 1, 'event');
    const api = client(hub, 1, 'api');
    const other = client(hub, 2);
    hub.deliver(1, event(7));
    expect(a.got).toEqual([JSON.stringify(event(7))]);
    expect(b.got).toEqual(a.got);
    expect(api.got).toEqual([]);
    expect(other.got).toEqual([]);
    expect(a.conn.eventsSent).toBe(1);
    expect(hub.status(1).eventsPerMinute).toBe(1);
  });

  it('skips connections that are not connected and keeps delivering past one whose push throws', () => {
    client(hub, 1, 'universal', {
      push: () => {
        throw new Error('boom');
      },
    });
    const connecting = client(hub, 1, 'universal', { state: 'connecting' });
    const ok = client(hub, 1);
    hub.deliver(1, event(1));
    expect(connecting.got).toEqual([]);
    expect(ok.got).toHaveLength(1);
  });

  it('hands every event to the sinks (HTTP POST) with the same JSON', () => {
    const seen: [number, string][] = [];
    const remove = hub.addSink((robotId, _e, json) => seen.push([robotId, json]));
    hub.deliver(3, event(2));
    remove();
    hub.deliver(3, event(3));
    expect(seen).toEqual([[3, JSON.stringify(event(2))]]);
  });

  it('forgets an unregistered connection', () => {
    const a = client(hub, 1);
    hub.unregister(a.conn);
    hub.deliver(1, event(1));
    expect(a.got).toEqual([]);
    expect(hub.status(1).clients).toEqual([]);
  });

  it('counts events and actions over the last 60 seconds only', () => {
    const a = client(hub, 1);
    hub.deliver(1, event(1));
    a.conn.countAction();
    a.conn.countAction();
    now += 30_000;
    hub.deliver(1, event(2));
    expect(hub.status(1)).toMatchObject({ eventsPerMinute: 2, actionsPerMinute: 2 });
    now += 31_000;
    expect(hub.status(1)).toMatchObject({ eventsPerMinute: 1, actionsPerMinute: 0 });
    expect(a.conn.actions).toBe(2);
  });

  it('lists the clients with their state, role, counters and last error', () => {
    const a = client(hub, 1, 'event');
    a.conn.error('ONEBOT_CLIENT_TOO_SLOW', { remote: '127.0.0.1:1' }, 'Client 127.0.0.1:1 read too slowly');
    const [c] = hub.status(1).clients;
    expect(c).toEqual({
      id: a.conn.info.id,
      transport: 'forward-ws',
      role: 'event',
      remote: '127.0.0.1:1',
      state: 'connected',
      connectedAt: new Date(now).toISOString(),
      tokenName: 'bot',
      eventsSent: 0,
      actions: 0,
      lastError: expect.objectContaining({ code: 'ONEBOT_CLIENT_TOO_SLOW', params: { remote: '127.0.0.1:1' } }),
    });
    a.conn.setState('failing');
    expect(hub.status(1).clients[0]).toMatchObject({ state: 'failing', connectedAt: null });
  });

  it('counts refused callers and keeps the last errors newest first, at most MAX_ERRORS', () => {
    hub.authFailed(1, '10.0.0.1:5', 'missing');
    for (let i = 0; i < MAX_ERRORS + 5; i++)
      hub.recordError(1, 'ONEBOT_REVERSE_CLOSED', { url: 'ws://x', code: i }, 'x');
    const s = hub.status(1);
    expect(s.authFailures).toBe(1);
    expect(s.lastErrors).toHaveLength(MAX_ERRORS);
    expect(s.lastErrors[0].params).toEqual({ url: 'ws://x', code: MAX_ERRORS + 4 });
    hub.authFailed(2, '10.0.0.1:5', 'missing');
    expect(hub.status(2).lastErrors[0]).toMatchObject({
      code: 'ONEBOT_AUTH_REFUSED_MISSING',
      params: { remote: '10.0.0.1:5' },
    });
  });

  it("reports the robot's send backlog from the governor", () => {
    const governor = { report: () => [{ robotId: 4, queued: 3, sent: 0, delayed: 0, totalDelayMs: 0 }] };
    const h = new OneBotHub(governor as unknown as SendGovernor);
    expect(h.status(4)).toMatchObject({ robotId: 4, sendBacklog: 3 });
    expect(h.status(5).sendBacklog).toBe(0);
  });
});
