/* eslint-disable @typescript-eslint/no-require-imports */
import type * as DigestLib from '../../../../plugins/GroupDigest/lib/digest';
import type {
  DeferredContext,
  HandlerContext,
  HistoryMessage,
  PluginDefinition,
} from '../../../../src/plugin/plugin.types';
import { describeManifest } from '../../../support/plugin-manifest-check';

const lib = require('../../../../plugins/GroupDigest/lib/digest') as typeof DigestLib;
const plugin = require('../../../../plugins/GroupDigest/index.js') as PluginDefinition;

const TZ = 'Asia/Shanghai';
let seq = 0;
/** A message at `hhmm` Shanghai time on 2026-12-02. */
function msg(
  wxid: string | null,
  name: string | null,
  hhmm: string,
  text: string | null,
  o: Partial<HistoryMessage> = {},
): HistoryMessage {
  const [h, m] = hhmm.split(':').map(Number);
  const at = Date.parse(`2026-12-02T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00+08:00`);
  return {
    id: ++seq,
    kind: 'text',
    senderWxid: wxid,
    senderName: name,
    isSelf: false,
    text,
    createTime: Math.floor(at / 1000),
    receivedAt: new Date(at).toISOString(),
    ...o,
  };
}

const CHAT = [
  msg('wxid_a', 'Alice', '20:01', '晚上好'),
  msg('wxid_b', 'Bob', '20:15', '开会吗'),
  msg('wxid_a', 'Alice', '20:30', '八点半'),
  msg('wxid_a', 'Alice', '21:05', null, { kind: 'image' }),
  msg('wxid_c', null, '09:10', '早'),
  msg('wxid_b', 'Bobby', '21:40', '好'),
  msg(null, null, '21:41', '"Carol"加入了群聊', { kind: 'group_join' }),
  msg('wxid_bot', null, '21:42', 'robot answer', { isSelf: true }),
];

describe('GroupDigest command', () => {
  const cmds = ['#群总结', '/digest'];
  it('recognises the commands, with optional hours', () => {
    expect(lib.parseCommand('#群总结', cmds, 24)).toBe(24);
    expect(lib.parseCommand('  /digest ', cmds, 24)).toBe(24);
    expect(lib.parseCommand('/digest 12', cmds, 24)).toBe(12);
    expect(lib.parseCommand('#群总结 6小时', cmds, 24)).toBe(6);
    expect(lib.parseCommand('/digest 999', cmds, 24)).toBe(168);
    expect(lib.parseCommand('/digest 0', cmds, 24)).toBe(1);
    expect(lib.parseCommand('/digestion', cmds, 24)).toBeNull();
    expect(lib.parseCommand('please /digest', cmds, 24)).toBeNull();
    expect(lib.parseCommand(null, cmds, 24)).toBeNull();
  });
});

describe('GroupDigest statistics', () => {
  it('counts people’s messages, ranks members by name and finds the busiest hours in the timezone', () => {
    const s = lib.statistics(CHAT, { timezone: TZ, top: 5 });
    expect(s.total).toBe(6);
    expect(s.members).toBe(3);
    expect(s.top).toEqual([
      { name: 'Alice', count: 3 },
      { name: 'Bobby', count: 2 },
      { name: 'wxid_c', count: 1 },
    ]);
    expect(s.hours).toEqual([
      { hour: 20, count: 3 },
      { hour: 21, count: 2 },
      { hour: 9, count: 1 },
    ]);
    expect(s.kinds).toEqual({ text: 5, image: 1 });
    expect(lib.statistics(CHAT, { timezone: 'UTC', top: 1 }).hours[0]).toEqual({ hour: 12, count: 3 });
    expect(lib.statistics(CHAT, { timezone: TZ, top: 1 }).top).toEqual([{ name: 'Alice', count: 3 }]);
  });

  it('writes them in Chinese or English', () => {
    const s = lib.statistics(CHAT, { timezone: TZ, top: 2 });
    expect(lib.formatStatistics(s, { hours: 24, language: 'zh' })).toBe(
      [
        '📊 最近 24 小时群聊统计',
        '消息总数：6 条，3 人发言',
        '最活跃成员：',
        '1. Alice：3 条',
        '2. Bobby：2 条',
        '最热闹的时段：20:00–21:00（3 条）、21:00–22:00（2 条）、09:00–10:00（1 条）',
      ].join('\n'),
    );
    expect(lib.formatStatistics(s, { hours: 12, language: 'en' })).toBe(
      [
        'Group digest — the last 12 hours',
        'Messages: 6, from 3 members',
        'Most active:',
        '1. Alice — 3',
        '2. Bobby — 2',
        'Busiest hours: 20:00–21:00 (3), 21:00–22:00 (2), 09:00–10:00 (1)',
      ].join('\n'),
    );
    const none = lib.statistics([], { timezone: TZ, top: 5 });
    expect(lib.formatStatistics(none, { hours: 24, language: 'zh' })).toBe('最近 24 小时群里没有消息。');
    expect(lib.formatStatistics(none, { hours: 3, language: 'en' })).toBe(
      'No messages in this group in the last 3 hours.',
    );
  });

  it('gives a model the transcript of people’s texts, the newest within the size', () => {
    const [system, user] = lib.aiMessages(CHAT, { hours: 24, language: 'zh', timezone: TZ, maxChars: 10_000 });
    expect(system.role).toBe('system');
    expect(system.content).toContain('24 小时');
    expect(user).toEqual({
      role: 'user',
      content: [
        '[20:01] Alice: 晚上好',
        '[20:15] Bob: 开会吗',
        '[20:30] Alice: 八点半',
        '[09:10] wxid_c: 早',
        '[21:40] Bobby: 好',
      ].join('\n'),
    });
    const small = lib.aiMessages(CHAT, { hours: 24, language: 'en', timezone: TZ, maxChars: 40, prompt: 'P' });
    expect(small[0].content).toBe('P');
    expect(small[1].content).toBe('[09:10] wxid_c: 早\n[21:40] Bobby: 好');
  });
});

