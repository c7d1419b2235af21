import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { PluginChatSettingEntity } from '../../src/plugin/plugin-chat-setting.entity';
import { PluginRobotSettingEntity } from '../../src/plugin/plugin-robot-setting.entity';
import { PluginEntity } from '../../src/plugin/plugin.entity';
import { RobotEntity } from '../../src/robot/robot.entity';
import { PluginKvEntity } from '../../src/plugin/plugin-kv.entity';
import { PluginConfigSchema } from '../../src/plugin/plugin-config';
import { chatConfigKeys, overlayChatSection, PluginConfigResolver } from '../../src/plugin/plugin-config-resolver';
import {
  chatKey,
  ChatSettings,
  PluginSettings,
  PluginSettingsStore,
  SettingsSnapshot,
} from '../../src/plugin/plugin-settings.store';
import { chatSchemaProblems, PluginLoader } from '../../src/plugin/plugin.loader';
import type { PluginRegistry, RegisteredPlugin } from '../../src/plugin/plugin.registry';
import {
  createPluginRuntime,
  event,
  PluginRuntime,
  robotEntity,
  tempPluginsDir,
  writePlugin,
} from '../support/plugin-runtime';
import { waitFor } from '../support/wait';

const row = (name: string, enabled: boolean, config: unknown = null, disabledReason: string | null = null) =>
  [name, { name, enabled, disabledReason, config: config === null ? null : JSON.stringify(config) }] as [
    string,
    PluginSettings,
  ];
const chat = (enabled: boolean | null, config: unknown = null): ChatSettings => ({
  enabled,
  config: config === null ? null : JSON.stringify(config),
  updatedAt: new Date('2026-01-01T00:00:00Z'),
});

function snapshot(o: {
  plugins: [string, PluginSettings][];
  robots?: [string, [number, boolean][]][];
  chats?: [number, string, string, ChatSettings][];
}): SettingsSnapshot {
  const overrides = new Map((o.robots ?? []).map(([p, r]) => [p, new Map(r)]));
  const chats = new Map<string, Map<string, ChatSettings>>();
  for (const [robotId, chatId, plugin, s] of o.chats ?? []) {
    const m = chats.get(chatKey(robotId, chatId)) ?? new Map<string, ChatSettings>();
    m.set(plugin, s);
    chats.set(chatKey(robotId, chatId), m);
  }
  return new SettingsSnapshot(new Map(o.plugins), overrides, chats);
}

describe('SettingsSnapshot: chat ?? robot ?? global', () => {
  const s = snapshot({
    plugins: [row('On', true), row('Off', false), row('Broken', true, null, 'failed 5 times')],
    robots: [
      ['On', [[2, false]]],
      ['Off', [[2, true]]],
    ],
    chats: [
      [1, 'room1@chatroom', 'On', chat(false)],
      [1, 'room2@chatroom', 'Off', chat(true)],
      [2, 'room1@chatroom', 'On', chat(true)],
      [1, 'room3@chatroom', 'On', chat(null, { pongText: 'x' })],
      [1, 'room1@chatroom', 'Broken', chat(true)],
    ],
  });

  it('takes the chat switch first', () => {
    expect(s.enabledFor('On', 1, 'room1@chatroom')).toBe(false);
    expect(s.enabledFor('Off', 1, 'room2@chatroom')).toBe(true);
    // robot 2 switched On off, its room1 switched it on again
    expect(s.enabledFor('On', 2, 'room1@chatroom')).toBe(true);
  });

  it('inherits the robot override, then the global flag, when the chat has no switch', () => {
    expect(s.enabledFor('On', 1, 'room3@chatroom')).toBe(true); // config only: the switch inherits
    expect(s.enabledFor('On', 2, 'room9@chatroom')).toBe(false);
    expect(s.enabledFor('Off', 2, 'room9@chatroom')).toBe(true);
    expect(s.enabledFor('Off', 1, 'room9@chatroom')).toBe(false);
    expect(s.enabledFor('On', 1)).toBe(true);
    expect(s.enabledFor('On', 1, null)).toBe(true);
    // another robot's chat of the same id is not this robot's
    expect(s.enabledFor('Off', 3, 'room2@chatroom')).toBe(false);
  });

  it('keeps a plugin disabled automatically off in every chat', () => {
    expect(s.enabledFor('Broken', 1, 'room1@chatroom')).toBe(false);
    expect(s.enabledFor('Missing', 1, 'room1@chatroom')).toBe(false);
  });

  it('lists the chats with settings of a robot and counts a chat switch as active somewhere', () => {
    expect([...s.chatsOf(1).keys()].sort()).toEqual(['room1@chatroom', 'room2@chatroom', 'room3@chatroom']);
    expect([...s.chatsOf(2).keys()]).toEqual(['room1@chatroom']);
    expect(s.activeAnywhere('Off')).toBe(true);
    const onlyChat = snapshot({ plugins: [row('P', false)], chats: [[1, 'a@chatroom', 'P', chat(true)]] });
    expect(onlyChat.activeAnywhere('P')).toBe(true);
    expect(snapshot({ plugins: [row('P', false)], chats: [[1, 'a', 'P', chat(false)]] }).activeAnywhere('P')).toBe(
      false,
    );
  });
});

