import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginConfigSchema } from '../../src/plugin/plugin-config';
import { PluginLoader } from '../../src/plugin/plugin.loader';
import type {
  HandlerContext,
  HandlerSpec,
  JobContext,
  PluginDefinition,
  PluginLogger,
  PluginStore,
} from '../../src/plugin/plugin.types';
import { event } from '../support/plugin-runtime';

const FOLDER = join(__dirname, '../../plugins/ExamplePlugin');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require(join(FOLDER, 'index.js')) as PluginDefinition;
const manifest = JSON.parse(readFileSync(join(FOLDER, 'plugin.json'), 'utf8')) as {
  configSchema: Record<string, unknown>;
};
const schema = PluginConfigSchema.compile(manifest.configSchema);

function fakeLog(): PluginLogger & { lines: [string, string, unknown][] } {
  const lines: [string, string, unknown][] = [];
  const at = (level: string) => (msg: string, data?: Record<string, unknown>) => void lines.push([level, msg, data]);
  return { lines, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function fakeStore(): PluginStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: <T>(k: string) => Promise.resolve(data.get(k) as T | undefined),
    set: (k: string, v: unknown) => Promise.resolve(void data.set(k, v)),
    delete: (k: string) => Promise.resolve(void data.delete(k)),
  };
}

function context(e: Parameters<typeof event>[0], config: Record<string, unknown> = {}, store = fakeStore()) {
  const replies: string[] = [];
  const log = fakeLog();
  const ctx = {
    event: event(e),
    robot: { id: 1, name: 'r', appId: 'wx_app_1', wxid: 'wxid_robot1', nickname: null },
    config: schema.check(config).config,
    log,
    store,
    requestId: 'req',
    reply: (text: string) => {
      replies.push(text);
      return Promise.resolve({ toWxid: 'x', msgId: '1', newMsgId: '2', createTime: 0 });
    },
  } as unknown as HandlerContext;
  return { ctx, replies, log, store };
}

const handler = (name: string) => plugin.handlers?.find((h) => h.name === name) as HandlerSpec;

describe('ExamplePlugin', () => {
  it('loads cleanly from its folder with a valid manifest', async () => {
    const found = await new PluginLoader().loadAll({
      dir: join(FOLDER, '..'),
      disabled: [],
      timezone: 'Asia/Shanghai',
      timeoutMs: 1000,
    });
    const example = found.find((p) => p.name === 'ExamplePlugin');
    expect(example).toMatchObject({ error: null, skipped: false });
    expect(example?.handlers.map((h) => [h.name, h.on, h.priority, h.includeSelf])).toEqual([
      ['log-events', ['any'], 0, true],
      ['ping', ['text'], 50, false],
      ['at-reply', ['at'], 50, false],
    ]);
    expect(example?.jobs.map((j) => [j.name, j.intervalMs])).toEqual([['heartbeat', 60_000]]);
  });

  it('has a config schema whose defaults make a complete config', () => {
    expect(schema.check({}).config).toEqual({
      pongText: 'pong',
      atReply: '你好！发送 "ping"，我会回复 "pong"。',
      heartbeatMinutes: 60,
    });
    expect(schema.check({ pongText: 1, heartbeatMinutes: 0, other: true }).errors).toEqual([
      'config.other is not allowed',
      'config.pongText must be string',
      'config.heartbeatMinutes must be >= 1',
    ]);
  });

  it('answers "ping" with "pong" in a private chat, trimmed and whatever the case, and counts it', async () => {
    const { ctx, replies, store } = context({ text: '  PiNg ' });
    expect(await handler('ping').handle(ctx)).toBeUndefined();
    await handler('ping').handle(context({ text: 'ping' }, {}, store).ctx);
    expect(replies).toEqual(['pong']);
    expect(store.data.get('pings')).toBe(2);
  });

  it('answers "ping" in a group, with the configured text', async () => {
    const { ctx, replies } = context({ text: 'ping', isGroup: true, chatId: '1@chatroom' }, { pongText: 'PONG!' });
    await handler('ping').handle(ctx);
    expect(replies).toEqual(['PONG!']);
  });

  it('stays quiet on other texts', async () => {
    for (const text of ['pingpong', 'hello', '', null]) {
      const { ctx, replies, store } = context({ text });
      await handler('ping').handle(ctx);
      expect(replies).toEqual([]);
      expect(store.data.size).toBe(0);
    }
  });

  it('answers an @-mention in a group, leaving "@robot ping" to the ping handler', async () => {
    const at = context({ text: 'hello robot', isGroup: true, mentionsSelf: true });
    await handler('at-reply').handle(at.ctx);
    expect(at.replies).toEqual(['你好！发送 "ping"，我会回复 "pong"。']);
    const custom = context({ text: 'hey', isGroup: true, mentionsSelf: true }, { atReply: 'Yes?' });
    await handler('at-reply').handle(custom.ctx);
    expect(custom.replies).toEqual(['Yes?']);
    const ping = context({ text: 'ping', isGroup: true, mentionsSelf: true });
    await handler('at-reply').handle(ping.ctx);
    expect(ping.replies).toEqual([]);
  });

  it('logs every event kind at debug, including its own messages', async () => {
    const { ctx, log, replies } = context({ kind: 'revoke', isSelf: true, chatId: 'c' });
    expect(handler('log-events')).toMatchObject({ on: 'any', priority: 0, includeSelf: true });
    await handler('log-events').handle(ctx);
    expect(log.lines).toEqual([['debug', 'event revoke', expect.objectContaining({ kind: 'revoke', isSelf: true })]]);
    expect(replies).toEqual([]);
  });

  it('logs the ping count on each heartbeatMinutes boundary of its minute tick', async () => {
    const job = plugin.jobs?.[0] as NonNullable<PluginDefinition['jobs']>[number];
    const store = fakeStore();
    await store.set('pings', 7);
    const log = fakeLog();
    const ctx = { config: schema.check({ heartbeatMinutes: 15 }).config, log, store } as unknown as JobContext;
    const now = jest.spyOn(Date, 'now');
    try {
      now.mockReturnValue(Date.UTC(2025, 0, 1, 10, 15, 0, 30));
      await job.run(ctx);
      now.mockReturnValue(Date.UTC(2025, 0, 1, 10, 16, 0, 30));
      await job.run(ctx);
    } finally {
      now.mockRestore();
    }
    expect(log.lines).toEqual([['info', 'Heartbeat', { pings: 7 }]]);
  });

  it('logs its config once loaded', async () => {
    const log = fakeLog();
    await plugin.onLoad?.({ config: schema.check({}).config, log, store: fakeStore() });
    expect(log.lines).toEqual([['info', 'ExamplePlugin loaded', { pongText: 'pong', heartbeatMinutes: 60 }]]);
  });
});
