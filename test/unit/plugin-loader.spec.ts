import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginKvEntity } from '../../src/plugin/plugin-kv.entity';
import { PluginConfigSchema } from '../../src/plugin/plugin-config';
import { DiscoveredPlugin, PluginLoader } from '../../src/plugin/plugin.loader';
import {
  createPluginRuntime,
  event,
  PluginRuntime,
  recorderCode,
  tempPluginsDir,
  writePlugin,
} from '../support/plugin-runtime';

const OK = recorderCode([{ label: 'ok' }]);

describe('PluginLoader', () => {
  let dir: string;
  const load = (disabled: string[] = [], timeoutMs = 500) =>
    new PluginLoader().loadAll({ dir, disabled, timezone: 'Asia/Shanghai', timeoutMs });
  const byFolder = (found: DiscoveredPlugin[], folder: string) =>
    found.find((p) => p.directory === join(dir, folder)) as DiscoveredPlugin;
  beforeEach(() => {
    dir = tempPluginsDir();
  });

  it('loads a plugin with its defaults: priority 50, includeSelf false, a name per handler', async () => {
    writePlugin(dir, 'Good', recorderCode([{ label: 'x', on: ['text', 'at'] }]), { author: 'me', description: 'd' });
    writePlugin(
      dir,
      'Unnamed',
      `module.exports = { handlers: [{ on: 'image', handle() {} }, { on: ['text', 'voice'], handle() {} }] };`,
    );
    const found = await load();
    const good = byFolder(found, 'Good');
    expect(good).toMatchObject({ name: 'Good', error: null, skipped: false });
    expect(good.manifest).toEqual({ name: 'Good', version: '1.0.0', author: 'me', description: 'd' });
    expect(good.handlers).toEqual([
      expect.objectContaining({ plugin: 'Good', name: 'x', on: ['text', 'at'], priority: 50, includeSelf: false }),
    ]);
    expect(byFolder(found, 'Unnamed').handlers.map((h) => h.name)).toEqual(['image#0', 'text,voice#1']);
  });

  it('ignores folders without plugin.json and a missing plugins_dir', async () => {
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'README.md'), 'hi');
    expect(await load()).toEqual([]);
    dir = join(dir, 'does-not-exist');
    expect(await load()).toEqual([]);
  });

  it('records a bad manifest as the load error, naming every problem', async () => {
    writePlugin(dir, 'BadName', OK, { name: '1-starts-with-a-digit', version: '' });
    const notJson = writePlugin(dir, 'NotJson', OK);
    writeFileSync(join(notJson, 'plugin.json'), '{ name: ');
    writePlugin(dir, 'BadSchema', OK, { configSchema: { type: 'object', properties: { a: { type: 'strang' } } } });
    writePlugin(dir, 'NotObjectSchema', OK, { configSchema: { type: 'string' } });
    const found = await load();
    expect(byFolder(found, 'BadName')).toMatchObject({ name: 'BadName', manifest: null });
    expect(byFolder(found, 'BadName').error).toMatch(
      /^plugin\.json: name must match .*; version must be a non-empty string$/,
    );
    expect(byFolder(found, 'NotJson').error).toMatch(/^plugin\.json: not valid JSON/);
    expect(byFolder(found, 'BadSchema').error).toMatch(/^plugin\.json: configSchema is not a valid JSON Schema: /);
    expect(byFolder(found, 'NotObjectSchema').error).toContain('configSchema must describe an object');
  });

  it('records a duplicate name on both plugins instead of letting the first one win', async () => {
    writePlugin(dir, 'A', OK, { name: 'Twin' });
    writePlugin(dir, 'B', OK, { name: 'Twin' });
    writePlugin(dir, 'C', OK);
    writePlugin(dir, 'D', OK, { name: 'Case' });
    writePlugin(dir, 'E', OK, { name: 'CASE' });
    const found = await load();
    const message = `duplicate plugin name "Twin" in ${join(dir, 'A')} and ${join(dir, 'B')}`;
    expect(byFolder(found, 'A')).toMatchObject({ name: 'Twin', error: message, handlers: [] });
    expect(byFolder(found, 'B')).toMatchObject({ name: 'Twin', error: message, handlers: [] });
    expect(byFolder(found, 'C').error).toBeNull();
    // names differing only in case would share one row on MySQL
    expect(byFolder(found, 'E').error).toBe(`duplicate plugin name "CASE" in ${join(dir, 'D')} and ${join(dir, 'E')}`);
  });

  it('records a syntax error with its file and line, and a throwing entry, without stopping the others', async () => {
    writePlugin(dir, 'Syntax', 'module.exports = {\n  handlers: [\n};\n');
    writePlugin(dir, 'Throws', `throw new Error('cannot start');`);
    writePlugin(dir, 'Fine', OK);
    const found = await load();
    expect(byFolder(found, 'Syntax').error).toMatch(/^SyntaxError: .* \(.*Syntax\/index\.js:3\)$/);
    expect(byFolder(found, 'Throws').error).toBe('cannot start');
    expect(byFolder(found, 'Fine').error).toBeNull();
  });

  it('refuses an entry file outside the plugin folder or missing', async () => {
    writeFileSync(join(dir, 'outside.js'), OK);
    writePlugin(dir, 'Escapes', OK, { main: '../outside.js' });
    const linked = writePlugin(dir, 'Linked', OK, { main: 'link.js' });
    symlinkSync(join(dir, 'outside.js'), join(linked, 'link.js'));
    writePlugin(dir, 'Missing', OK, { main: 'nope.js' });
    writePlugin(dir, 'OtherMain', OK, { main: 'lib/main.js' }, 'lib/main.js');
    const found = await load();
    expect(byFolder(found, 'Escapes').error).toBe('entry file ../outside.js is outside the plugin folder');
    expect(byFolder(found, 'Linked').error).toBe('entry file link.js is outside the plugin folder');
    expect(byFolder(found, 'Missing').error).toBe('entry file nope.js does not exist');
    expect(byFolder(found, 'OtherMain').error).toBeNull();
  });

  it('accepts a function export, also an async one, and bounds how long it may take', async () => {
    writePlugin(dir, 'Sync', `module.exports = () => (${OK.replace('module.exports = ', '').replace(/;$/, '')});`);
    writePlugin(dir, 'Async', `module.exports = async () => ({ handlers: [{ on: 'text', handle() {} }] });`);
    writePlugin(dir, 'Slow', `module.exports = () => new Promise(() => {});`);
    writePlugin(dir, 'Esm', `exports.__esModule = true; exports.default = { handlers: [{ on: 'any', handle() {} }] };`);
    const found = await load([], 100);
    expect(byFolder(found, 'Sync').handlers).toHaveLength(1);
    expect(byFolder(found, 'Async').handlers).toHaveLength(1);
    expect(byFolder(found, 'Esm').handlers).toHaveLength(1);
    expect(byFolder(found, 'Slow').error).toBe('the exported function did not return a definition within 100 ms');
  });

  it('validates handlers and jobs and lists every problem', async () => {
    writePlugin(
      dir,
      'Bad',
      `module.exports = {
        handlers: [
          { on: 'txt', handle() {} },
          { on: 'text', priority: 100, handle() {} },
          { on: 'text', priority: 1.5 },
          { on: [], handle() {}, includeSelf: 'yes' },
        ],
        jobs: [
          { name: 'both', cron: '* * * * *', intervalMs: 5000, run() {} },
          { name: 'neither', run() {} },
          { name: 'fast', intervalMs: 999, run() {} },
          { name: 'badcron', cron: '61 * * * *', run() {} },
          { name: 'fast', cron: '0 8 * * *' },
        ],
        onLoad: 'soon',
      };`,
    );
    writePlugin(dir, 'NotAnObject', `module.exports = 42;`);
    const found = await load();
    const problems = (byFolder(found, 'Bad').error as string).split('; ');
    expect(problems).toEqual([
      'handlers[0].on: "txt" is not an event kind, "any" or "at"',
      'handlers[1].priority must be an integer from 0 to 99',
      'handlers[2].priority must be an integer from 0 to 99',
      'handlers[2].handle must be a function',
      'handlers[3].on must be an event kind, "any", "at", or a non-empty list of them',
      'handlers[3].includeSelf must be a boolean',
      'jobs[0] needs exactly one of cron and intervalMs',
      'jobs[1] needs exactly one of cron and intervalMs',
      'jobs[2].intervalMs must be an integer from 1000 to 2147483647',
      'jobs[3].cron "61 * * * *" is invalid: CronPattern: Invalid value for minute: 61',
      'jobs[4].name "fast" is used by another job',
      'jobs[4].run must be a function',
      'onLoad must be a function',
    ]);
    expect(byFolder(found, 'NotAnObject').error).toBe(
      'the entry must export a plugin definition object, or a function returning one',
    );
  });

  it('lists a plugin named in disabled_plugins without running its code', async () => {
    const path = writePlugin(dir, 'Off', `require('fs').writeFileSync(__dirname + '/ran', 'yes'); ${OK}`);
    writePlugin(dir, 'Folder', OK, { name: 'ByFolderName' });
    const found = await load(['Off', 'Folder']);
    expect(byFolder(found, 'Off')).toMatchObject({ name: 'Off', skipped: true, error: null, handlers: [] });
    expect(byFolder(found, 'Folder')).toMatchObject({ name: 'ByFolderName', skipped: true });
    expect(existsSync(join(path, 'ran'))).toBe(false);
  });
});

