import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { Draft, DraftObject, JsonSchema, Problems } from '../../web/src/components/schema-model';

/**
 * The console's JSON Schema form model (web/src/components/schema-model.ts): pure functions, tested here. web/ is an
 * ES module package jest cannot require, so the file is compiled to CommonJS on the spot.
 */
type Model = typeof import('../../web/src/components/schema-model');
function loadModel(): Model {
  const file = join(__dirname, '..', '..', 'web', 'src', 'components', 'schema-model.ts');
  const js = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const mod = { exports: {} as Model };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('module', 'exports', 'require', js)(mod, mod.exports, require);
  return mod.exports;
}
const { enumTitle, fromDraft, isSecret, kindOf, moveItem, serverProblems, setAt, toDraft } = loadModel();

const SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
    count: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
    ratio: { type: 'number', exclusiveMinimum: 0, multipleOf: 0.5 },
    on: { type: 'boolean', default: true },
    mode: { enum: ['fast', 'slow', 2] },
    tags: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 2, uniqueItems: true },
    secret: { type: 'string', format: 'password' },
    hidden: { type: 'string', writeOnly: true },
    nested: { type: 'object', required: ['url'], properties: { url: { type: 'string', format: 'uri' } } },
    any: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    objects: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
  },
};

function check(draft: Draft) {
  const problems: Problems = {};
  const r = fromDraft(SCHEMA, draft, '', true, problems);
  return { value: r.value as Record<string, unknown>, problems };
}

const keys = (p: Problems) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.map((x) => x.key)]));