describe('PluginConfigResolver', () => {
  const configSchema = {
    type: 'object',
    properties: {
      pongText: { type: 'string', default: 'pong' },
      atReply: { type: 'string', default: 'hi' },
      nested: { type: 'object', default: { a: 1 } },
      secretKey: { type: 'string', default: 'k' },
    },
  };
  const chatConfigSchema = { type: 'object', properties: { pongText: { type: 'string' }, nested: { type: 'object' } } };
  const plugin = {
    name: 'P',
    manifest: { name: 'P', version: '1', configSchema, chatConfigSchema },
    configSchema: PluginConfigSchema.compile(configSchema),
  } as unknown as RegisteredPlugin;
  const registry = {
    effectiveConfig: (p: RegisteredPlugin, s: SettingsSnapshot) =>
      p.configSchema.effective(s.plugins.get(p.name)?.config ?? null).config,
  } as unknown as PluginRegistry;
  const resolver = new PluginConfigResolver(registry);
  const s = snapshot({
    plugins: [row('P', true, { atReply: 'stored' })],
    chats: [
      [1, 'room1@chatroom', 'P', chat(null, { pongText: 'room pong', secretKey: 'not a chat key' })],
      [1, 'room2@chatroom', 'P', chat(false, { nested: { b: 2 } })],
      [1, 'room3@chatroom', 'P', chat(true)],
    ],
  });

  it('is the stored config over the defaults without a chat', () => {
    expect(resolver.resolve(plugin, s, 1, null)).toEqual({
      pongText: 'pong',
      atReply: 'stored',
      nested: { a: 1 },
      secretKey: 'k',
    });
    expect(resolver.resolve(plugin, s, null, 'room1@chatroom').pongText).toBe('pong');
  });

  it("replaces the chatConfigSchema keys the chat sets, and only those, for that chat's events", () => {
    expect(resolver.resolve(plugin, s, 1, 'room1@chatroom')).toEqual({
      pongText: 'room pong',
      atReply: 'stored',
      nested: { a: 1 },
      secretKey: 'k', // not a key of chatConfigSchema: the section cannot change it
    });
    // a key is replaced whole, not merged
    expect(resolver.resolve(plugin, s, 1, 'room2@chatroom').nested).toEqual({ b: 2 });
    expect(resolver.resolve(plugin, s, 1, 'room3@chatroom').pongText).toBe('pong');
    expect(resolver.resolve(plugin, s, 2, 'room1@chatroom').pongText).toBe('pong');
  });

  it("gives a chat's own section, the allowed keys it sets only, as ctx.chatConfig", () => {
    expect(resolver.chatSection(plugin, s, 1, 'room1@chatroom')).toEqual({ pongText: 'room pong' });
    expect(resolver.chatSection(plugin, s, 1, 'room2@chatroom')).toEqual({ nested: { b: 2 } });
    expect(resolver.chatSection(plugin, s, 1, 'room3@chatroom')).toBeNull(); // a switch, no section
    expect(resolver.chatSection(plugin, s, 2, 'room1@chatroom')).toBeNull();
    expect(resolver.chatSection(plugin, s, 1, null)).toBeNull();
  });

  it('answers a fresh copy each time', () => {
    const a = resolver.resolve(plugin, s, 1, 'room2@chatroom');
    (a.nested as Record<string, unknown>).b = 99;
    a.pongText = 'changed';
    expect(resolver.resolve(plugin, s, 1, 'room2@chatroom')).toMatchObject({ nested: { b: 2 }, pongText: 'pong' });
  });

  it('ignores a section of a plugin without chatConfigSchema', () => {
    const bare = { ...plugin, manifest: { name: 'P', version: '1', configSchema } } as unknown as RegisteredPlugin;
    expect(chatConfigKeys(bare)).toEqual([]);
    expect(resolver.resolve(bare, s, 1, 'room1@chatroom').pongText).toBe('pong');
  });

  it('overlays only the allowed keys the section has', () => {
    expect(overlayChatSection({ a: 1, b: 2 }, { a: 9, c: 3 }, ['a', 'c'])).toEqual({ a: 9, b: 2, c: 3 });
    expect(overlayChatSection({ a: 1, b: 2 }, { b: 9 }, ['a'])).toEqual({ a: 1, b: 2 });
  });
});