describe('PluginConfigSchema', () => {
  const schema = PluginConfigSchema.compile({
    type: 'object',
    properties: {
      greeting: { type: 'string', default: 'hi' },
      count: { type: 'integer', minimum: 1, default: 3 },
      nested: {
        type: 'object',
        properties: { list: { type: 'array', items: { type: 'string' } } },
        required: ['list'],
      },
      email: { type: 'string', format: 'email' },
    },
    additionalProperties: false,
  });

  it('fills the defaults under the stored values, leaving the input alone', () => {
    const input = { count: 7 };
    expect(schema.check(input)).toEqual({ config: { greeting: 'hi', count: 7 }, errors: [] });
    expect(input).toEqual({ count: 7 });
    expect(schema.effective(null).config).toEqual({ greeting: 'hi', count: 3 });
    expect(schema.effective('{"greeting":"yo"}').config).toEqual({ greeting: 'yo', count: 3 });
    expect(schema.effective('not json').config).toEqual({ greeting: 'hi', count: 3 });
  });

  it('names each invalid field in its message', () => {
    const { errors } = schema.check({
      greeting: 5,
      count: 0,
      nested: { list: ['a', 2] },
      extra: true,
      email: 'nope',
    });
    expect(errors).toEqual([
      'config.extra is not allowed',
      'config.greeting must be string',
      'config.count must be >= 1',
      'config.nested.list[1] must be string',
      'config.email must match format "email"',
    ]);
    expect(schema.check({ nested: {} }).errors).toEqual(['config.nested.list is required']);
    expect(schema.check([1]).errors).toEqual(['config must be an object']);
  });

  it('understands draft 2020-12 schemas and accepts anything without a schema', () => {
    const s2020 = PluginConfigSchema.compile({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { a: { type: 'number', default: 1 } },
    });
    expect(s2020.check({}).config).toEqual({ a: 1 });
    expect(PluginConfigSchema.none.check({ anything: [1] })).toEqual({ config: { anything: [1] }, errors: [] });
  });
});

