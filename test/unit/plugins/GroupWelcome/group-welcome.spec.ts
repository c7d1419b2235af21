import { join } from 'node:path';
import { classify } from '../../../../src/callback/classify';
import { PluginConfigSchema } from '../../../../src/plugin/plugin-config';
import type { HandlerContext, JobContext, PluginDefinition, PluginStore } from '../../../../src/plugin/plugin.types';
import { describeManifest, loadManifest } from '../../../support/plugin-manifest-check';
import { joinCallback, kickCallback } from '../../../support/group-notices';
import { PLUGINS_DIR } from '../../../support/plugin-e2e';
import { distinct, membersOf } from '../../../../plugins/GroupWelcome/lib/members';
import {
  addJoins,
  anyPending,
  KEY,
  MAX_MEMBERS,
  STALE_MS,
  takeDue,
} from '../../../../plugins/GroupWelcome/lib/pending';
import { render } from '../../../../plugins/GroupWelcome/lib/template';
import { memoryStore, quietLog as quiet } from '../../../support/plugin-fakes';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require(join(PLUGINS_DIR, 'GroupWelcome', 'index.js')) as PluginDefinition;
const { manifest, schema } = loadManifest('GroupWelcome');
const ROBOT = 'wxid_robot1';
const ROOM = '34757816141@chatroom';
const robotRef = { id: 1, appId: 'wx_app_1', wxid: ROBOT };
const ann = { wxid: 'wxid_ann', nickname: 'Ann' };
const bob = { wxid: 'wxid_bob', nickname: 'Bob' };

function messenger() {
  const sent: unknown[][] = [];
  const result = { toWxid: 'x', msgId: '1', newMsgId: '2', createTime: 0 };
  return {
    sent,
    send: {
      sendText: (to: string, text: string, ats?: unknown) => (
        sent.push(['text', to, text, ats]),
        Promise.resolve(result)
      ),
      sendImage: (to: string, url: string) => (sent.push(['image', to, url]), Promise.resolve(result)),
    },
  };
}

function handlerContext(body: string, config: Record<string, unknown>, store = memoryStore()) {
  const m = messenger();
  const notes: Record<string, unknown>[] = [];
  const ctx = {
    event: classify(JSON.parse(body), robotRef),
    origin: 'live',
    robot: { id: 1, name: 'r', appId: 'wx_app_1', wxid: ROBOT, nickname: null },
    config: schema.check(config).config,
    log: quiet,
    store,
    send: m.send,
    note: (d: Record<string, unknown>) => void notes.push(d),
  } as unknown as HandlerContext;
  return { ctx, sent: m.sent, notes, store };
}

function jobContext(store: PluginStore, status = 'online') {
  const m = messenger();
  const ctx = {
    store,
    log: quiet,
    config: schema.check({}).config,
    robots: () => Promise.resolve([{ robot: { id: 1 }, status, send: m.send }]),
  } as unknown as JobContext;
  return { ctx, sent: m.sent };
}

const handler = (name: string) =>
  plugin.handlers?.find((h) => h.name === name)?.handle as (c: HandlerContext) => unknown;
const flush = (ctx: JobContext) => plugin.jobs?.[0].run(ctx);
const join1 = (joined = [ann], inviter = bob) =>
  joinCallback({ appId: 'wx_app_1', robotWxid: ROBOT, room: ROOM, inviter, joined });

describeManifest('GroupWelcome');

describe('GroupWelcome members', () => {
  it('reads the joined members of a notice, wxid and nickname paired, without the robot itself', () => {
    const e = classify(JSON.parse(join1([ann, bob, { wxid: ROBOT, nickname: 'Robot' }])), robotRef);
    expect(e.kind).toBe('group_join');
    expect(membersOf(e.details, 'joined', ROBOT)).toEqual([ann, bob]);
  });

  it('keeps members a notice names without a wxid, and wxids without a name', () => {
    expect(membersOf({ joinedWxids: [], joinedNicknames: ['庆次', '小桔妹'] }, 'joined', ROBOT)).toEqual([
      { wxid: null, nickname: '庆次' },
      { wxid: null, nickname: '小桔妹' },
    ]);
    expect(membersOf({ joinedWxids: ['wxid_a', 'wxid_b'], joinedNicknames: ['A'] }, 'joined', ROBOT)).toEqual([
      { wxid: 'wxid_a', nickname: 'A' },
      { wxid: 'wxid_b', nickname: null },
    ]);
    expect(membersOf({}, 'joined', ROBOT)).toEqual([]);
    expect(distinct([ann, ann, { wxid: null, nickname: 'X' }, { wxid: null, nickname: 'X' }])).toEqual([
      ann,
      { wxid: null, nickname: 'X' },
    ]);
  });

  it('reads the removed members of the kick notice', () => {
    const e = classify(
      JSON.parse(kickCallback({ appId: 'wx_app_1', robotWxid: ROBOT, room: ROOM, kicked: [ann] })),
      robotRef,
    );
    expect(e.kind).toBe('group_kick');
    expect(membersOf(e.details, 'kicked', ROBOT)).toEqual([ann]);
  });
});