describe('the loader checks chatConfigSchema', () => {
  const config = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } } };

  it('accepts an object schema whose properties are properties of configSchema', () => {
    expect(chatSchemaProblems({ type: 'object', properties: { a: { type: 'string' } } }, config)).toEqual([]);
  });

  it('names what is wrong', () => {
    expect(chatSchemaProblems('x', config)).toEqual(['chatConfigSchema must be a JSON Schema object']);
    expect(chatSchemaProblems({ properties: { a: {} } }, config)).toEqual([
      'chatConfigSchema must describe an object (type "object")',
    ]);
    expect(chatSchemaProblems({ type: 'object' }, config)).toEqual([
      'chatConfigSchema must list its keys in properties',
    ]);
    expect(chatSchemaProblems({ type: 'object', properties: { a: {}, zz: {} } }, config)).toEqual([
      'chatConfigSchema.properties.zz is not a top-level property of configSchema',
    ]);
    expect(chatSchemaProblems({ type: 'object', properties: { a: {} } }, undefined)).toEqual([
      'chatConfigSchema.properties.a is not a top-level property of configSchema',
    ]);
  });

  it('fails the plugin with a clear error, and compiles a valid one closed to other keys', async () => {
    const dir = tempPluginsDir();
    const code = `module.exports = { handlers: [] };`;
    writePlugin(dir, 'Bad', code, {
      configSchema: config,
      chatConfigSchema: { type: 'object', properties: { nope: { type: 'string' } } },
    });
    writePlugin(dir, 'Good', code, {
      configSchema: config,
      chatConfigSchema: { type: 'object', properties: { b: { type: 'integer', minimum: 1 } } },
    });
    const found = await new PluginLoader().loadAll({ dir, disabled: [], timezone: 'UTC', timeoutMs: 500 });
    const bad = found.find((p) => p.directory === join(dir, 'Bad'))!;
    expect(bad.error).toBe('plugin.json: chatConfigSchema.properties.nope is not a top-level property of configSchema');
    const good = found.find((p) => p.directory === join(dir, 'Good'))!;
    expect(good.error).toBeNull();
    expect(good.manifest?.chatConfigSchema).toEqual({
      type: 'object',
      properties: { b: { type: 'integer', minimum: 1 } },
    });
    expect(good.chatConfigSchema?.check({ b: 2 }).errors).toEqual([]);
    expect(good.chatConfigSchema?.check({ b: 0 }).fields).toEqual([
      { field: 'config.b', code: 'minimum', params: { field: 'config.b', limit: 1 } },
    ]);
    expect(good.chatConfigSchema?.check({ a: 'x' }).fields?.[0]).toMatchObject({
      field: 'config.a',
      code: 'additionalProperties',
    });
    // no defaults are filled into a section
    expect(good.chatConfigSchema?.check({}).config).toEqual({});
  });
});

