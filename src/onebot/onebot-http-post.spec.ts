import { Logger } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { OneBotActions } from './onebot.actions';
import { OneBotHub } from './onebot.hub';
import { MAX_QUEUE, OneBotHttpPost, PostAnswer, quickOperation, signature } from './onebot-http-post';
import type { ActionRequest, OneBotEvent } from './onebot.types';

const flush = () => new Promise((r) => setImmediate(r));

/** A poster the test answers by hand, in order. */
class FakePoster {
  calls: {
    url: string;
    body: string;
    headers: Record<string, string>;
    resolve: (a: PostAnswer) => void;
    reject: (e: Error) => void;
  }[] = [];
  post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<PostAnswer> {
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      this.calls.push({ url, body, headers, resolve, reject });
    });
  }
}

const message = (n: number, extra: Partial<OneBotEvent> = {}): OneBotEvent => ({
  time: n,
  self_id: 10001,
  post_type: 'message',
  message_type: 'group',
  group_id: 20001,
  user_id: 30001,
  message_id: n,
  ...extra,
});

function setup() {
  const hub = new OneBotHub();
  const poster = new FakePoster();
  const called: ActionRequest[] = [];
  const actions = {
    handle: (_r: number, req: ActionRequest) => (
      called.push(req),
      Promise.resolve({ status: 'ok', retcode: 0, data: null })
    ),
  } as unknown as OneBotActions;
  const post = new OneBotHttpPost(hub, actions, poster);
  post.onModuleInit();
  return { hub, poster, post, called };
}

describe('signature', () => {
  it('is sha1= and the hex HMAC-SHA1 of the body with the secret', () => {
    const body = '{"post_type":"message"}';
    expect(signature(body, 's3cret')).toBe(`sha1=${createHmac('sha1', 's3cret').update(body).digest('hex')}`);
    expect(signature(body, 's3cret')).toMatch(/^sha1=[0-9a-f]{40}$/);
  });
});

describe('quickOperation', () => {
  it('turns a reply to a group message into send_msg with an at of the sender (default), or without', () => {
    expect(quickOperation(message(1), { reply: 'hi' })).toEqual([
      {
        action: 'send_msg',
        params: { message_type: 'group', group_id: 20001, message: '[CQ:at,qq=30001] hi', auto_escape: false },
      },
    ]);
    expect(quickOperation(message(1), { reply: 'hi', at_sender: false, auto_escape: true })[0].params).toEqual({
      message_type: 'group',
      group_id: 20001,
      message: 'hi',
      auto_escape: true,
    });
    expect(quickOperation(message(1), { reply: [{ type: 'text', data: { text: 'x' } }] })[0].params.message).toEqual([
      { type: 'at', data: { qq: '30001' } },
      { type: 'text', data: { text: ' ' } },
      { type: 'text', data: { text: 'x' } },
    ]);
  });

  it('replies to a private message by user_id, and runs delete and kick in groups', () => {
    expect(quickOperation(message(1, { message_type: 'private' }), { reply: 'yo' })[0].params).toEqual({
      message_type: 'private',
      user_id: 30001,
      message: 'yo',
      auto_escape: false,
    });
    expect(quickOperation(message(5), { delete: true, kick: true }).map((r) => r.action)).toEqual([
      'delete_msg',
      'set_group_kick',
    ]);
  });

  it('approves requests by their flag', () => {
    const friend: OneBotEvent = { time: 1, self_id: 1, post_type: 'request', request_type: 'friend', flag: 'f1' };
    expect(quickOperation(friend, { approve: true, remark: 'pal' })).toEqual([
      { action: 'set_friend_add_request', params: { flag: 'f1', approve: true, remark: 'pal' } },
    ]);
    const group: OneBotEvent = { ...friend, request_type: 'group', sub_type: 'invite', flag: 'g1' };
    expect(quickOperation(group, { approve: false })[0]).toEqual({
      action: 'set_group_add_request',
      params: { flag: 'g1', sub_type: 'invite', approve: false },
    });
    expect(quickOperation(message(1), {})).toEqual([]);
  });
});