describe('GroupWelcome template', () => {
  it('mentions each newcomer with {at} (their wxids as the ats) and names them with {name} and {count}', () => {
    expect(render('欢迎 {at} 加入！({count}) {name}', [ann, bob])).toEqual({
      text: '欢迎 @Ann @Bob 加入！(2) Ann、Bob',
      ats: ['wxid_ann', 'wxid_bob'],
    });
  });

  it('names a member without a wxid without a mention, and has no ats without {at}', () => {
    expect(render('Hi {at}', [{ wxid: null, nickname: 'Zoe' }, ann])).toEqual({
      text: 'Hi Zoe @Ann',
      ats: ['wxid_ann'],
    });
    expect(render('Welcome {name}', [ann])).toEqual({ text: 'Welcome Ann', ats: [] });
    expect(render('{name} by {operator}', [{ wxid: 'wxid_x', nickname: null }], { operator: 'Op' }).text).toBe(
      'wxid_x by Op',
    );
  });
});

describe('GroupWelcome pending joins', () => {
  const settings = { welcomeText: 'hi {at}', imageUrl: '' };

  it('merges joins of one group into one batch due a window after the first, and hands it out once due', async () => {
    const store = memoryStore();
    await addJoins(store, { robotId: 1, room: ROOM, members: [ann], settings, windowMs: 1000, now: 10_000 });
    await addJoins(store, { robotId: 1, room: ROOM, members: [bob, ann], settings, windowMs: 1000, now: 10_500 });
    await addJoins(store, {
      robotId: 1,
      room: 'other@chatroom',
      members: [bob],
      settings,
      windowMs: 1000,
      now: 10_600,
    });
    expect(await anyPending(store)).toBe(true);
    expect((await takeDue(store, () => true, 10_999)).due).toEqual([]);
    const { due } = await takeDue(store, () => true, 11_000);
    expect(due).toEqual([{ robotId: 1, room: ROOM, firstAt: 10_000, dueAt: 11_000, members: [ann, bob], settings }]);
    expect((await takeDue(store, () => true, 11_000)).due).toEqual([]);
    expect((await takeDue(store, () => true, 11_600)).due.map((b) => b.room)).toEqual(['other@chatroom']);
    expect(await anyPending(store)).toBe(false);
  });

  it('keeps a batch while its robot cannot send, and drops it once stale', async () => {
    const store = memoryStore();
    await addJoins(store, { robotId: 2, room: ROOM, members: [ann], settings, windowMs: 1000, now: 0 });
    expect(await takeDue(store, () => false, 5_000)).toEqual({ due: [], dropped: [] });
    const late = await takeDue(store, () => false, 1000 + STALE_MS);
    expect(late.dropped).toHaveLength(1);
    expect(store.data.get(KEY)).toEqual([]);
  });

  it('serializes concurrent joins in this process: none is lost', async () => {
    const store = memoryStore();
    const many = Array.from({ length: 20 }, (_, i) => ({ wxid: `wxid_${i}`, nickname: `N${i}` }));
    await Promise.all(
      many.map((m) => addJoins(store, { robotId: 1, room: ROOM, members: [m], settings, windowMs: 1000, now: 0 })),
    );
    const { due } = await takeDue(store, () => true, 1000);
    expect(due).toHaveLength(1);
    expect(due[0].members).toHaveLength(20);
  });

  it(`opens a new batch past ${MAX_MEMBERS} members`, async () => {
    const store = memoryStore();
    const many = Array.from({ length: MAX_MEMBERS + 1 }, (_, i) => ({ wxid: `wxid_${i}`, nickname: `N${i}` }));
    await addJoins(store, {
      robotId: 1,
      room: ROOM,
      members: many.slice(0, MAX_MEMBERS),
      settings,
      windowMs: 1,
      now: 0,
    });
    await addJoins(store, { robotId: 1, room: ROOM, members: many.slice(MAX_MEMBERS), settings, windowMs: 1, now: 0 });
    expect((await takeDue(store, () => true, 1)).due.map((b) => b.members.length)).toEqual([MAX_MEMBERS, 1]);
  });
});

