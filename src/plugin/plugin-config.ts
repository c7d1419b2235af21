import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { secretPaths } from '../audit/audit-mask';
import { SECRET_MASK } from '../config/app-config';
import { isFieldCode, type FieldCode, type MessageParams } from '../common/message-codes';
import type { FieldError } from '../common/validation';

export interface ConfigCheck {
  /** The input with the schema's defaults filled in (a copy: the input is left alone). */
  config: Record<string, unknown>;
  /** One message per problem, naming the field (`config.greeting must be string`); empty when valid. */
  errors: string[];
  /** The same errors for people: per field, the JSON-Schema keyword as the code (FIELD_CODES) and its values. */
  fields?: FieldError[];
}

/** The keys that give a title or description in Chinese and English, in a manifest and in a config schema. */
export const LOCALIZED_KEYS = ['title_zh', 'title_en', 'description_zh', 'description_en'] as const;
/** Labels of an `enum`'s options in the console's select, one per option, in each language (annotations). */
export const ENUM_TITLE_KEYS = ['enumTitles_zh', 'enumTitles_en'] as const;

const compilers = new Map<string, Ajv>();

/**
 * One ajv per dialect and defaults mode, shared by every plugin: an instance costs its meta-schema and formats to
 * build (~25 ms each, which made loading ten plugins a seventh of the start-up).
 */
function compilerFor(is2020: boolean, useDefaults: boolean): Ajv {
  const key = `${is2020}:${useDefaults}`;
  let ajv = compilers.get(key);
  if (!ajv) {
    const options = { useDefaults, allErrors: true, strictTypes: false, strictTuples: false } as const;
    ajv = is2020 ? new Ajv2020(options) : new Ajv(options);
    addFormats(ajv);
    // the title and description in both languages (docs/PLUGINS.md): annotations, like title and description
    ajv.addVocabulary([...LOCALIZED_KEYS, ...ENUM_TITLE_KEYS]);
    compilers.set(key, ajv);
  }
  return ajv;
}

/**
 * A plugin's config schema (the manifest's `configSchema`), compiled once per load with ajv. Defaults fill missing
 * keys, so the effective config is the stored one over the schema's defaults. A plugin without a schema accepts any
 * JSON object.
 */
export class PluginConfigSchema {
  private constructor(
    readonly schema: Record<string, unknown> | null,
    private readonly validateFn: ValidateFunction | null,
  ) {}

  static readonly none = new PluginConfigSchema(null, null);

  /**
   * Compiles `schema`; throws an Error saying what is wrong with it. `defaults: false` (a chat's section) leaves
   * missing keys missing.
   */
  static compile(schema: Record<string, unknown>, o: { defaults?: boolean; what?: string } = {}): PluginConfigSchema {
    if (schema.type !== undefined && schema.type !== 'object')
      throw new Error(`${o.what ?? 'configSchema'} must describe an object (type "object")`);
    const is2020 = typeof schema.$schema === 'string' && schema.$schema.includes('2020-12');
    const ajv = compilerFor(is2020, o.defaults !== false);
    // compiled, then forgotten by the compiler (the function stands alone): a schema with an $id compiles again on
    // a reload, and reloads do not pile schemas up in the shared compiler
    const validate = ajv.compile(schema);
    ajv.removeSchema(schema);
    if (typeof schema.$id === 'string') ajv.removeSchema(schema.$id);
    return new PluginConfigSchema(schema, validate);
  }

  /** Validates `input` (after filling defaults). */
  check(input: unknown): ConfigCheck {
    if (!isPlainObject(input))
      return {
        config: {},
        errors: ['config must be an object'],
        fields: [{ field: 'config', code: 'type', params: { field: 'config', type: 'object' } }],
      };
    const config = structuredClone(input);
    if (!this.validateFn || this.validateFn(config)) return { config, errors: [] };
    const errors = this.validateFn.errors ?? [];
    return { config, errors: describeErrors(errors), fields: fieldErrorsOf(errors) };
  }

