import { join } from 'node:path';
import { classify } from '../../../../src/callback/classify';
import type { HandlerContext, PluginDefinition, PluginRecord, PluginStore } from '../../../../src/plugin/plugin.types';
import { friendRequestCallback, ticketsOf } from '../../../support/friend-requests';
import { describeManifest, loadManifest } from '../../../support/plugin-manifest-check';
import { PLUGINS_DIR } from '../../../support/plugin-e2e';
import { loadSamples, sampleBody } from '../../../support/samples';
import { capKey, release, reserve } from '../../../../plugins/FriendGate/lib/cap';
import { compileGate, decide } from '../../../../plugins/FriendGate/lib/decide';
import { requestOf } from '../../../../plugins/FriendGate/lib/request';
import { memoryStore, quietLog as quiet } from '../../../support/plugin-fakes';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require(join(PLUGINS_DIR, 'FriendGate', 'index.js')) as PluginDefinition;
const { schema } = loadManifest('FriendGate');
const ROBOT = 'wxid_robot1';
const robotRef = { id: 1, appId: 'wx_app_1', wxid: ROBOT };

function context(
  body: string,
  config: Record<string, unknown>,
  o: { store?: PluginStore; acceptFails?: boolean } = {},
) {
  const calls: unknown[][] = [];
  const records: Pick<PluginRecord, 'kind' | 'data' | 'robotId' | 'chatId'>[] = [];
  const notes: Record<string, unknown>[] = [];
  const deferred: Promise<void>[] = [];
  const result = { toWxid: 'x', msgId: '1', newMsgId: '2', createTime: 0 };
  const ctx = {
    event: classify(JSON.parse(body), robotRef),
    origin: 'live',
    robot: { id: 1, name: 'r', appId: 'wx_app_1', wxid: ROBOT, nickname: null },
    config: schema.check(config).config,
    log: quiet,
    store: o.store ?? memoryStore(),
    note: (d: Record<string, unknown>) => void notes.push(d),
    records: {
      add: (kind: string, data: Record<string, unknown>, scope?: { robotId?: number; chatId?: string }) => {
        records.push({ kind, data, robotId: scope?.robotId ?? null, chatId: scope?.chatId ?? null });
        return Promise.resolve({} as PluginRecord);
      },
    },
    send: {
      sendText: (to: string, text: string, ats: unknown, options: unknown) => (
        calls.push(['sendText', to, text, options]),
        Promise.resolve(result)
      ),
    },
    gewe: {
      contact: {
        addContacts: (p: unknown) => {
          calls.push(['addContacts', p]);
          return o.acceptFails ? Promise.reject(new Error('Gewe said no')) : Promise.resolve();
        },
      },
      group: {
        inviteMember: (room: string, wxids: unknown, reason: string) => (
          calls.push(['inviteMember', room, wxids, reason]),
          Promise.resolve()
        ),
      },
    },
  } as unknown as HandlerContext;
  (ctx as { defer: HandlerContext['defer'] }).defer = (_name, work) => void deferred.push(work(ctx));
  return { ctx, calls, records, notes, settle: () => Promise.all(deferred) };
}

const request = (wxid: string, content: string, nickname = 'Ann') =>
  friendRequestCallback({ appId: 'wx_app_1', robotWxid: ROBOT, wxid, nickname, content });
const handle = (ctx: HandlerContext) => plugin.handlers?.[0].handle(ctx);

describeManifest('FriendGate');

