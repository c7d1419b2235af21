/* eslint-disable @typescript-eslint/no-require-imports */
import type { JobContext, PluginDefinition } from '../../../../src/plugin/plugin.types';

const broadcast = require('../../../../plugins/Broadcast/index.js') as PluginDefinition;

const NOW = new Date('2026-12-02T01:00:20Z'); // 09:00:20 in Shanghai

/** Runs the tick with a fake context; answers the sends per robot, the reports and the store. */
async function tick(
  config: Record<string, unknown>,
  robots: { id: number; status: string }[],
  store = new Map<string, unknown>(),
  /** `<robotId>:<chat>` of the chats where Broadcast is switched off. */
  offIn: string[] = [],
) {
  const sends: unknown[][] = [];
  const reports: { data: Record<string, unknown>; scope?: unknown }[] = [];
  const warnings: unknown[] = [];
  const messenger = (id: number) => ({
    sendText: (to: string, text: string) => (sends.push([id, 'text', to, text]), Promise.resolve({})),
    sendImage: (to: string, url: string) => (sends.push([id, 'image', to, url]), Promise.resolve({})),
    sendLink: (to: string, link: unknown) => (sends.push([id, 'link', to, link]), Promise.resolve({})),
  });
  const ctx = {
    scheduledAt: NOW,
    timezone: 'Asia/Shanghai',
    config: { dailyCap: 100, graceMinutes: 60, ...config },
    store: {
      get: (k: string) => Promise.resolve(store.get(k)),
      set: (k: string, v: unknown) => Promise.resolve(void store.set(k, v)),
    },
    records: {
      add: (kind: string, data: Record<string, unknown>, scope?: unknown) => {
        reports.push({ data, scope });
        return Promise.resolve({});
      },
    },
    robots: () =>
      Promise.resolve(
        robots.map((r) => ({ robot: { id: r.id, name: `r${r.id}` }, status: r.status, send: messenger(r.id) })),
      ),
    chat: (robotId: number, chatId: string) =>
      Promise.resolve({ enabled: !offIn.includes(`${robotId}:${chatId}`), config: {} }),
    log: { warn: (...a: unknown[]) => warnings.push(a), info: () => undefined },
  } as unknown as JobContext;
  await broadcast.jobs![0].run(ctx);
  return { sends, reports, warnings, store };
}

describe('Broadcast tick', () => {
  const morning = {
    name: 'morning',
    content: { type: 'text', text: '早' },
    targets: ['g1@chatroom', 'wxid_a'],
    cron: '0 9 * * *',
  };

  it('skips a target chat where Broadcast is switched off and reports it', async () => {
    const { sends, reports } = await tick(
      { broadcasts: [morning] },
      [
        { id: 1, status: 'online' },
        { id: 2, status: 'online' },
      ],
      new Map(),
      ['1:g1@chatroom'],
    );
    expect(sends).toEqual([
      [1, 'text', 'wxid_a', '早'],
      [2, 'text', 'g1@chatroom', '早'],
      [2, 'text', 'wxid_a', '早'],
    ]);
    expect(reports[0].data.failed).toEqual([{ target: 'g1@chatroom', error: 'disabled_in_chat' }]);
  });

  it('sends a due broadcast from every robot it is enabled for, once, with a report each', async () => {
    const store = new Map<string, unknown>();
    const first = await tick(
      { broadcasts: [morning] },
      [
        { id: 1, status: 'online' },
        { id: 2, status: 'online' },
      ],
      store,
    );
    expect(first.sends).toEqual([
      [1, 'text', 'g1@chatroom', '早'],
      [1, 'text', 'wxid_a', '早'],
      [2, 'text', 'g1@chatroom', '早'],
      [2, 'text', 'wxid_a', '早'],
    ]);
    expect(first.reports.map((r) => [r.scope, r.data.robot, r.data.sent, r.data.failed])).toEqual([
      [{ robotId: 1 }, 'r1', ['g1@chatroom', 'wxid_a'], []],
      [{ robotId: 2 }, 'r2', ['g1@chatroom', 'wxid_a'], []],
    ]);
    expect(first.reports[0].data).toMatchObject({
      broadcast: 'morning',
      content: 'text',
      scheduledFor: '2026-12-02T01:00:00.000Z',
      runAt: NOW.toISOString(),
    });
    // counted for the day the sends happen (today, in the timezone)
    expect(store.get('daily')).toEqual({
      day: new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()),
      sent: { 1: 2, 2: 2 },
    });
    const again = await tick({ broadcasts: [morning] }, [{ id: 1, status: 'online' }], store);
    expect(again.sends).toEqual([]);
  });

  it('sends from the chosen robots only; reports an offline robot and no robot at all', async () => {
    const only2 = await tick({ broadcasts: [{ ...morning, robotIds: [2] }] }, [
      { id: 1, status: 'online' },
      { id: 2, status: 'offline' },
    ]);
    expect(only2.sends).toEqual([]);
    expect(only2.reports.map((r) => r.data.failed)).toEqual([
      [
        { target: 'g1@chatroom', error: 'robot_offline' },
        { target: 'wxid_a', error: 'robot_offline' },
      ],
    ]);
    const none = await tick({ broadcasts: [morning] }, []);
    expect(none.reports.map((r) => [r.scope, r.data.failed])).toEqual([
      [
        undefined,
        [
          { target: 'g1@chatroom', error: 'no_robot' },
          { target: 'wxid_a', error: 'no_robot' },
        ],
      ],
    ]);
  });

  it('sends images and links, skips disabled and invalid broadcasts (with a warning) and what is not due', async () => {
    const r = await tick(
      {
        broadcasts: [
          {
            name: 'img',
            content: { type: 'image', imageUrl: 'https://x/a.png' },
            targets: ['t1'],
            at: '2026-12-02 08:30',
          },
          {
            name: 'lnk',
            content: { type: 'link', title: 'T', desc: 'D', linkUrl: 'https://x', thumbUrl: 'https://x/t.png' },
            targets: ['t2'],
            at: '2026-12-02T01:00:00Z',
          },
          {
            name: 'off',
            enabled: false,
            content: { type: 'text', text: 'x' },
            targets: ['t3'],
            at: '2026-12-02 09:00',
          },
          { name: 'later', content: { type: 'text', text: 'x' }, targets: ['t4'], cron: '0 10 * * *' },
          { name: 'stale', content: { type: 'text', text: 'x' }, targets: ['t5'], at: '2026-12-02 07:59' },
          { name: 'bad', content: { type: 'text', text: '' }, targets: ['t6'], at: '2026-12-02 09:00' },
        ],
      },
      [{ id: 1, status: 'online' }],
    );
    expect(r.sends).toEqual([
      [1, 'image', 't1', 'https://x/a.png'],
      [1, 'link', 't2', { title: 'T', desc: 'D', linkUrl: 'https://x', thumbUrl: 'https://x/t.png' }],
    ]);
    expect(JSON.stringify(r.warnings)).toContain('bad: content.text is empty');
  });
});