describe('OneBotHttpPost', () => {
  beforeEach(() => {
    for (const level of ['log', 'warn', 'error'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('posts each event with X-Self-ID and X-Signature, one at a time and in order', async () => {
    const { hub, poster, post } = setup();
    post.configure(1, [{ url: 'http://fw/a', secret: 'k', timeoutMs: 1000 }]);
    hub.deliver(1, message(1));
    hub.deliver(1, message(2));
    expect(poster.calls).toHaveLength(1);
    const first = poster.calls[0];
    expect(first.body).toBe(JSON.stringify(message(1)));
    expect(first.headers).toMatchObject({
      'Content-Type': 'application/json; charset=utf-8',
      'X-Self-ID': '10001',
      'X-Signature': signature(first.body, 'k'),
    });
    expect(first.headers['User-Agent']).toMatch(/^OpenGewe\//);
    first.resolve({ status: 204, text: '' });
    await flush();
    expect(poster.calls).toHaveLength(2);
    expect(poster.calls[1].body).toBe(JSON.stringify(message(2)));
    poster.calls[1].resolve({ status: 200, text: '' });
    await post.idle();
    expect(hub.status(1).clients[0]).toMatchObject({ transport: 'http-post', state: 'connected', eventsSent: 2 });
  });

  it('sends no signature without a secret', () => {
    const { hub, poster, post } = setup();
    post.configure(1, [{ url: 'http://fw/a', secret: null, timeoutMs: 1000 }]);
    hub.deliver(1, message(1));
    expect(poster.calls[0].headers).not.toHaveProperty('X-Signature');
  });

  it('runs the quick operation of the answer as an action', async () => {
    const { hub, poster, post, called } = setup();
    post.configure(1, [{ url: 'http://fw/a', secret: null, timeoutMs: 1000 }]);
    hub.deliver(1, message(1));
    poster.calls[0].resolve({ status: 200, text: '{"reply":"pong","at_sender":false}' });
    await post.idle();
    expect(called).toEqual([
      { action: 'send_msg', params: { message_type: 'group', group_id: 20001, message: 'pong', auto_escape: false } },
    ]);
  });

  it('keeps a bounded queue while the target is down, drops the oldest and says how many', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const { hub, poster, post } = setup();
      post.configure(1, [{ url: 'http://fw/a', secret: null, timeoutMs: 1000 }]);
      hub.deliver(1, message(0));
      poster.calls[0].reject(new Error('connect ECONNREFUSED'));
      await flush();
      expect(hub.status(1).clients[0].state).toBe('failing');
      expect(hub.status(1).lastErrors[0]).toMatchObject({
        code: 'ONEBOT_HTTP_POST_FAILED',
        params: { url: 'http://fw/a', status: 0, reason: 'connect ECONNREFUSED' },
      });
      for (let i = 1; i <= MAX_QUEUE + 9; i++) hub.deliver(1, message(i));
      expect(post.pending(1)).toBe(MAX_QUEUE);
      expect(poster.calls).toHaveLength(1); // waiting for the retry, not posting
      jest.advanceTimersByTime(60_000);
      await flush();
      expect(poster.calls).toHaveLength(2);
      // the oldest were dropped: the queue now starts at event 10
      expect(JSON.parse(poster.calls[1].body)).toMatchObject({ message_id: 10 });
      poster.calls[1].resolve({ status: 200, text: '' });
      await flush();
      expect(hub.status(1).lastErrors[0]).toMatchObject({
        code: 'ONEBOT_HTTP_POST_DROPPED',
        params: { url: 'http://fw/a', dropped: 10 },
      });
      await post.onApplicationShutdown();
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives up on an event the target refuses with a 4xx and goes on with the next', async () => {
    const { hub, poster, post } = setup();
    post.configure(1, [{ url: 'http://fw/a', secret: null, timeoutMs: 1000 }]);
    hub.deliver(1, message(1));
    hub.deliver(1, message(2));
    poster.calls[0].resolve({ status: 400, text: 'bad' });
    await flush();
    expect(poster.calls).toHaveLength(2);
    expect(JSON.parse(poster.calls[1].body)).toMatchObject({ message_id: 2 });
  });

  it('stops posting for a robot whose targets were removed', () => {
    const { hub, poster, post } = setup();
    post.configure(1, [{ url: 'http://fw/a', secret: null, timeoutMs: 1000 }]);
    post.configure(1, []);
    hub.deliver(1, message(1));
    expect(poster.calls).toEqual([]);
    expect(hub.status(1).clients).toEqual([]);
  });
});
