/**
 * The model behind SchemaForm: a JSON Schema (the subset plugin configs use) turned into an editable draft and back,
 * with the checks ajv makes on the server, so most mistakes are caught before saving. Pure functions, no React.
 *
 * Supported: string, number, integer, boolean, enum (a select), nested objects, and arrays of any of those (arrays of
 * objects: one sub-form per row, added, removed and reordered); anything else (oneOf, arrays of arrays, objects
 * without properties, no type) is edited as JSON text. Paths name fields the way the server does after "config.":
 * `a.b`, `list[0]`.
 */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  /** The title and description in Chinese and English (docs/PLUGINS.md); the plain ones are the fallback. */
  title_zh?: string;
  title_en?: string;
  description_zh?: string;
  description_en?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  writeOnly?: boolean;
  readOnly?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | JsonSchema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  /** Keywords the form does not use (oneOf, $schema…): such a node is edited as JSON text. */
  [keyword: string]: unknown;
}

export type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'array' | 'object' | 'json';

/** What the form edits: text for strings, numbers, enums (JSON of the option) and JSON; a flag for booleans. */
export type Draft = string | boolean | Draft[] | DraftObject;
export interface DraftObject {
  fields: Record<string, Draft>;
  /** Keys of the value the schema does not describe: kept as they are. */
  extra: Record<string, unknown>;
}

/** A check that failed: the message key and its variables. */
export interface Problem {
  key:
    | 'sf.required'
    | 'sf.minLength'
    | 'sf.maxLength'
    | 'sf.pattern'
    | 'sf.number'
    | 'sf.integer'
    | 'sf.minimum'
    | 'sf.maximum'
    | 'sf.exclusiveMinimum'
    | 'sf.exclusiveMaximum'
    | 'sf.multipleOf'
    | 'sf.minItems'
    | 'sf.maxItems'
    | 'sf.uniqueItems'
    | 'sf.email'
    | 'sf.uri'
    | 'sf.json'
    | 'sf.enum';
  vars?: Record<string, string | number>;
}
export type Problems = Record<string, Problem[]>;

/** What an array's items may be for the form to edit the array row by row. */
const ITEM_KINDS: Kind[] = ['string', 'number', 'integer', 'boolean', 'enum', 'object'];

export function isSchema(v: unknown): v is JsonSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mainType(s: JsonSchema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  return s.type;
}

export function kindOf(s: JsonSchema): Kind {
  if (Array.isArray(s.enum) && s.enum.length > 0 && s.enum.every((v) => v === null || typeof v !== 'object'))
    return 'enum';
  const type = mainType(s) ?? (s.properties ? 'object' : isSchema(s.items) ? 'array' : undefined);
  switch (type) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
      return type;
    case 'object':
      return s.properties ? 'object' : 'json';
    case 'array':
      return isSchema(s.items) && ITEM_KINDS.includes(kindOf(s.items)) ? 'array' : 'json';
    default:
      return 'json';
  }
}

/** A field whose value must not be shown: `format: "password"` or `writeOnly`. */
export function isSecret(s: JsonSchema): boolean {
  return s.format === 'password' || s.writeOnly === true;
}

export function itemSchema(s: JsonSchema): JsonSchema {
  return isSchema(s.items) ? s.items : {};
}

export function toDraft(s: JsonSchema, value: unknown): Draft {
  const v = value === undefined ? s.default : value;
  switch (kindOf(s)) {
    case 'string':
      return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
    case 'number':
    case 'integer':
      return typeof v === 'number' ? String(v) : '';
    case 'boolean':
      return v === true;
    case 'enum':
      return v === undefined ? '' : JSON.stringify(v);
    case 'array':
      return Array.isArray(v) ? v.map((item) => toDraft(itemSchema(s), item)) : [];
    case 'object': {
      const obj = isSchema(v) ? (v as Record<string, unknown>) : {};
      const fields: Record<string, Draft> = {};
      const extra: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries(s.properties ?? {})) fields[k] = toDraft(sub, obj[k]);
      for (const [k, x] of Object.entries(obj)) if (!(k in fields)) extra[k] = x;
      return { fields, extra };
    }
    case 'json':
      return v === undefined ? '' : JSON.stringify(v, null, 2);
  }
}

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

function add(problems: Problems, path: string, p: Problem): void {
  (problems[path] ??= []).push(p);
}