describe('the dispatcher decides per chat', () => {
  let rt: PluginRuntime;
  beforeEach(async () => {
    const dir = tempPluginsDir();
    writePlugin(
      dir,
      'Echo',
      `module.exports = { handlers: [{ on: 'text', handle: (ctx) => ctx.reply(String(ctx.config.text)) }] };`,
      {
        configSchema: { type: 'object', properties: { text: { type: 'string', default: 'global' } } },
        chatConfigSchema: { type: 'object', properties: { text: { type: 'string' } } },
      },
    );
    rt = await createPluginRuntime(dir, { enabled_plugins: ['Echo'] });
    await rt.registry.reload();
    const real = await rt.settings.snapshot();
    const chats = new Map([
      [chatKey(1, 'off@chatroom'), new Map([['Echo', chat(false)]])],
      [chatKey(1, 'own@chatroom'), new Map([['Echo', chat(null, { text: 'own' })]])],
    ]);
    jest.spyOn(rt.settings, 'snapshot').mockResolvedValue(new SettingsSnapshot(real.plugins, real.overrides, chats));
  });
  afterEach(() => rt.close());

  it("skips a chat that switched the plugin off and runs with a chat's own section", async () => {
    const group = (chatId: string) => event({ chatId, fromWxid: chatId, isGroup: true, senderWxid: 'wxid_member' });
    expect(await rt.dispatcher.dispatch(group('off@chatroom'), { requestId: null })).toEqual([]);
    await rt.dispatcher.dispatch(group('own@chatroom'), { requestId: null });
    await rt.dispatcher.dispatch(group('other@chatroom'), { requestId: null });
    expect(rt.sent.map((s) => [s.to, s.content])).toEqual([
      ['own@chatroom', 'own'],
      ['other@chatroom', 'global'],
    ]);
  });
});

describe("SettingsSnapshot: the robots a plugin's jobs work for", () => {
  it('lists a robot enabled itself, or through one of its chats, and no robot of a plugin disabled automatically', () => {
    const s = snapshot({
      plugins: [row('Off', false), row('On', true), row('Broken', true, null, 'failed 5 times')],
      robots: [['On', [[2, false]]]],
      chats: [
        [1, 'a@chatroom', 'Off', chat(true)],
        [3, 'b@chatroom', 'Off', chat(false)],
        [2, 'c@chatroom', 'Broken', chat(true)],
      ],
    });
    expect(s.enabledSomewhereFor('Off', 1)).toBe(true); // off globally, on in one of robot 1's chats
    expect(s.enabledSomewhereFor('Off', 3)).toBe(false); // its only chat setting switches it off
    expect(s.enabledSomewhereFor('Off', 2)).toBe(false);
    expect(s.enabledSomewhereFor('On', 1)).toBe(true);
    expect(s.enabledSomewhereFor('On', 2)).toBe(false); // the robot switched it off
    expect(s.enabledSomewhereFor('Broken', 2)).toBe(false);
    expect(s.enabledSomewhereFor('Missing', 1)).toBe(false);
  });
});