describe('GroupWelcome handlers and job', () => {
  it('welcomes at once with a window of 0: the text with its @s, then the image', async () => {
    const c = handlerContext(join1([ann, bob]), { mergeWindowSeconds: 0, imageUrl: 'http://img.example/w.png' });
    await handler('welcome')(c.ctx);
    expect(c.sent).toEqual([
      ['text', ROOM, '欢迎 @Ann @Bob 加入本群！', ['wxid_ann', 'wxid_bob']],
      ['image', ROOM, 'http://img.example/w.png'],
    ]);
  });

  it('records joins and lets the job send one welcome for the batch once it is due', async () => {
    const store = memoryStore();
    const a = handlerContext(join1([ann]), { mergeWindowSeconds: 1, welcomeText: 'Hello {at}! ({count})' }, store);
    await handler('welcome')(a.ctx);
    await handler('welcome')(handlerContext(join1([bob]), { mergeWindowSeconds: 1 }, store).ctx);
    expect(a.sent).toEqual([]);
    expect(a.notes).toEqual([expect.objectContaining({ pending: 1 })]);
    const early = jobContext(store);
    await flush(early.ctx);
    expect(early.sent).toEqual([]); // not due yet (a window of a second)
    // the batch is due: move its time back rather than wait
    const batches = store.data.get(KEY) as { dueAt: number }[];
    batches[0].dueAt = Date.now() - 1;
    const job = jobContext(store);
    await flush(job.ctx);
    // the first join's settings (its chat's template) hold for the batch
    expect(job.sent).toEqual([['text', ROOM, 'Hello @Ann @Bob! (2)', ['wxid_ann', 'wxid_bob']]]);
    expect(await anyPending(store)).toBe(false);
  });

  it('keeps a due batch while the robot is offline', async () => {
    const store = memoryStore();
    await addJoins(store, {
      robotId: 1,
      room: ROOM,
      members: [ann],
      settings: { welcomeText: 'hi', imageUrl: '' },
      windowMs: 0,
    });
    const job = jobContext(store, 'offline');
    await flush(job.ctx);
    expect(job.sent).toEqual([]);
    expect(await anyPending(store)).toBe(true);
  });

  it('ignores catch-up joins, and the robot’s own join', async () => {
    const c = handlerContext(join1([ann]), { mergeWindowSeconds: 0 });
    (c.ctx as { origin: string }).origin = 'catch_up';
    await handler('welcome')(c.ctx);
    const self = handlerContext(join1([{ wxid: ROBOT, nickname: 'Robot' }]), { mergeWindowSeconds: 0 });
    await handler('welcome')(self.ctx);
    expect([...c.sent, ...self.sent]).toEqual([]);
  });

  it('posts a removal notice only when asked, naming the member and not mentioning them', async () => {
    const body = kickCallback({ appId: 'wx_app_1', robotWxid: ROBOT, room: ROOM, kicked: [ann] });
    const off = handlerContext(body, {});
    await handler('kick-notice')(off.ctx);
    expect(off.sent).toEqual([]);
    const on = handlerContext(body, { kickNotice: true, kickText: '{at} was removed by {operator}.' });
    await handler('kick-notice')(on.ctx);
    expect(on.sent).toEqual([['text', ROOM, 'Ann was removed by .', undefined]]);
  });
});

describe('GroupWelcome config', () => {
  it('has defaults that welcome with an @ within 10 seconds, no image, no removal notice', () => {
    expect(schema.check({}).config).toEqual({
      welcomeText: '欢迎 {at} 加入本群！',
      imageUrl: '',
      mergeWindowSeconds: 10,
      kickNotice: false,
      kickText: '{name} 已被移出群聊。',
    });
    expect(schema.check({ imageUrl: 'ftp://x', mergeWindowSeconds: 301 }).errors).toEqual([
      'config.imageUrl must match pattern "^(|https?://\\S+)$"',
      'config.mergeWindowSeconds must be <= 300',
    ]);
  });

  it('takes a group’s own template, image and notice in its per-chat section', () => {
    const chat = PluginConfigSchema.compile(manifest.chatConfigSchema as Record<string, unknown>);
    expect(Object.keys(manifest.chatConfigSchema?.properties as object)).toEqual([
      'welcomeText',
      'imageUrl',
      'kickNotice',
      'kickText',
    ]);
    expect(chat.check({ welcomeText: '欢迎 {at} 来到技术群', imageUrl: 'https://x.example/a.png' }).errors).toEqual([]);
    expect(chat.check({ mergeWindowSeconds: 1 }).errors).toEqual(['config.mergeWindowSeconds is not allowed']);
  });
});