function exclusive(s: JsonSchema, which: 'min' | 'max'): number | undefined {
  const ex = which === 'min' ? s.exclusiveMinimum : s.exclusiveMaximum;
  const bound = which === 'min' ? s.minimum : s.maximum;
  if (typeof ex === 'number') return ex;
  if (ex === true && typeof bound === 'number') return bound; // draft-04 style
  return undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkString(s: JsonSchema, v: string, path: string, problems: Problems): void {
  const len = [...v].length; // code points, like ajv
  if (typeof s.minLength === 'number' && len < s.minLength)
    add(problems, path, { key: 'sf.minLength', vars: { n: s.minLength } });
  if (typeof s.maxLength === 'number' && len > s.maxLength)
    add(problems, path, { key: 'sf.maxLength', vars: { n: s.maxLength } });
  if (typeof s.pattern === 'string') {
    let ok = true;
    try {
      ok = new RegExp(s.pattern, 'u').test(v);
    } catch {
      ok = true; // a pattern the browser cannot compile: the server decides
    }
    if (!ok) add(problems, path, { key: 'sf.pattern', vars: { pattern: s.pattern } });
  }
  if (s.format === 'email' && !EMAIL.test(v)) add(problems, path, { key: 'sf.email' });
  if ((s.format === 'uri' || s.format === 'url') && !/^[a-z][a-z0-9+.-]*:\S+$/i.test(v))
    add(problems, path, { key: 'sf.uri' });
}

function checkNumber(s: JsonSchema, n: number, path: string, problems: Problems): void {
  const exMin = exclusive(s, 'min');
  const exMax = exclusive(s, 'max');
  if (typeof s.minimum === 'number' && s.exclusiveMinimum !== true && n < s.minimum)
    add(problems, path, { key: 'sf.minimum', vars: { n: s.minimum } });
  if (typeof s.maximum === 'number' && s.exclusiveMaximum !== true && n > s.maximum)
    add(problems, path, { key: 'sf.maximum', vars: { n: s.maximum } });
  if (exMin !== undefined && n <= exMin) add(problems, path, { key: 'sf.exclusiveMinimum', vars: { n: exMin } });
  if (exMax !== undefined && n >= exMax) add(problems, path, { key: 'sf.exclusiveMaximum', vars: { n: exMax } });
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0) {
    const q = n / s.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) add(problems, path, { key: 'sf.multipleOf', vars: { n: s.multipleOf } });
  }
}

/**
 * The JSON value of a draft and what is wrong with it, by path. `present: false` means "leave the key out" (an
 * optional field left empty: the schema's default applies again).
 */
export function fromDraft(
  s: JsonSchema,
  d: Draft,
  path: string,
  required: boolean,
  problems: Problems,
): { present: boolean; value?: unknown } {
  const missing = () => {
    if (required) add(problems, path, { key: 'sf.required' });
    return { present: false };
  };
  switch (kindOf(s)) {
    case 'string': {
      const v = typeof d === 'string' ? d : '';
      if (v === '') return missing();
      checkString(s, v, path, problems);
      return { present: true, value: v };
    }
    case 'number':
    case 'integer': {
      const text = typeof d === 'string' ? d.trim() : '';
      if (text === '') return missing();
      const n = Number(text);
      if (!Number.isFinite(n)) {
        add(problems, path, { key: 'sf.number' });
        return { present: false };
      }
      if (kindOf(s) === 'integer' && !Number.isInteger(n)) add(problems, path, { key: 'sf.integer' });
      checkNumber(s, n, path, problems);
      return { present: true, value: n };
    }
    case 'boolean':
      return { present: true, value: d === true };
    case 'enum': {
      if (typeof d !== 'string' || d === '') return missing();
      const value = JSON.parse(d) as unknown;
      if (!(s.enum ?? []).some((o) => JSON.stringify(o) === d)) add(problems, path, { key: 'sf.enum' });
      return { present: true, value };
    }
    case 'array': {
      const items = Array.isArray(d) ? d : [];
      const out: unknown[] = [];
      items.forEach((item, i) => {
        const r = fromDraft(itemSchema(s), item, childPath(path, i), true, problems);
        if (r.present) out.push(r.value);
      });
      if (typeof s.minItems === 'number' && items.length < s.minItems)
        add(problems, path, { key: 'sf.minItems', vars: { n: s.minItems } });
      if (typeof s.maxItems === 'number' && items.length > s.maxItems)
        add(problems, path, { key: 'sf.maxItems', vars: { n: s.maxItems } });
      if (s.uniqueItems && new Set(out.map((v) => JSON.stringify(v))).size !== out.length)
        add(problems, path, { key: 'sf.uniqueItems' });
      return { present: true, value: out };
    }
    case 'object': {
      const o = isDraftObject(d) ? d : { fields: {}, extra: {} };
      // an optional object left empty (a text rule's `link`) is left out, its required fields unchecked
      if (!required && isEmptyDraft(o)) return { present: false };
      const value: Record<string, unknown> = { ...o.extra };
      for (const [k, sub] of Object.entries(s.properties ?? {})) {
        const r = fromDraft(
          sub,
          o.fields[k] ?? toDraft(sub, undefined),
          childPath(path, k),
          !!s.required?.includes(k),
          problems,
        );
        if (r.present) value[k] = r.value;
      }
      return { present: true, value };
    }
    case 'json': {
      const text = typeof d === 'string' ? d.trim() : '';
      if (text === '') return missing();
      try {
        return { present: true, value: JSON.parse(text) as unknown };
      } catch {
        add(problems, path, { key: 'sf.json' });
        return { present: false };
      }
    }
  }
}

