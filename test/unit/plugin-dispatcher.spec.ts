import {
  createPluginRuntime,
  event,
  PluginRuntime,
  recorderCode,
  tempPluginsDir,
  writePlugin,
} from '../support/plugin-runtime';

describe('PluginDispatcher', () => {
  let rt: PluginRuntime;
  afterEach(() => rt?.close());

  /** The labels the recorder plugins replied since the last call, in order. */
  const calls = () => rt.sent.splice(0).map((s) => s.content);

  async function start(
    plugins: Record<string, string>,
    options: Record<string, unknown> = {},
    manifests: Record<string, Record<string, unknown>> = {},
  ) {
    const dir = tempPluginsDir();
    for (const [name, code] of Object.entries(plugins)) writePlugin(dir, name, code, manifests[name]);
    rt = await createPluginRuntime(dir, { enabled_plugins: Object.keys(plugins), ...options });
    await rt.registry.reload();
    return rt;
  }

  it('runs handlers by priority, lower first, ties by plugin name then declaration order', async () => {
    await start({
      Zeta: recorderCode([{ label: 'Zeta-50' }, { label: 'Zeta-10', priority: 10 }]),
      Alpha: recorderCode([
        { label: 'Alpha-50a' },
        { label: 'Alpha-99', priority: 99 },
        { label: 'Alpha-50b' },
        { label: 'Alpha-0', priority: 0 },
      ]),
    });
    const outcomes = await rt.dispatcher.dispatch(event(), { requestId: 'req-1' });
    expect(calls()).toEqual(['Alpha-0', 'Zeta-10', 'Alpha-50a', 'Alpha-50b', 'Zeta-50', 'Alpha-99']);
    expect(outcomes.map((o) => `${o.plugin}/${o.handler}/${o.status}`)).toEqual([
      'Alpha/Alpha-0/ok',
      'Zeta/Zeta-10/ok',
      'Alpha/Alpha-50a/ok',
      'Alpha/Alpha-50b/ok',
      'Zeta/Zeta-50/ok',
      'Alpha/Alpha-99/ok',
    ]);
  });

  it('stops the chain when a handler returns false, and only then', async () => {
    await start({
      A: recorderCode([
        { label: 'first', priority: 1, result: 'true' },
        { label: 'stopper', priority: 2, result: 'false' },
      ]),
      B: recorderCode([{ label: 'never', priority: 3 }]),
    });
    const outcomes = await rt.dispatcher.dispatch(event(), { requestId: null });
    expect(calls()).toEqual(['first', 'stopper']);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'stopped']);
  });

  it('matches `any` to every kind, a kind only to itself, and `at` only to text that mentions the robot', async () => {
    await start({
      P: recorderCode([
        { label: 'any', on: 'any' },
        { label: 'text', on: 'text' },
        { label: 'image', on: 'image' },
        { label: 'at', on: 'at' },
        { label: 'text-or-image', on: ['text', 'image'] },
      ]),
    });
    const run = async (e: Parameters<typeof event>[0]) => {
      await rt.dispatcher.dispatch(event(e), { requestId: null });
      return calls();
    };
    expect(await run({ kind: 'text' })).toEqual(['any', 'text', 'text-or-image']);
    expect(await run({ kind: 'image' })).toEqual(['any', 'image', 'text-or-image']);
    expect(await run({ kind: 'revoke' })).toEqual(['any']);
    expect(await run({ kind: 'text', isGroup: true, mentionsSelf: true })).toEqual([
      'any',
      'text',
      'at',
      'text-or-image',
    ]);
    // @all alone, or a mention in a non-text message, is not `at`
    expect(await run({ kind: 'text', isGroup: true, mentionsAll: true })).toEqual(['any', 'text', 'text-or-image']);
    expect(await run({ kind: 'quote', mentionsSelf: true })).toEqual(['any']);
  });

  it('skips messages the robot sent itself unless the handler asks for them', async () => {
    await start({ P: recorderCode([{ label: 'plain' }, { label: 'self', includeSelf: true }]) });
    await rt.dispatcher.dispatch(event({ isSelf: true }), { requestId: null });
    expect(calls()).toEqual(['self']);
  });

  it('keeps going past a throwing and a hanging handler, recording an error and a timeout', async () => {
    await start(
      {
        Thrower: `module.exports = { handlers: [{ on: 'text', priority: 1, handle() { throw new Error('boom'); } }] };`,
        Hanger: `module.exports = { handlers: [{ name: 'hang', on: 'text', priority: 2, handle: () => new Promise(() => {}) }] };`,
        Rejecter: `module.exports = { handlers: [{ on: 'text', priority: 3, handle: async () => { throw new TypeError('bad'); } }] };`,
        Fine: recorderCode([{ label: 'fine', on: 'text', priority: 4 }]),
      },
      { handler_timeout: '100ms' },
    );
    // the hanger never settles: the dispatch returning at all is handler_timeout at work
    const outcomes = await rt.dispatcher.dispatch(event(), { requestId: null });
    expect(outcomes).toEqual([
      expect.objectContaining({ plugin: 'Thrower', handler: 'text#0', status: 'error', error: 'boom' }),
      expect.objectContaining({
        plugin: 'Hanger',
        handler: 'hang',
        status: 'timeout',
        error: 'timed out after 100 ms',
      }),
      expect.objectContaining({ plugin: 'Rejecter', status: 'error', error: 'TypeError: bad' }),
      expect.objectContaining({ plugin: 'Fine', status: 'ok' }),
    ]);
    expect(outcomes[1].durationMs).toBeGreaterThanOrEqual(90);
    expect(calls()).toEqual(['fine']);
    expect(rt.dispatcher.statsOf('Hanger')).toMatchObject({ calls: 1, failures: 0, timeouts: 1 });
    expect(rt.dispatcher.statsOf('Thrower')).toMatchObject({ calls: 1, failures: 1, lastError: 'boom' });
    expect(rt.dispatcher.statsOf('Fine')).toMatchObject({ calls: 1, failures: 0, timeouts: 0, lastError: null });
  });

  it('disables a plugin after max_consecutive_failures in a row, keeping the reason, and a success resets the count', async () => {
    await start(
      {
        Flaky: `module.exports = { handlers: [{ on: 'text', handle(ctx) { if (ctx.event.text !== 'ok') throw new Error('fail ' + ctx.event.text); } }] };`,
        Other: recorderCode([{ label: 'other', on: 'text' }]),
      },
      { max_consecutive_failures: 3 },
    );
    const send = (text: string) => rt.dispatcher.dispatch(event({ text }), { requestId: null });
    await send('1');
    await send('2');
    await send('ok'); // resets the run of failures
    await send('3');
    await send('4');
    expect((await rt.plugins()).find((p) => p.name === 'Flaky')?.enabled).toBe(true);
    const last = await send('5');
    expect(last[0]).toMatchObject({ plugin: 'Flaky', status: 'error' });
    const row = (await rt.plugins()).find((p) => p.name === 'Flaky');
    expect(row).toMatchObject({
      enabled: false,
      disabledReason: 'disabled automatically after 3 consecutive failures: fail 5',
    });
    // no restart needed: the next event skips it, the other plugin still runs
    const next = await send('6');
    expect(next.map((o) => o.plugin)).toEqual(['Other']);
    expect(rt.dispatcher.statsOf('Flaky')).toMatchObject({ calls: 6, failures: 5 });
  });

  it('does not disable a plugin whose replies fail because Gewe is down', async () => {
    await start(
      {
        Replier: `module.exports = { handlers: [{ on: 'text', handle(ctx) { return ctx.reply('gewe-down').then(() => undefined); } }] };`,
      },
      { max_consecutive_failures: 2 },
    );
    for (let i = 0; i < 4; i++) {
      const [o] = await rt.dispatcher.dispatch(event(), { requestId: null });
      expect(o).toMatchObject({ plugin: 'Replier', status: 'error', gewe: true });
    }
    expect((await rt.plugins()).find((p) => p.name === 'Replier')).toMatchObject({
      enabled: true,
      disabledReason: null,
    });
  });

  it('keeps a disabled-automatically plugin off for every robot, even one with an override', async () => {
    await start(
      { Flaky: `module.exports = { handlers: [{ on: 'text', handle() { throw new Error('no'); } }] };` },
      { max_consecutive_failures: 1 },
    );
    await rt.settings.setOverride('Flaky', 2, true);
    await rt.dispatcher.dispatch(event(), { requestId: null });
    expect(await rt.dispatcher.dispatch(event({ robotId: 2 }), { requestId: null })).toEqual([]);
    await rt.settings.setEnabled('Flaky', true);
    expect(await rt.dispatcher.dispatch(event({ robotId: 2 }), { requestId: null })).toHaveLength(1);
  });

  it('honours a per-robot override of the global flag', async () => {
    await start({ On: recorderCode([{ label: 'on' }]), Off: recorderCode([{ label: 'off' }]) });
    await rt.settings.setEnabled('Off', false);
    await rt.settings.setOverride('Off', 2, true);
    await rt.settings.setOverride('On', 2, false);
    await rt.dispatcher.dispatch(event({ robotId: 1 }), { requestId: null });
    expect(calls()).toEqual(['on']);
    await rt.dispatcher.dispatch(event({ robotId: 2 }), { requestId: null });
    expect(calls()).toEqual(['off']);
    // removing the override falls back to the global flag
    await rt.settings.setOverride('On', 2, null);
    await rt.dispatcher.dispatch(event({ robotId: 2 }), { requestId: null });
    expect(calls()).toEqual(['off', 'on']);
  });

  it('enables on discovery only the plugins listed in enabled_plugins', async () => {
    const dir = tempPluginsDir();
    writePlugin(dir, 'Listed', recorderCode([{ label: 'listed' }]));
    writePlugin(dir, 'Unlisted', recorderCode([{ label: 'unlisted' }]));
    rt = await createPluginRuntime(dir, { enabled_plugins: ['Listed'] });
    await rt.registry.reload();
    await rt.dispatcher.dispatch(event(), { requestId: null });
    expect(calls()).toEqual(['listed']);
  });

  it('gives handlers the event, the robot, a reply in the conversation, the config with defaults, and a store', async () => {
    const code = `module.exports = { handlers: [{ on: 'text', async handle(ctx) {
      const n = ((await ctx.store.get('n')) ?? 0) + 1;
      await ctx.store.set('n', n);
      ctx.event.text = 'changed by the first handler';
      ctx.event.mentions.push('wxid_added');
      ctx.event.raw.Data.Content.string = 'changed too';
      ctx.config.greeting = 'mutated';
      const seen = { robot: ctx.robot, requestId: ctx.requestId, config: ctx.config, n, gewe: ctx.gewe };
      await ctx.reply(JSON.stringify(seen), ['wxid_a']);
    } }, { on: 'text', handle: (ctx) => ctx.reply(JSON.stringify({
      text: ctx.event.text, mentions: ctx.event.mentions, raw: ctx.event.raw, config: ctx.config,
    })) }] };`;
    await start(
      { Greeter: code },
      {},
      {
        Greeter: {
          configSchema: {
            type: 'object',
            properties: { greeting: { type: 'string', default: 'hello' }, times: { type: 'integer', default: 2 } },
          },
        },
      },
    );
    await rt.settings.setConfig('Greeter', { times: 5 });
    const e = event({
      chatId: '123@chatroom',
      isGroup: true,
      text: 'yo',
      raw: { Data: { Content: { string: 'yo' } } },
    });
    await rt.dispatcher.dispatch(e, { requestId: 'req-9' });
    await rt.dispatcher.dispatch(e, { requestId: 'req-9' });
    expect(rt.sent.map((s) => ({ ...s, content: JSON.parse(s.content) }))).toEqual([
      {
        robotId: 1,
        to: '123@chatroom',
        ats: ['wxid_a'],
        content: {
          robot: { id: 1, name: 'robot1', appId: 'wx_app_1', wxid: 'wxid_robot1', nickname: 'Robot 1' },
          requestId: 'req-9',
          config: { greeting: 'mutated', times: 5 },
          n: 1,
          gewe: { fake: true },
        },
      },
      // the second handler sees neither the first one's changes to the event nor to the config
      {
        robotId: 1,
        to: '123@chatroom',
        content: {
          text: 'yo',
          mentions: [],
          raw: { Data: { Content: { string: 'yo' } } },
          config: { greeting: 'hello', times: 5 },
        },
      },
      expect.objectContaining({ content: expect.objectContaining({ n: 2 }) }),
      expect.objectContaining({
        content: {
          text: 'yo',
          mentions: [],
          raw: { Data: { Content: { string: 'yo' } } },
          config: { greeting: 'hello', times: 5 },
        },
      }),
    ]);
    // nor does the dispatcher's own event change, to its depth
    expect([e.text, e.mentions, e.raw]).toEqual(['yo', [], { Data: { Content: { string: 'yo' } } }]);
  });

  it('fails a reply to an event that has no conversation', async () => {
    await start({ A: recorderCode([{ label: 'a' }]) });
    const [outcome] = await rt.dispatcher.dispatch(event({ kind: 'offline', chatId: null }), { requestId: null });
    expect(outcome).toMatchObject({ status: 'error', error: 'a offline event has no conversation to reply to' });
  });

  it('runs only the named plugin when asked to', async () => {
    await start({ A: recorderCode([{ label: 'a' }]), B: recorderCode([{ label: 'b' }]) });
    const outcomes = await rt.dispatcher.dispatch(event(), { requestId: null, onlyPlugin: 'B' });
    expect(calls()).toEqual(['b']);
    expect(outcomes.map((o) => o.plugin)).toEqual(['B']);
  });

  it('answers no outcomes, without touching the robot, when no handler wants the event', async () => {
    await start({ A: recorderCode([{ label: 'a', on: 'image' }]) });
    expect(await rt.dispatcher.dispatch(event({ robotId: 999 }), { requestId: null })).toEqual([]);
  });

  it('drops the event of a robot that no longer exists', async () => {
    await start({ A: recorderCode([{ label: 'a' }]) });
    expect(await rt.dispatcher.dispatch(event({ robotId: 999 }), { requestId: null })).toEqual([]);
    expect(calls()).toEqual([]);
  });

  it('sees a change made by another instance once its settings cache expires', async () => {
    await start({ A: recorderCode([{ label: 'a' }]) });
    let now = Date.now();
    rt.settings.clock = () => now;
    rt.settings.ttlMs = 200;
    const other = await createPluginRuntime(rt.dir, { enabled_plugins: ['A'] }, rt);
    try {
      await rt.dispatcher.dispatch(event(), { requestId: null });
      expect(calls()).toEqual(['a']);
      await other.settings.setEnabled('A', false);
      // still cached here…
      await rt.dispatcher.dispatch(event(), { requestId: null });
      expect(calls()).toEqual(['a']);
      // …and seen once the cache expires (on the store's clock: a busy machine cannot expire it early)
      now += 250;
      await rt.dispatcher.dispatch(event(), { requestId: null });
      expect(calls()).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