describe('PluginRegistry', () => {
  let rt: PluginRuntime;
  afterEach(() => rt?.close());

  it('seeds a row for each newly seen plugin and keeps the flag and config of known ones', async () => {
    const dir = tempPluginsDir();
    writePlugin(dir, 'Listed', OK, { version: '1.0.0', author: 'a', description: 'first' });
    writePlugin(dir, 'Unlisted', OK);
    writePlugin(dir, 'Broken', 'syntax error here');
    writePlugin(dir, 'BadManifest', OK, { version: 3 });
    rt = await createPluginRuntime(dir, { enabled_plugins: ['Listed', 'Broken'] });
    await rt.registry.reload();
    expect((await rt.plugins()).map((p) => [p.name, p.enabled, p.version])).toEqual([
      ['Broken', true, '1.0.0'],
      ['Listed', true, '1.0.0'],
      ['Unlisted', false, '1.0.0'],
    ]);
    // outside the working directory the folder is stored absolute
    expect((await rt.plugins())[1]).toMatchObject({ directory: join(dir, 'Listed'), author: 'a' });

    await rt.settings.setEnabled('Listed', false);
    await rt.settings.setConfig('Listed', { a: 1 });
    writePlugin(dir, 'Listed', OK, { version: '2.0.0', author: 'b', description: 'second' });
    await rt.registry.reload();
    expect((await rt.plugins()).find((p) => p.name === 'Listed')).toMatchObject({
      enabled: false,
      config: '{"a":1}',
      version: '2.0.0',
      author: 'b',
      description: 'second',
    });
  });

  it('picks up changed code, new plugins and removed ones on reload, calling onUnload and onLoad', async () => {
    const dir = tempPluginsDir();
    const lifecycle = (label: string) => `module.exports = {
      handlers: [{ on: 'text', handle: (ctx) => ctx.reply('${label} ' + ctx.config.word) }],
      async onLoad(ctx) { await ctx.store.set('loads', ((await ctx.store.get('loads')) ?? 0) + 1); ctx.log.info('loaded'); },
      onUnload() { require('fs').appendFileSync(__dirname + '/unloads', 'x'); },
    };`;
    const path = writePlugin(dir, 'Life', lifecycle('v1'), {
      configSchema: { type: 'object', properties: { word: { type: 'string', default: 'w' } } },
    });
    rt = await createPluginRuntime(dir, { enabled_plugins: ['Life', 'Later'] });
    await rt.registry.reload();
    await rt.dispatcher.dispatch(event(), { requestId: null });

    writeFileSync(join(path, 'index.js'), lifecycle('v2'));
    writePlugin(dir, 'Later', recorderCode([{ label: 'later' }]));
    const summary = await rt.registry.reload();
    expect(summary).toEqual({ loaded: ['Later', 'Life'], failed: [] });
    await rt.dispatcher.dispatch(event(), { requestId: null });
    expect(rt.sent.map((s) => s.content)).toEqual(['v1 w', 'later', 'v2 w']);
    expect(readFileSync(join(path, 'unloads'), 'utf8')).toBe('x');
    const loads = await rt.db.getRepository(PluginKvEntity).findOneBy({ pluginName: 'Life', key: 'loads' });
    expect(loads?.value).toBe('2');

    writePlugin(dir, 'Life', `module.exports = {`);
    const broken = await rt.registry.reload();
    expect(broken.failed).toEqual([
      expect.objectContaining({ name: 'Life', error: expect.stringMatching(/^SyntaxError: /) }),
    ]);
    expect(rt.registry.get('Life')).toMatchObject({ loaded: false });
    expect(rt.registry.handlers().map((h) => h.plugin)).toEqual(['Later']);
  });

  it('records a failing onLoad as the load error and never dispatches to that plugin', async () => {
    const dir = tempPluginsDir();
    writePlugin(
      dir,
      'BadStart',
      `module.exports = { handlers: [{ on: 'any', handle: (ctx) => ctx.reply('x') }],
      onLoad() { throw new Error('no database'); } };`,
    );
    writePlugin(dir, 'Hangs', `module.exports = { onLoad: () => new Promise(() => {}) };`);
    rt = await createPluginRuntime(dir, { enabled_plugins: ['BadStart', 'Hangs'], handler_timeout: '100ms' });
    const summary = await rt.registry.reload();
    expect(summary.failed).toEqual([
      { name: 'BadStart', directory: join(dir, 'BadStart'), error: 'onLoad failed: no database' },
      { name: 'Hangs', directory: join(dir, 'Hangs'), error: 'onLoad failed: did not finish within 100 ms' },
    ]);
    expect(await rt.dispatcher.dispatch(event(), { requestId: null })).toEqual([]);
  });
});
