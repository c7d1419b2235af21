/* eslint-disable @typescript-eslint/no-require-imports */
import type { HandlerContext, PluginDefinition } from '../../../../src/plugin/plugin.types';

const relay = require('../../../../plugins/Relay/index.js') as PluginDefinition;

const A = 'a@chatroom';
const B = 'b@chatroom';

/** Runs the relay handler on an event with a fake context; answers the calls it made and its notes. */
async function run(
  event: Record<string, unknown>,
  o: { origin?: string; config?: Record<string, unknown>; failTo?: string } = {},
) {
  const calls: unknown[][] = [];
  const notes: Record<string, unknown>[] = [];
  const store = new Map<string, unknown>(o.config?.relayed ? [['relayed', o.config.relayed]] : []);
  let n = 0;
  const answer = (to: string) => {
    if (to === o.failTo) return Promise.reject(new Error('refused'));
    return Promise.resolve({ newMsgId: String(++n), toWxid: to });
  };
  const ctx = {
    event: {
      kind: 'text',
      chatId: A,
      isGroup: true,
      isSelf: false,
      senderWxid: 'wxid_alice',
      pushContent: 'Alice : x',
      text: 'hi',
      content: '<msg/>',
      details: {},
      newMsgId: '900',
      ...event,
    },
    origin: o.origin ?? 'live',
    config: { routes: [{ from: A, to: [B] }], prefix: '[{name}] ', mediaHeader: true, maxHops: 1, ...o.config },
    store: {
      get: (k: string) => Promise.resolve(store.get(k)),
      set: (k: string, v: unknown) => Promise.resolve(void store.set(k, v)),
    },
    send: { sendText: (to: string, text: string) => (calls.push(['sendText', to, text]), answer(to)) },
    gewe: {
      message: Object.fromEntries(
        ['forwardImage', 'forwardFile', 'forwardUrl', 'forwardVideo', 'postEmoji'].map((m) => [
          m,
          (to: string, ...args: unknown[]) => (calls.push([m, to, ...args]), answer(to)),
        ]),
      ),
    },
    log: { warn: () => undefined },
    note: (x: Record<string, unknown>) => notes.push(x),
  } as unknown as HandlerContext;
  await relay.handlers![0].handle(ctx);
  return { calls, notes, relayed: store.get('relayed') };
}

describe('Relay handler', () => {
  it('relays texts and quotes with the prefix, and remembers what it sent', async () => {
    const text = await run({});
    expect(text.calls).toEqual([['sendText', B, '[Alice] hi']]);
    expect(text.notes).toEqual([{ relay: 'sent', kind: 'text', to: [B] }]);
    expect(text.relayed).toEqual(['1']);
    expect((await run({ kind: 'quote', text: '同意' })).calls).toEqual([['sendText', B, '[Alice] 同意']]);
  });

  it('forwards media with the forward calls and their XML, after the name line', async () => {
    for (const [kind, method] of [
      ['image', 'forwardImage'],
      ['file', 'forwardFile'],
      ['link', 'forwardUrl'],
      ['video', 'forwardVideo'],
    ])
      expect((await run({ kind, content: `<msg>${kind}</msg>` })).calls).toEqual([
        ['sendText', B, '[Alice]'],
        [method, B, `<msg>${kind}</msg>`],
      ]);
    expect(
      (await run({ kind: 'emoji', details: { md5: 'abc', length: 1234 } }, { config: { mediaHeader: false } })).calls,
    ).toEqual([['postEmoji', B, 'abc', 1234]]);
    const noMd5 = await run({ kind: 'emoji', details: {} }, { config: { mediaHeader: false } });
    expect(noMd5.notes).toEqual([{ relay: 'failed', to: B, error: 'Error: the emoji has no md5' }]);
  });

  it('relays nothing that is not live, its own, already relayed, over the hop limit, or of another kind', async () => {
    expect((await run({}, { origin: 'catch_up' })).calls).toEqual([]);
    expect((await run({}, { origin: 'replay' })).calls).toEqual([]);
    expect((await run({ isSelf: true })).calls).toEqual([]);
    expect((await run({ kind: 'voice' })).calls).toEqual([]);
    expect((await run({ kind: 'file_notice' })).calls).toEqual([]);
    const relayed = await run({ newMsgId: '77' }, { config: { relayed: ['77'] } });
    expect(relayed).toMatchObject({ calls: [], notes: [{ relay: 'skipped', reason: 'relayed_message' }] });
    const hop = await run({ text: '[Bob] hi' });
    expect(hop).toMatchObject({ calls: [], notes: [{ relay: 'skipped', reason: 'hop_limit', hops: 1, maxHops: 1 }] });
    expect((await run({ text: '[Bob] hi' }, { config: { maxHops: 2 } })).calls).toEqual([
      ['sendText', B, '[Alice] [Bob] hi'],
    ]);
    expect((await run({ chatId: 'other@chatroom' })).calls).toEqual([]);
  });

  it('goes on with the other targets when one fails, noting it; names fall back to the wxid', async () => {
    const C = 'c@chatroom';
    const r = await run({ pushContent: null }, { config: { routes: [{ from: A, to: [B, C] }] }, failTo: B });
    expect(r.calls).toEqual([
      ['sendText', B, '[wxid_alice] hi'],
      ['sendText', C, '[wxid_alice] hi'],
    ]);
    expect(r.notes).toEqual([
      { relay: 'failed', to: B, error: 'Error: refused' },
      { relay: 'sent', kind: 'text', to: [C] },
    ]);
  });
});