describe('the schema form model', () => {
  it('picks an editor per schema node, JSON text for what it cannot edit', () => {
    const props = SCHEMA.properties!;
    expect(kindOf(props.name)).toBe('string');
    expect(kindOf(props.count)).toBe('integer');
    expect(kindOf(props.mode)).toBe('enum');
    expect(kindOf(props.tags)).toBe('array');
    expect(kindOf(props.nested)).toBe('object');
    expect(kindOf(props.any)).toBe('json');
    expect(kindOf(props.objects)).toBe('array');
    expect(kindOf({ type: 'array', items: { type: 'object' } })).toBe('json');
    expect(kindOf({ type: 'array', items: { type: 'array', items: { type: 'string' } } })).toBe('json');
    expect(kindOf({ type: ['null', 'integer'] })).toBe('integer');
    expect(isSecret(props.secret)).toBe(true);
    expect(isSecret(props.hidden)).toBe(true);
    expect(isSecret(props.name)).toBe(false);
  });

  it('round-trips a valid value, filling the defaults of what it leaves out', () => {
    const value = { name: 'abc', ratio: 1.5, mode: 2, tags: ['x'], nested: { url: 'https://a.b/c' }, any: 7, extra: 1 };
    const { value: out, problems } = check(toDraft(SCHEMA, value));
    expect(problems).toEqual({});
    expect(out).toEqual({ ...value, count: 3, on: true, objects: [] });
  });

  it('names every broken rule by the path the server uses', () => {
    let d = toDraft(SCHEMA, { name: 'abc', nested: { url: 'x' } });
    d = setAt(d, ['name'], 'A');
    d = setAt(d, ['count'], '11');
    d = setAt(d, ['ratio'], '0.7');
    d = setAt(d, ['tags'], ['x', 'x', '']);
    d = setAt(d, ['any'], '{nope');
    expect(keys(check(d).problems)).toEqual({
      name: ['sf.minLength', 'sf.pattern'],
      count: ['sf.maximum'],
      ratio: ['sf.multipleOf'],
      'tags[2]': ['sf.required'],
      tags: ['sf.maxItems', 'sf.uniqueItems'],
      'nested.url': ['sf.uri'],
      any: ['sf.json'],
    });
    expect(keys(check(setAt(d, ['count'], '2.5')).problems).count).toEqual(['sf.integer']);
    expect(keys(check(setAt(d, ['count'], 'ten')).problems).count).toEqual(['sf.number']);
    expect(keys(check(setAt(d, ['ratio'], '0')).problems).ratio).toEqual(['sf.exclusiveMinimum']);
  });

  it('requires required fields, and leaves empty optional ones out so their defaults apply', () => {
    const { value, problems } = check(toDraft(SCHEMA, { nested: {} }));
    // an optional object left empty is left out: its required fields are not asked for
    expect(keys(problems)).toEqual({ name: ['sf.required'] });
    expect(value).not.toHaveProperty('ratio');
    expect(value).not.toHaveProperty('nested');
    const cleared = check(setAt(toDraft(SCHEMA, { name: 'ab', count: 5, nested: { url: 'http://x' } }), ['count'], ''));
    expect(cleared.problems).toEqual({});
    expect(cleared.value).not.toHaveProperty('count');
  });

  it('checks an optional object once one of its fields is filled in, and always a required one', () => {
    // KeywordReply's rule: `reply` required, its `link` card optional (a text reply leaves it empty)
    const rule: JsonSchema = {
      type: 'object',
      required: ['reply'],
      properties: {
        reply: {
          type: 'object',
          required: ['type'],
          properties: {
            type: { enum: ['text', 'link'] },
            text: { type: 'string' },
            link: {
              type: 'object',
              required: ['title', 'url'],
              properties: { title: { type: 'string' }, url: { type: 'string' }, thumbUrl: { type: 'string' } },
            },
          },
        },
      },
    };
    const run = (v: unknown) => {
      const problems: Problems = {};
      const r = fromDraft(rule, toDraft(rule, v), '', true, problems);
      return { value: r.value, problems: keys(problems) };
    };
    expect(run({ reply: { type: 'text', text: 'hi' } })).toEqual({
      value: { reply: { type: 'text', text: 'hi' } },
      problems: {},
    });
    expect(run({ reply: { type: 'link', link: { thumbUrl: 'http://t' } } }).problems).toEqual({
      'reply.link.title': ['sf.required'],
      'reply.link.url': ['sf.required'],
    });
    // a required object is checked even when empty
    expect(run({}).problems).toEqual({ 'reply.type': ['sf.required'] });
  });

  it("places the server's messages at the field they name, the rest aside", () => {
    expect(
      serverProblems(SCHEMA, [
        'config.name must NOT have fewer than 2 characters',
        'config.tags[1] must be string',
        'config.nested.url is required',
        'config.any must match exactly one schema in oneOf',
        'config.objects[0].a must be string',
        'config.bogus is not allowed',
        'config must be an object',
      ]),
    ).toEqual({
      byPath: {
        name: ['must NOT have fewer than 2 characters'],
        'tags[1]': ['must be string'],
        'nested.url': ['is required'],
        any: ['must match exactly one schema in oneOf'],
        'objects[0].a': ['must be string'],
      },
      other: ['config.bogus is not allowed', 'config must be an object'],
    });
  });

  it("accepts ExamplePlugin's own schema and its defaults", () => {
    const manifest = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'plugins', 'ExamplePlugin', 'plugin.json'), 'utf8'),
    ) as { configSchema: JsonSchema };
    const problems: Problems = {};
    const r = fromDraft(manifest.configSchema, toDraft(manifest.configSchema, {}), '', true, problems);
    expect(problems).toEqual({});
    expect(r.value).toEqual({ pongText: 'pong', atReply: expect.any(String), heartbeatMinutes: 60 });
    const bad: Problems = {};
    fromDraft(
      manifest.configSchema,
      setAt(toDraft(manifest.configSchema, {}), ['heartbeatMinutes'], '0'),
      '',
      true,
      bad,
    );
    expect(keys(bad)).toEqual({ heartbeatMinutes: ['sf.minimum'] });
  });

  describe('arrays of objects (KeywordReply rules, Relay routes)', () => {
    const RULES: JsonSchema = {
      type: 'object',
      properties: {
        rules: {
          type: 'array',
          maxItems: 3,
          items: {
            type: 'object',
            required: ['pattern'],
            properties: {
              match: { enum: ['exact', 'contains', 'regex'], default: 'contains' },
              pattern: { type: 'string', minLength: 1 },
              reply: {
                type: 'object',
                properties: {
                  type: { enum: ['text', 'image', 'link'], default: 'text' },
                  text: { type: 'string' },
                },
              },
              cooldownSeconds: { type: 'integer', minimum: 0, default: 0 },
              tags: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    };
    const run = (d: Draft) => {
      const problems: Problems = {};
      const r = fromDraft(RULES, d, '', true, problems);
      return { value: r.value as Record<string, unknown>, problems };
    };

    it('edits each row as a sub-form: new rows start from the item defaults, values round-trip', () => {
      const value = {
        rules: [
          { match: 'exact', pattern: 'hi', reply: { type: 'text', text: '你好 {name}' }, cooldownSeconds: 5, tags: [] },
          { match: 'regex', pattern: '^价格', reply: { type: 'image' }, cooldownSeconds: 0, tags: ['a'], x: 1 },
        ],
      };
      const d = toDraft(RULES, value);
      expect(run(d)).toEqual({ value, problems: {} });
      const added = setAt(
        d,
        ['rules'],
        [
          ...((d as DraftObject).fields.rules as Draft[]),
          toDraft(RULES.properties!.rules.items as JsonSchema, undefined),
        ],
      );
      const withPattern = setAt(added, ['rules', 2, 'pattern'], 'bye');
      expect((run(withPattern).value.rules as unknown[])[2]).toEqual({
        match: 'contains',
        pattern: 'bye',
        reply: { type: 'text' },
        cooldownSeconds: 0,
        tags: [],
      });
    });

    it("names a row's field by the path the server uses", () => {
      let d = toDraft(RULES, { rules: [{ pattern: 'ok' }, { pattern: 'x' }] });
      d = setAt(d, ['rules', 1, 'pattern'], '');
      d = setAt(d, ['rules', 1, 'cooldownSeconds'], '-1');
      d = setAt(d, ['rules', 0, 'reply', 'type'], JSON.stringify('video'));
      expect(keys(run(d).problems)).toEqual({
        'rules[0].reply.type': ['sf.enum'],
        'rules[1].pattern': ['sf.required'],
        'rules[1].cooldownSeconds': ['sf.minimum'],
      });
      expect(serverProblems(RULES, ['config.rules[1].pattern must NOT have fewer than 1 characters']).byPath).toEqual({
        'rules[1].pattern': ['must NOT have fewer than 1 characters'],
      });
    });

    it('moves rows up and down, and ignores a move off either end', () => {
      const rows: Draft[] = ['a', 'b', 'c'];
      expect(moveItem(rows, 0, 1)).toEqual(['b', 'a', 'c']);
      expect(moveItem(rows, 2, 1)).toEqual(['a', 'c', 'b']);
      expect(moveItem(rows, 0, -1)).toBe(rows);
      expect(moveItem(rows, 2, 3)).toBe(rows);
      expect(rows).toEqual(['a', 'b', 'c']);
    });
  });

  it("labels an enum's options by enumTitles_<lang>, else by the value", () => {
    const s: JsonSchema = { enum: ['exact', 'contains', 2], enumTitles_zh: ['完全一致', '包含'] };
    expect([0, 1, 2].map((i) => enumTitle(s, i, 'zh'))).toEqual(['完全一致', '包含', '2']);
    expect([0, 1, 2].map((i) => enumTitle(s, i, 'en'))).toEqual(['exact', 'contains', '2']);
  });
});
