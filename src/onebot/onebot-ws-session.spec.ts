import { OneBotHub } from './onebot.hub';
import type { ClientRole } from './onebot.types';
import { ActionError } from './onebot.types';
import type { ActionRequest, ActionResponse } from './onebot.types';
import { ActionHandler, parseActionRequest, SessionSocket, WsSession } from './onebot-ws-session';

/** A socket that records what was sent and lets the test say how much is still unread. */
class FakeSocket implements SessionSocket {
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  terminated = false;
  failNextSend: Error | null = null;
  send(data: string, cb: (err?: Error | null) => void): void {
    this.sent.push(data);
    const err = this.failNextSend;
    this.failNextSend = null;
    cb(err);
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
}

/** Actions the test answers by hand: each call waits until the test resolves it. */
class ManualActions implements ActionHandler {
  calls: { req: ActionRequest; resolve: (r: ActionResponse) => void; reject: (e: Error) => void }[] = [];
  handle(_robotId: number, req: ActionRequest): Promise<ActionResponse> {
    return new Promise((resolve, reject) => this.calls.push({ req, resolve, reject }));
  }
}

const flush = () => new Promise((r) => setImmediate(r));
const logger = { warn: jest.fn(), error: jest.fn() };

function setup(role: ClientRole = 'universal', maxBufferedBytes?: number) {
  const hub = new OneBotHub();
  const socket = new FakeSocket();
  const actions = new ManualActions();
  const holder: { session?: WsSession } = {};
  const conn = hub.register({
    robotId: 1,
    info: { id: 'fws-1', transport: 'forward-ws', remote: '127.0.0.1:9', tokenName: 'bot' },
    role,
    state: 'connected',
    push: (_e, json) => holder.session?.send(json),
  });
  const session = new WsSession({ socket, conn, actions, logger, maxBufferedBytes });
  holder.session = session;
  return { hub, socket, actions, session, conn };
}

describe('parseActionRequest', () => {
  it('reads {action, params, echo}', () => {
    expect(parseActionRequest('{"action":"get_status","params":{"a":1},"echo":"e1"}')).toEqual({
      action: 'get_status',
      params: { a: 1 },
      echo: 'e1',
    });
    expect(parseActionRequest('{"action":"get_status"}')).toEqual({ action: 'get_status', params: {} });
  });

  it('answers 1400 to what is not an action call, keeping the echo when there is one', () => {
    expect(parseActionRequest('{not json')).toMatchObject({ status: 'failed', retcode: 1400 });
    expect(parseActionRequest('[1]')).toMatchObject({ retcode: 1400 });
    expect(parseActionRequest('{"params":{},"echo":5}')).toMatchObject({ retcode: 1400, echo: 5 });
    expect(parseActionRequest('{"action":"x","params":[1]}')).toMatchObject({ retcode: 1400 });
  });
});

describe('WsSession', () => {
  it('answers each action with its echo, concurrently: a slow action does not hold up the next', async () => {
    const { socket, actions, session, conn } = setup();
    session.receive('{"action":"slow","echo":1}');
    session.receive('{"action":"fast","echo":2}');
    await flush();
    expect(actions.calls.map((c) => c.req.action)).toEqual(['slow', 'fast']);
    actions.calls[1].resolve({ status: 'ok', retcode: 0, data: 'f' });
    await flush();
    expect(socket.sent.map((s) => JSON.parse(s))).toEqual([{ status: 'ok', retcode: 0, data: 'f', echo: 2 }]);
    actions.calls[0].resolve({ status: 'ok', retcode: 0, data: 's', echo: 1 });
    await flush();
    expect(JSON.parse(socket.sent[1])).toEqual({ status: 'ok', retcode: 0, data: 's', echo: 1 });
    expect(conn.actions).toBe(2);
  });

  it('answers invalid JSON with a failed 1400 and an action that throws with its retcode', async () => {
    const { socket, actions, session } = setup();
    session.receive('{oops');
    session.receive('{"action":"send_msg","echo":"x"}');
    session.receive('{"action":"boom","echo":"y"}');
    await flush();
    actions.calls[0].reject(new ActionError(1400, 'message is missing'));
    actions.calls[1].reject(new Error('database down'));
    await flush();
    const answers = socket.sent.map((s) => JSON.parse(s) as ActionResponse);
    expect(answers[0]).toMatchObject({ status: 'failed', retcode: 1400 });
    expect(answers).toContainEqual(
      expect.objectContaining({ retcode: 1400, echo: 'x', message: 'message is missing' }),
    );
    expect(answers).toContainEqual(expect.objectContaining({ retcode: 100, echo: 'y', message: 'database down' }));
  });

  it('ignores actions on an event-only connection', async () => {
    const { socket, actions, session } = setup('event');
    session.receive('{"action":"get_status"}');
    await flush();
    expect(actions.calls).toEqual([]);
    expect(socket.sent).toEqual([]);
  });

  it('drops a client whose send buffer passed the limit, without waiting for it, and says why', () => {
    const { hub, socket } = setup('universal', 1000);
    const event = { time: 1, self_id: 1, post_type: 'message' as const };
    hub.deliver(1, event);
    expect(socket.sent).toHaveLength(1);
    socket.bufferedAmount = 5000; // it stopped reading
    hub.deliver(1, event);
    expect(socket.terminated).toBe(true);
    expect(socket.sent).toHaveLength(1);
    expect(hub.status(1).lastErrors[0]).toMatchObject({
      code: 'ONEBOT_CLIENT_TOO_SLOW',
      params: { remote: '127.0.0.1:9' },
    });
    expect(logger.warn).toHaveBeenCalled();
    hub.deliver(1, event); // nothing more is sent to it
    expect(socket.sent).toHaveLength(1);
  });

  it('drops a client whose send fails, but not one that is closing anyway', () => {
    const a = setup();
    a.socket.failNextSend = new Error('write EPIPE');
    a.session.send('{}');
    expect(a.socket.terminated).toBe(true);
    const b = setup();
    b.socket.readyState = 2; // closing
    b.session.send('{}');
    expect(b.socket.sent).toEqual([]);
    expect(b.socket.terminated).toBe(false);
  });

  it('sends heartbeats on its interval until it ends', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const { socket, session } = setup();
      let n = 0;
      session.startHeartbeat(1000, () =>
        Promise.resolve({ time: ++n, self_id: 1, post_type: 'meta_event' as const, meta_event_type: 'heartbeat' }),
      );
      jest.advanceTimersByTime(1000);
      await flush();
      jest.advanceTimersByTime(1000);
      await flush();
      expect(socket.sent.map((s) => (JSON.parse(s) as { time: number }).time)).toEqual([1, 2]);
      await session.end();
      jest.advanceTimersByTime(5000);
      await flush();
      expect(socket.sent).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