describe('GroupDigest handler', () => {
  /** Runs the command handler with a fake context; resolves with what it sent and noted once the deferred work ran. */
  async function run(config: Record<string, unknown>, aiChat: unknown) {
    const sent: [string, string][] = [];
    const notes: Record<string, unknown>[] = [];
    const asked: unknown[][] = [];
    let deferred: Promise<void> = Promise.resolve();
    const base = {
      event: {
        kind: 'text',
        isGroup: true,
        isSelf: false,
        chatId: 'g@chatroom',
        text: '/digest',
        senderWxid: 'wxid_a',
      },
      origin: 'live',
      robot: { id: 7 },
      timezone: TZ,
      config: {
        commands: ['#群总结', '/digest'],
        hours: 24,
        useAi: true,
        language: 'zh',
        topMembers: 5,
        maxMessages: 2000,
        ...config,
      },
      history: {
        recent: (chatId: string, o: { since: Date; limit: number }) => {
          asked.push(['history', chatId, o.limit, Math.round((Date.now() - o.since.getTime()) / 3_600_000)]);
          return Promise.resolve([...CHAT, msg('wxid_a', 'Alice', '21:50', '/digest')]);
        },
      },
      plugin: (name: string) => (name === 'AiChat' ? aiChat : undefined),
      send: {
        sendText: (to: string, text: string) => {
          sent.push([to, text]);
          return Promise.resolve({});
        },
      },
      note: (n: Record<string, unknown>) => notes.push(n),
    };
    const ctx = {
      ...base,
      defer: (_name: string, work: (d: DeferredContext) => Promise<void>) => {
        deferred = work(base as unknown as DeferredContext);
      },
    } as unknown as HandlerContext;
    const result = await plugin.handlers![0].handle(ctx);
    await deferred;
    return { result, sent, notes, asked };
  }

  it('asks AiChat for the digest when it is enabled, with purpose digest, and sends its answer', async () => {
    const calls: unknown[][] = [];
    const aiChat = {
      complete: (...args: unknown[]) => {
        calls.push(args);
        return Promise.resolve({ text: '今晚主要讨论了开会时间。' });
      },
    };
    const { result, sent, notes, asked } = await run({}, aiChat);
    expect(result).toBe(false);
    expect(asked).toEqual([['history', 'g@chatroom', 2000, 24]]);
    expect(calls).toHaveLength(1);
    const [robotId, chatId, messages, options] = calls[0] as [
      number,
      string,
      { role: string; content: string }[],
      unknown,
    ];
    expect([robotId, chatId, options]).toEqual([7, 'g@chatroom', { purpose: 'digest', timeZone: TZ }]);
    expect(messages[1].content).toContain('[20:15] Bob: 开会吗');
    expect(messages[1].content).not.toContain('/digest');
    expect(sent).toEqual([['g@chatroom', '📝 最近 24 小时群聊总结\n今晚主要讨论了开会时间。']]);
    expect(notes).toEqual([{ digest: 'ai', hours: 24, messages: 6 }]);
  });

  it('falls back to statistics, noted, when AiChat fails; uses statistics without AiChat or with useAi off', async () => {
    const failing = { complete: () => Promise.reject(new Error('model down')) };
    const failed = await run({}, failing);
    expect(failed.notes).toEqual([
      { digest: 'ai_failed', error: 'model down', fallback: 'statistics' },
      { digest: 'statistics', hours: 24, messages: 6 },
    ]);
    expect(failed.sent[0][1]).toMatch(/^📊 最近 24 小时群聊统计\n消息总数：6 条，3 人发言/);

    const empty = await run({}, { complete: () => Promise.resolve({ text: '  ' }) });
    expect(empty.notes[0]).toMatchObject({ digest: 'ai_failed', error: 'the model gave an empty answer' });

    const without = await run({ language: 'en' }, undefined);
    expect(without.notes).toEqual([{ digest: 'statistics', hours: 24, messages: 6 }]);
    expect(without.sent[0][1]).toMatch(/^Group digest — the last 24 hours\nMessages: 6, from 3 members/);

    let called = false;
    const off = await run({ useAi: false }, { complete: () => ((called = true), Promise.resolve({ text: 'x' })) });
    expect(called).toBe(false);
    expect(off.notes).toEqual([{ digest: 'statistics', hours: 24, messages: 6 }]);
  });
});

// the shared manifest checks: loads through the loader, texts in both languages, enums labelled, defaults valid,
// per-chat keys top-level config properties
describeManifest('GroupDigest');