/** Nothing filled in: empty texts, unchecked boxes, empty lists, and objects of those without other keys. */
export function isEmptyDraft(d: Draft | undefined): boolean {
  if (d === undefined || d === '' || d === false) return true;
  if (Array.isArray(d)) return d.length === 0;
  if (isDraftObject(d))
    return Object.keys(d.extra).length === 0 && Object.values(d.fields).every((f) => isEmptyDraft(f));
  return false;
}

export function isDraftObject(d: Draft | undefined): d is DraftObject {
  return typeof d === 'object' && d !== null && !Array.isArray(d);
}

/** The draft with the value at `path` replaced (a copy along the path). */
export function setAt(d: Draft, path: (string | number)[], value: Draft): Draft {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (typeof head === 'number' && Array.isArray(d)) {
    const copy = [...d];
    copy[head] = setAt(copy[head] ?? '', rest, value);
    return copy;
  }
  if (typeof head === 'string' && isDraftObject(d))
    return { ...d, fields: { ...d.fields, [head]: setAt(d.fields[head] ?? '', rest, value) } };
  return d;
}

/** The draft with the row at `from` of an array moved to `to` (a copy). */
export function moveItem(items: Draft[], from: number, to: number): Draft[] {
  if (from === to || from < 0 || to < 0 || from >= items.length || to >= items.length) return items;
  const copy = [...items];
  copy.splice(to, 0, ...copy.splice(from, 1));
  return copy;
}

/**
 * Server messages (`config.a.b must be string`, `config.list[0] must be integer`, `config.x is required`) split
 * into those of a field the form shows, by path, and the rest.
 */
export function serverProblems(
  schema: JsonSchema,
  messages: string[],
  prefix = 'config',
): { byPath: Record<string, string[]>; other: string[] } {
  const byPath: Record<string, string[]> = {};
  const other: string[] = [];
  for (const m of messages) {
    const match = new RegExp(`^${prefix}((?:\\.[\\w$-]+|\\[\\d+\\])+)\\s+(.*)$`).exec(m);
    const path = match?.[1]?.replace(/^\./, '');
    const shown = path === undefined ? undefined : closestField(schema, path);
    if (shown === undefined) other.push(m);
    else (byPath[shown] ??= []).push(shown === path ? (match?.[2] ?? m) : m);
  }
  return { byPath, other };
}

/** The deepest path the form renders a field for, along `path` (itself when it is one). */
function closestField(schema: JsonSchema, path: string): string | undefined {
  const parts = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let s: JsonSchema = schema;
  let at = '';
  let best: string | undefined;
  for (const part of parts) {
    const kind = kindOf(s);
    if (part.startsWith('[')) {
      if (kind !== 'array') break;
      s = itemSchema(s);
      at = `${at}${part}`;
    } else {
      const sub = kind === 'object' ? s.properties?.[part] : undefined;
      if (!sub) break;
      s = sub;
      at = at ? `${at}.${part}` : part;
    }
    best = at;
    if (kindOf(s) === 'json') break;
  }
  return best;
}

/** The label of an enum's option `index` in the console's language (`enumTitles_<lang>`), else the value itself. */
export function enumTitle(schema: JsonSchema, index: number, lang: 'zh' | 'en'): string {
  const titles = schema[`enumTitles_${lang}`];
  const own = Array.isArray(titles) ? (titles as unknown[])[index] : undefined;
  if (typeof own === 'string' && own) return own;
  const v = schema.enum?.[index];
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A schema's (or a manifest's) title or description in the console's language: `<key>_<lang>`, else `<key>`. */
export function textOf(
  schema: { [k: string]: unknown },
  key: 'title' | 'description',
  lang: 'zh' | 'en',
): string | undefined {
  const own = schema[`${key}_${lang}`];
  if (typeof own === 'string' && own) return own;
  const plain = schema[key];
  return typeof plain === 'string' && plain ? plain : undefined;
}