  /**
   * The dotted paths of the fields the schema marks secret — `writeOnly: true` or `format: "password"` — followed
   * through nested `properties`. The API never shows their values back.
   */
  secretPaths(): Set<string> {
    return secretPaths(this.schema);
  }

  /** A copy of `config` with every secret field that holds a value replaced by `SECRET_MASK`. */
  mask(config: Record<string, unknown>): Record<string, unknown> {
    const out = structuredClone(config);
    for (const path of this.secretPaths()) {
      const { parent, key } = locate(out, path);
      if (parent && key in parent && parent[key] !== undefined && parent[key] !== null && parent[key] !== '')
        parent[key] = SECRET_MASK;
    }
    return out;
  }

  /**
   * `input` with each secret field that still holds `SECRET_MASK` (the value the API showed) given back its stored
   * value, so a form can be saved without retyping its secrets.
   */
  unmask(input: Record<string, unknown>, stored: Record<string, unknown>): Record<string, unknown> {
    const out = structuredClone(input);
    for (const path of this.secretPaths()) {
      const { parent, key } = locate(out, path);
      if (!parent || parent[key] !== SECRET_MASK) continue;
      const was = locate(stored, path);
      if (was.parent && key in was.parent) parent[key] = was.parent[key];
      else delete parent[key];
    }
    return out;
  }

  /** The stored config (JSON text, possibly null or unreadable) over the defaults. Never throws. */
  effective(stored: string | null): ConfigCheck {
    return this.check(parseStored(stored));
  }
}

/** The object holding the last key of a dotted path, if every step on the way is an object. */
function locate(root: Record<string, unknown>, path: string): { parent: Record<string, unknown> | null; key: string } {
  const keys = path.split('.');
  const key = keys.pop() as string;
  let node: unknown = root;
  for (const k of keys) node = isPlainObject(node) ? node[k] : undefined;
  return { parent: isPlainObject(node) ? node : null, key };
}

export function parseStored(stored: string | null): Record<string, unknown> {
  if (!stored) return {};
  try {
    const v = JSON.parse(stored) as unknown;
    return isPlainObject(v) ? v : {};
  } catch {
    return {};
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ajv errors as field messages: `config.a.b must be string`, `config.name is required`. */
export function describeErrors(errors: ErrorObject[]): string[] {
  const out = new Set<string>();
  for (const e of errors) {
    const at = fieldPath(e.instancePath);
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required') out.add(`${at}.${String(params.missingProperty)} is required`);
    else if (e.keyword === 'additionalProperties') out.add(`${at}.${String(params.additionalProperty)} is not allowed`);
    else out.add(`${at} ${e.message ?? 'is invalid'}`);
  }
  return [...out];
}

/** ajv errors as field errors (see FieldError): `required` and `additionalProperties` name the field they concern. */
export function fieldErrorsOf(errors: ErrorObject[]): FieldError[] {
  const out = new Map<string, FieldError>();
  for (const e of errors) {
    const at = fieldPath(e.instancePath);
    const p = e.params as Record<string, unknown>;
    let field = at;
    const params: MessageParams = {};
    if (e.keyword === 'required') field = `${at}.${String(p.missingProperty)}`;
    else if (e.keyword === 'additionalProperties') field = `${at}.${String(p.additionalProperty)}`;
    else if (typeof p.limit === 'number') params.limit = p.limit;
    else if (e.keyword === 'type') params.type = String(p.type);
    else if (e.keyword === 'format') params.format = String(p.format);
    else if (Array.isArray(p.allowedValues)) params.values = p.allowedValues.map(String).join(', ');
    const code: FieldCode = isFieldCode(e.keyword) ? e.keyword : 'invalid';
    out.set(`${field} ${code}`, { field, code, params: { field, ...params } });
  }
  return [...out.values()];
}

/** JSON pointer ("/list/0/name") → "config.list[0].name". */
function fieldPath(pointer: string): string {
  let path = 'config';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`;
  }
  return path;
}
