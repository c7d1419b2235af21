/**
 * Checks of a first-party plugin's manifest, shared by the plugins' unit specs: `describeManifest('KeywordReply')`
 * adds tests that the manifest loads through the real loader's validation (and the entry through its definition
 * checks), that every schema property (nested ones too) has its titles and descriptions in both languages, that every
 * `default` validates against its schema and the defaults make a valid config, and that each key of
 * `chatConfigSchema` is a top-level property of `configSchema`.
 */
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPlainObject, LOCALIZED_KEYS, PluginConfigSchema } from '../../src/plugin/plugin-config';
import { PluginLoader, prepareDefinition } from '../../src/plugin/plugin.loader';
import type { PluginManifest } from '../../src/plugin/plugin.types';
import { PLUGINS_DIR } from './plugin-e2e';

type Schema = Record<string, unknown>;

/**
 * The manifest of plugins/<name> (the folder of that name), checked by the loader (throws with the loader's error),
 * as the file has it (the loader's copy may leave out keys it does not use), and its compiled config schema.
 */
export function loadManifest(name: string): { manifest: PluginManifest; schema: PluginConfigSchema } {
  const found = new PluginLoader().scan(PLUGINS_DIR).find((p) => p.name === name);
  if (!found) throw new Error(`no plugin named ${name} in ${PLUGINS_DIR}`);
  if (found.error || !found.manifest) throw new Error(`${name}: ${found.error ?? 'no manifest'}`);
  const raw = JSON.parse(readFileSync(join(found.directory, 'plugin.json'), 'utf8')) as PluginManifest;
  return { manifest: raw, schema: found.configSchema };
}

/** Every property schema under `schema` (through properties, items, if/then/else, allOf/anyOf/oneOf), with its path. */
export function schemaProperties(schema: unknown, path = ''): { path: string; schema: Schema }[] {
  if (!isPlainObject(schema)) return [];
  const out: { path: string; schema: Schema }[] = [];
  if (isPlainObject(schema.properties))
    for (const [key, sub] of Object.entries(schema.properties)) {
      const at = path ? `${path}.${key}` : key;
      if (isPlainObject(sub)) out.push({ path: at, schema: sub });
      out.push(...schemaProperties(sub, at));
    }
  const items = Array.isArray(schema.items) ? schema.items : [schema.items];
  for (const sub of items) out.push(...schemaProperties(sub, `${path}[]`));
  for (const key of ['if', 'then', 'else']) out.push(...schemaProperties(schema[key], path));
  for (const key of ['allOf', 'anyOf', 'oneOf'])
    if (Array.isArray(schema[key]))
      for (const sub of schema[key] as unknown[]) out.push(...schemaProperties(sub, path));
  return out;
}

/** The property schemas of `schema` that lack one of title_zh/title_en/description_zh/description_en (a path each). */
export function unlocalized(schema: unknown): string[] {
  // a branch of if/then that only adds a keyword (a `format`) to a property described elsewhere is not a property
  const described = (s: Schema) => LOCALIZED_KEYS.every((k) => typeof s[k] === 'string' && s[k].trim());
  const byPath = new Map<string, boolean>();
  for (const p of schemaProperties(schema)) byPath.set(p.path, (byPath.get(p.path) ?? false) || described(p.schema));
  return [...byPath].filter(([, ok]) => !ok).map(([path]) => path);
}

/**
 * The `enum`s under `schema` (properties and list items) without option labels in both languages — `enumTitles_zh`
 * and `enumTitles_en`, lists as long as the enum — which the console's select shows instead of the raw values.
 */
export function unlabelledEnums(schema: unknown, path = ''): string[] {
  if (!isPlainObject(schema)) return [];
  const out: string[] = [];
  if (Array.isArray(schema.enum)) {
    const n = schema.enum.length;
    const ok = (k: string) => Array.isArray(schema[k]) && (schema[k] as unknown[]).length === n;
    if (!ok('enumTitles_zh') || !ok('enumTitles_en')) out.push(path || '(root)');
  }
  if (isPlainObject(schema.properties))
    for (const [key, sub] of Object.entries(schema.properties))
      out.push(...unlabelledEnums(sub, path ? `${path}.${key}` : key));
  for (const sub of Array.isArray(schema.items) ? schema.items : [schema.items])
    out.push(...unlabelledEnums(sub, `${path}[]`));
  return out;
}

/** The `default`s under `schema` that do not validate against the schema they belong to (a message each). */
export function invalidDefaults(schema: Schema): string[] {
  const is2020 = typeof schema.$schema === 'string' && schema.$schema.includes('2020-12');
  const options = { allErrors: true, strictTypes: false, strictTuples: false, strict: false } as const;
  const ajv = is2020 ? new Ajv2020(options) : new Ajv(options);
  addFormats(ajv);
  ajv.addVocabulary([...LOCALIZED_KEYS]);
  const out: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (!isPlainObject(node)) return;
    if ('default' in node) {
      const { default: value, ...rest } = node;
      const validate = ajv.compile(rest);
      if (!validate(structuredClone(value)))
        out.push(`${path || '(root)'}: default ${JSON.stringify(value)} ${ajv.errorsText(validate.errors)}`);
    }
    for (const p of schemaProperties({ properties: node.properties }, path)) walk(p.schema, p.path);
    const items = Array.isArray(node.items) ? node.items : [node.items];
    for (const sub of items) walk(sub, `${path}[]`);
  };
  walk(schema, '');
  return out;
}

/** Registers the manifest checks of plugins/<name> in the current describe block. */
export function describeManifest(name: string): void {
  describe(`${name} manifest`, () => {
    it('loads through the loader: manifest, config schema and the definition the entry exports', () => {
      const { manifest } = loadManifest(name);
      for (const key of LOCALIZED_KEYS) expect(typeof manifest[key]).toBe('string');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exported = require(join(PLUGINS_DIR, name, manifest.main ?? 'index.js')) as unknown;
      expect(() => prepareDefinition(name, exported, 'Asia/Shanghai')).not.toThrow();
    });

    it('gives every schema property its title and description in Chinese and English', () => {
      const { manifest } = loadManifest(name);
      expect(schemaProperties(manifest.configSchema).length).toBeGreaterThan(0);
      expect(unlocalized(manifest.configSchema)).toEqual([]);
      if (manifest.chatConfigSchema) expect(unlocalized(manifest.chatConfigSchema)).toEqual([]);
    });

    it('labels the options of every enum in Chinese and English', () => {
      const { manifest } = loadManifest(name);
      expect(unlabelledEnums(manifest.configSchema)).toEqual([]);
      if (manifest.chatConfigSchema) expect(unlabelledEnums(manifest.chatConfigSchema)).toEqual([]);
    });

    it('has defaults that validate, and make a valid config by themselves', () => {
      const { manifest, schema } = loadManifest(name);
      expect(invalidDefaults(manifest.configSchema ?? {})).toEqual([]);
      expect(schema.check({}).errors).toEqual([]);
    });

    it('declares per-chat keys that are top-level config properties, in a schema that compiles', () => {
      const { manifest } = loadManifest(name);
      const chat = manifest.chatConfigSchema;
      if (!chat) return;
      const top = Object.keys((manifest.configSchema?.properties as Schema | undefined) ?? {});
      const keys = Object.keys((chat.properties as Schema | undefined) ?? {});
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => !top.includes(k))).toEqual([]);
      expect(() => PluginConfigSchema.compile(chat)).not.toThrow();
      expect(PluginConfigSchema.compile(chat).check({}).errors).toEqual([]);
    });
  });
}
