import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginConfigSchema } from '../../../../src/plugin/plugin-config';
import { PluginLoader } from '../../../../src/plugin/plugin.loader';
import { promptFor, settingsOf } from '../../../../plugins/AiChat/lib/settings';
import { describeManifest } from '../../../support/plugin-manifest-check';

const FOLDER = join(__dirname, '../../../../plugins/AiChat');
const manifest = JSON.parse(readFileSync(join(FOLDER, 'plugin.json'), 'utf8')) as Record<string, unknown> & {
  configSchema: { properties: Record<string, Record<string, unknown>> };
  chatConfigSchema: { properties: Record<string, Record<string, unknown>> };
};

/** Every property of a schema, nested ones included, with its dotted path. */
function walk(props: Record<string, Record<string, unknown>>, at = ''): [string, Record<string, unknown>][] {
  return Object.entries(props).flatMap(([k, v]) => [
    [`${at}${k}`, v] as [string, Record<string, unknown>],
    ...(v.properties ? walk(v.properties as Record<string, Record<string, unknown>>, `${at}${k}.`) : []),
  ]);
}

describe('AiChat manifest', () => {
  const schema = PluginConfigSchema.compile(manifest.configSchema);

  it('has titles and descriptions in Chinese and English, for the plugin and every property', () => {
    for (const k of ['title_zh', 'title_en', 'description_zh', 'description_en']) expect(manifest[k]).toBeTruthy();
    for (const [path, p] of [...walk(manifest.configSchema.properties), ...walk(manifest.chatConfigSchema.properties)])
      for (const k of ['title_zh', 'title_en', 'description_zh', 'description_en'])
        expect({ path, [k]: typeof p[k] === 'string' && p[k].length > 0 }).toEqual({ path, [k]: true });
  });

  it('has working defaults: an empty config is valid and reads as the documented settings', () => {
    const { config, errors } = schema.check({});
    expect(errors).toEqual([]);
    const s = settingsOf(config);
    expect(s).toMatchObject({
      provider: 'openai',
      groupTrigger: { onAt: true, onQuoteOfRobot: true, prefixes: [], keywords: [], regexes: [], randomProbability: 0 },
      privateTrigger: 'always',
      ignore: { senders: [], regexes: [] },
      replyToReplays: false,
      scope: 'member_in_group',
      resetCommands: ['/new', '#清除记忆'],
      atAsker: true,
      markdownToText: true,
      failureHint: '',
      difyNoReplyMarker: '$NO_REPLY$',
    });
    // settingsOf of the filled config changes nothing the schema set
    for (const [k, v] of Object.entries(config))
      expect({ k, v: (s as unknown as Record<string, unknown>)[k] }).toEqual({ k, v });
  });

  it('loads cleanly from its folder: one handler on text and quotes, an api', async () => {
    const found = await new PluginLoader().loadAll({
      dir: join(FOLDER, '..'),
      disabled: [],
      timezone: 'Asia/Shanghai',
      timeoutMs: 1000,
    });
    const p = found.find((x) => x.name === 'AiChat');
    expect(p).toMatchObject({ error: null, skipped: false });
    expect(p?.handlers.map((h) => [h.name, h.on, h.priority, h.includeSelf])).toEqual([
      ['chat', ['text', 'quote'], 50, false],
    ]);
  });

  it('labels the options of every enum in both languages', () => {
    for (const [path, p] of walk(manifest.configSchema.properties))
      if (Array.isArray(p.enum))
        for (const k of ['enumTitles_zh', 'enumTitles_en'])
          expect({ path, [k]: (p[k] as unknown[] | undefined)?.length }).toEqual({ path, [k]: p.enum.length });
  });

  it('masks the API key', () => {
    expect([...schema.secretPaths()]).toEqual(['apiKey']);
  });

  it('refuses bad values with the field named', () => {
    const { errors } = schema.check({ provider: 'claude', groupTrigger: { randomProbability: 2 } });
    expect(errors.join('\n')).toMatch(/config\.provider/);
    expect(errors.join('\n')).toMatch(/config\.groupTrigger\.randomProbability/);
  });

  it('declares a per-chat section whose keys are top-level keys of the config, without defaults', () => {
    const chat = PluginConfigSchema.compile(manifest.chatConfigSchema);
    const keys = Object.keys(manifest.chatConfigSchema.properties);
    expect(keys).toEqual(
      expect.arrayContaining(['groupTrigger', 'privateTrigger', 'systemPrompt', 'scope', 'failureHint']),
    );
    for (const k of keys) expect(Object.keys(manifest.configSchema.properties)).toContain(k);
    expect(JSON.stringify(manifest.chatConfigSchema)).not.toContain('"default"');
    expect(chat.check({ groupTrigger: { prefixes: ['ai'] }, scope: 'group' }).errors).toEqual([]);
    expect(chat.check({ apiKey: 'x' }).errors).not.toEqual([]);
  });
});

describe('AiChat system prompt', () => {
  const s = settingsOf({
    systemPrompt: 'plugin',
    robotPrompts: [{ robotId: 2, systemPrompt: 'robot 2' }, { robotId: 0, systemPrompt: 'no robot' }, 'junk'],
  });

  it("takes the chat's own prompt, else the robot's, else the plugin's", () => {
    expect(promptFor(s, 2, { systemPrompt: 'chat' })).toBe('chat');
    expect(promptFor(s, 2, { systemPrompt: '' })).toBe(''); // a chat may turn the prompt off
    expect(promptFor(s, 2, { scope: 'group' })).toBe('robot 2'); // the chat sets other keys only
    expect(promptFor(s, 2, null)).toBe('robot 2');
    expect(promptFor(s, 3, null)).toBe('plugin');
    expect(s.robotPrompts).toEqual([{ robotId: 2, systemPrompt: 'robot 2' }]);
  });
});

describeManifest('AiChat');