describe('FriendGate decision', () => {
  it('accepts on a keyword it contains or a regex it matches, whatever the case; declines otherwise', () => {
    const rules = { mode: 'rules', keywords: ['OpenGewe', '加群'], regexes: ['^订单\\d{4}$'] };
    expect(decide(rules, '我是 opengewe 的用户')).toEqual({ accept: true, reason: 'keyword', rule: 'opengewe' });
    expect(decide(rules, '想加群')).toEqual({ accept: true, reason: 'keyword', rule: '加群' });
    expect(decide(rules, '订单1234')).toEqual({ accept: true, reason: 'regex', rule: '^订单\\d{4}$' });
    expect(decide(rules, '你好')).toEqual({ accept: false, reason: 'no_match' });
    expect(decide(rules, null)).toEqual({ accept: false, reason: 'no_match' });
    expect(decide({ mode: 'rules' }, 'anything')).toEqual({ accept: false, reason: 'no_match' });
  });

  it('accepts everything in mode all and nothing in mode none', () => {
    expect(decide({ mode: 'all', keywords: ['x'] }, '')).toEqual({ accept: true, reason: 'mode_all' });
    expect(decide({ mode: 'none', keywords: ['x'] }, 'x')).toEqual({ accept: false, reason: 'mode_none' });
  });

  it('names a regex that does not compile, and refuses to load with it', () => {
    expect(compileGate({ regexes: ['ok', '('] }).errors).toEqual([
      expect.stringMatching(/^regexes\[1\]: invalid regular expression \/\(\/: /),
    ]);
    expect(() => plugin.onLoad?.({ config: { regexes: ['['] }, log: quiet, store: memoryStore() })).toThrow(
      /^invalid regexes: regexes\[0\]/,
    );
    expect(schema.check({ regexes: ['('] }).errors).toEqual(['config.regexes[0] must match format "regex"']);
  });
});

describe('FriendGate request', () => {
  it('reads who asks, their text, the scene and both tickets from the official sample', () => {
    const sample = loadSamples().find((s) => s.kind === 'friend_request');
    if (!sample) throw new Error('no friend_request sample');
    const e = classify(JSON.parse(sampleBody(sample, 'wx_app_1')), robotRef);
    expect(requestOf(e.details)).toEqual({
      wxid: 'wxid_phyyedw9xap22',
      nickname: '朝夕。',
      content: '我是朝夕。',
      scene: 6,
      v3: expect.stringMatching(/^v3_020b3826fd03.*@stranger$/),
      v4: expect.stringMatching(/^v4_000b708f0b04.*@stranger$/),
    });
  });

  it('has no scene or tickets when the callback lacks them', () => {
    expect(requestOf({ fromUsername: 'wxid_a', scene: null })).toMatchObject({ scene: null, v3: null, v4: null });
  });
});

describe('FriendGate daily cap', () => {
  it('counts per robot and day, refuses past the cap, and gives back a place', async () => {
    const store = memoryStore();
    const day1 = new Date(2026, 0, 5, 23, 59);
    const day2 = new Date(2026, 0, 6, 0, 1);
    expect(await reserve(store, { robotId: 1, cap: 2, now: day1 })).toBe(1);
    expect(await reserve(store, { robotId: 1, cap: 2, now: day1 })).toBe(2);
    expect(await reserve(store, { robotId: 1, cap: 2, now: day1 })).toBeNull();
    expect(await reserve(store, { robotId: 2, cap: 2, now: day1 })).toBe(1);
    expect(await reserve(store, { robotId: 1, cap: 2, now: day2 })).toBe(1);
    await release(store, { robotId: 1, now: day1 });
    expect(store.data.get(capKey(1, day1))).toBe(1);
    expect(capKey(1, day1)).toBe('accepted:1:2026-01-05');
  });

  it('counts the day in the plugins timezone when given', () => {
    // 17:30 UTC on 5 January is already 6 January in Shanghai (UTC+8)
    const t = new Date(Date.UTC(2026, 0, 5, 17, 30));
    expect(capKey(1, t, 'Asia/Shanghai')).toBe('accepted:1:2026-01-06');
    expect(capKey(1, t, 'UTC')).toBe('accepted:1:2026-01-05');
  });

  it('serializes concurrent reservations in this process', async () => {
    const store = memoryStore();
    const got = await Promise.all(Array.from({ length: 10 }, () => reserve(store, { robotId: 1, cap: 3 })));
    expect(got.filter((n) => n !== null).sort()).toEqual([1, 2, 3]);
  });
});

describe('FriendGate handler', () => {
  const config = { keywords: ['opengewe'], greeting: 'Hi {name}!', inviteGroups: ['111@chatroom', '222@chatroom'] };

  it('accepts a matching request with its tickets and scene, records it, then greets and invites', async () => {
    const c = context(request('wxid_ann', '我来自 OpenGewe'), config);
    await handle(c.ctx);
    await c.settle();
    expect(c.calls).toEqual([
      ['addContacts', { scene: 6, option: 3, ...ticketsOf('wxid_ann'), content: '' }],
      ['sendText', 'wxid_ann', 'Hi Ann!', { typingMs: 3000 }],
      ['inviteMember', '111@chatroom', 'wxid_ann', ''],
      ['inviteMember', '222@chatroom', 'wxid_ann', ''],
    ]);
    expect(c.records).toEqual([
      {
        kind: 'accepted',
        data: {
          wxid: 'wxid_ann',
          nickname: 'Ann',
          content: '我来自 OpenGewe',
          scene: 6,
          reason: 'keyword',
          rule: 'opengewe',
        },
        robotId: 1,
        chatId: 'wxid_ann',
      },
    ]);
    expect(c.notes).toEqual([
      { decision: 'accepted', reason: 'keyword', today: 1 },
      { greeted: 'wxid_ann' },
      { invited: '111@chatroom' },
      { invited: '222@chatroom' },
    ]);
  });

  it('declines a request that matches nothing: recorded, not accepted, not greeted', async () => {
    const c = context(request('wxid_bob', 'hello', 'Bob'), config);
    await handle(c.ctx);
    await c.settle();
    expect(c.calls).toEqual([]);
    expect(c.records).toEqual([
      {
        kind: 'declined',
        data: { wxid: 'wxid_bob', nickname: 'Bob', content: 'hello', scene: 6, reason: 'no_match' },
        robotId: 1,
        chatId: 'wxid_bob',
      },
    ]);
  });

  it('declines past the daily cap, saying so', async () => {
    const store = memoryStore();
    for (const w of ['wxid_1', 'wxid_2'])
      await handle(context(request(w, 'x'), { mode: 'all', dailyCap: 2 }, { store }).ctx);
    const third = context(request('wxid_3', 'x'), { mode: 'all', dailyCap: 2 }, { store });
    await handle(third.ctx);
    expect(third.calls).toEqual([]);
    expect(third.records).toEqual([
      expect.objectContaining({ kind: 'declined', data: expect.objectContaining({ reason: 'daily_cap', cap: 2 }) }),
    ]);
  });

  it('gives the place back and records the failure when Gewe refuses the accept', async () => {
    const store = memoryStore();
    const c = context(request('wxid_ann', 'x'), { mode: 'all' }, { store, acceptFails: true });
    await expect(handle(c.ctx)).rejects.toThrow('Gewe said no');
    expect(c.records).toEqual([
      expect.objectContaining({
        kind: 'declined',
        data: expect.objectContaining({ reason: 'accept_failed', error: 'Error: Gewe said no' }),
      }),
    ]);
    expect([...store.data.values()]).toEqual([0]);
  });

  it('declines a request without tickets, and sends no greeting when it is empty', async () => {
    const broken = request('wxid_x', 'x').replace(/ticket=\\"[^\\]*\\"/, 'ticket=\\"\\"');
    const c = context(broken, { mode: 'all' });
    await handle(c.ctx);
    expect(c.records).toEqual([
      expect.objectContaining({ kind: 'declined', data: expect.objectContaining({ reason: 'incomplete_request' }) }),
    ]);
    const quietGate = context(request('wxid_y', 'x'), { mode: 'all', greeting: '' });
    await handle(quietGate.ctx);
    await quietGate.settle();
    expect(quietGate.calls.map((c) => c[0])).toEqual(['addContacts']);
  });
});

describe('FriendGate config', () => {
  it('defaults to rules with none configured (nothing accepted until the operator says), a cap of 20', () => {
    expect(schema.check({}).config).toEqual({
      mode: 'rules',
      keywords: [],
      regexes: [],
      dailyCap: 20,
      greeting: '你好 {name}，很高兴认识你！',
      greetingDelaySeconds: 3,
      inviteGroups: [],
      inviteReason: '',
    });
    expect(schema.check({ inviteGroups: ['wxid_x'], dailyCap: 0 }).errors).toEqual([
      'config.dailyCap must be >= 1',
      'config.inviteGroups[0] must match pattern "^\\S+@chatroom$"',
    ]);
  });
});