describe("a job asks for the plugin's state in a chat", () => {
  let rt: PluginRuntime;
  afterEach(() => rt?.close());

  it('gets the chat switch and the chat config from ctx.chat', async () => {
    const dir = tempPluginsDir();
    writePlugin(
      dir,
      'Digest',
      `module.exports = { jobs: [{ name: 'tick', intervalMs: 1000, async run(ctx) {
        const seen = await Promise.all(['off@chatroom', 'own@chatroom', 'plain@chatroom'].map((c) => ctx.chat(1, c)));
        await ctx.store.set('seen', seen.map((s) => [s.enabled, s.config.text]));
      } }] };`,
      {
        configSchema: { type: 'object', properties: { text: { type: 'string', default: 'global' } } },
        chatConfigSchema: { type: 'object', properties: { text: { type: 'string' } } },
      },
    );
    rt = await createPluginRuntime(dir, { enabled_plugins: ['Digest'] });
    await rt.registry.reload();
    const real = await rt.settings.snapshot();
    const chats = new Map([
      [chatKey(1, 'off@chatroom'), new Map([['Digest', chat(false)]])],
      [chatKey(1, 'own@chatroom'), new Map([['Digest', chat(null, { text: 'own' })]])],
    ]);
    jest.spyOn(rt.settings, 'snapshot').mockResolvedValue(new SettingsSnapshot(real.plugins, real.overrides, chats));
    await rt.scheduler.sync();
    const seen = await waitFor(
      async () => {
        const row = await rt.db.getRepository(PluginKvEntity).findOneBy({ pluginName: 'Digest', key: 'seen' });
        return row ? (JSON.parse(row.value) as unknown) : null;
      },
      15_000,
      'a run',
    );
    expect(seen).toEqual([
      [false, 'global'],
      [true, 'own'],
      [true, 'global'],
    ]);
  });
});

describe('PluginSettingsStore: chat settings across instances', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [PluginEntity, PluginRobotSettingEntity, PluginChatSettingEntity, RobotEntity],
      synchronize: true,
    });
    await db.initialize();
    await db.getRepository(RobotEntity).insert({ ...robotEntity(1), id: 1 });
  });
  afterAll(() => db.destroy());

  const store = () =>
    new PluginSettingsStore(
      db.getRepository(PluginEntity),
      db.getRepository(PluginRobotSettingEntity),
      db.getRepository(PluginChatSettingEntity),
    );

  it("stores a chat's switch and section, deletes a row left with neither, and another instance sees it in 2 s", async () => {
    const a = store();
    const b = store();
    let now = 1_000_000;
    b.clock = () => now;
    await a.seed({ name: 'P', directory: 'plugins/P', version: '1', author: null, description: null }, true);
    await a.setOverride('P', 1, false);
    expect((await b.snapshot()).enabledFor('P', 1, 'room@chatroom')).toBe(false);

    await a.setChat('P', 1, 'room@chatroom', { enabled: true });
    await a.setChat('P', 1, 'room@chatroom', { config: JSON.stringify({ text: 'x' }) });
    const mine = await a.snapshot();
    expect(mine.chat('P', 1, 'room@chatroom')).toMatchObject({ enabled: true, config: '{"text":"x"}' });
    expect(mine.chat('P', 1, 'room@chatroom')?.updatedAt).toBeInstanceOf(Date);
    expect(mine.override('P', 1)).toBe(false);
    // the other instance answers from its cache until it expires
    expect((await b.snapshot()).enabledFor('P', 1, 'room@chatroom')).toBe(false);
    now += b.ttlMs;
    expect((await b.snapshot()).enabledFor('P', 1, 'room@chatroom')).toBe(true);

    await a.setChat('P', 1, 'room@chatroom', { enabled: null });
    expect((await a.snapshot()).chat('P', 1, 'room@chatroom')).toMatchObject({ enabled: null, config: '{"text":"x"}' });
    await a.setChat('P', 1, 'room@chatroom', { config: null });
    expect((await a.snapshot()).chat('P', 1, 'room@chatroom')).toBeUndefined();
    expect(await db.getRepository(PluginChatSettingEntity).count()).toBe(0);
  });
});
