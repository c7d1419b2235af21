import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIObject } from '@nestjs/swagger';

type Schema = Record<string, unknown>;
type MediaTypes = Record<string, { schema?: Schema } | undefined>;
type Responses = Record<string, { content?: MediaTypes } | undefined>;

/** What a response looked like, as supertest gives it. */
export interface SeenResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text?: string;
}

/**
 * Checks answers against the OpenAPI document: the status is one the operation declares, the Content-Type one that
 * status declares, and a JSON body validates (ajv) against that media type's schema. The document's OpenAPI 3.0
 * schemas are read as JSON Schema: `nullable` becomes a `null` alternative, `$ref`s point into the components, and an
 * object schema that lists its properties without saying `additionalProperties` admits no others (so a field the
 * server adds without documenting it is drift too).
 */
export class ResponseValidator {
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly ops = new Map<string, Responses>();

  constructor(doc: OpenAPIObject) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    const schemas = (doc.components?.schemas ?? {}) as Record<string, Schema>;
    this.ajv.addSchema(
      {
        $id: 'oas',
        components: { schemas: Object.fromEntries(Object.entries(schemas).map(([k, s]) => [k, toJsonSchema(s)])) },
      },
      'oas',
    );
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item as Record<string, { responses?: Responses }>))
        if (op && typeof op === 'object' && 'responses' in op) this.ops.set(`${method} ${path}`, op.responses ?? {});
  }

  /** Problems with one answer of `method` `path` (the document's path template), empty when it tells the truth. */
  check(method: string, path: string, res: SeenResponse): string[] {
    const where = `${method.toUpperCase()} ${path} → ${res.status}`;
    const responses = this.ops.get(`${method.toLowerCase()} ${path}`);
    if (!responses) return [`${method.toUpperCase()} ${path}: not in the document`];
    const declared = responses[String(res.status)] ?? responses[`${String(res.status)[0]}XX`] ?? responses.default;
    if (!declared) return [`${where}: status not declared (declared: ${Object.keys(responses).join(', ')})`];
    const rawType = res.headers['content-type'];
    const type = (Array.isArray(rawType) ? rawType[0] : rawType)?.split(';')[0].trim().toLowerCase();
    const content = declared.content ?? {};
    const text = res.text ?? '';
    if (!type) {
      // no body at all (204, 304): fine when none is declared
      return Object.keys(content).length && text.length ? [`${where}: a body without a Content-Type`] : [];
    }
    const key = mediaKey(content, type);
    if (!key)
      return [
        `${where}: Content-Type ${type} not declared (declared: ${Object.keys(content).join(', ') || 'no body'})`,
      ];
    const schema = content[key]?.schema;
    if (!schema || !/[/+]json$/.test(type)) return [];
    const validate = this.compile(`${method} ${path} ${res.status} ${key}`, schema);
    if (validate(res.body)) return [];
    return [
      `${where}: body does not match its schema: ${(validate.errors ?? [])
        .slice(0, 5)
        .map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
        .join('; ')}`,
    ];
  }

  private compile(key: string, schema: Schema): ValidateFunction {
    let fn = this.cache.get(key);
    if (!fn) this.cache.set(key, (fn = this.ajv.compile(toJsonSchema(schema))));
    return fn;
  }
}

/** The declared media type (exact, then `type/*`, then `*\/*`) that covers a served Content-Type. */
function mediaKey(content: MediaTypes, type: string): string | undefined {
  const keys = Object.keys(content);
  const lower = (k: string) => k.split(';')[0].trim().toLowerCase();
  return (
    keys.find((k) => lower(k) === type) ??
    keys.find((k) => lower(k) === `${type.split('/')[0]}/*`) ??
    keys.find((k) => lower(k) === '*/*')
  );
}

/** An OpenAPI 3.0 schema as the JSON Schema ajv validates with (see ResponseValidator). */
export function toJsonSchema(s: unknown, inAllOf = false): Schema {
  if (!s || typeof s !== 'object') return s as Schema;
  const src = s as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'nullable' || k.startsWith('x-') || k === 'example' || k === 'discriminator') continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(/^#\/components\//, 'oas#/components/');
    else if (k === 'properties')
      out.properties = Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([p, ps]) => [p, toJsonSchema(ps)]),
      );
    else if (k === 'allOf' && Array.isArray(v)) out.allOf = v.map((x) => toJsonSchema(x, v.length > 1));
    else if ((k === 'oneOf' || k === 'anyOf') && Array.isArray(v)) out[k] = v.map((x) => toJsonSchema(x));
    else if (k === 'items' || k === 'not') out[k] = toJsonSchema(v);
    else if (k === 'additionalProperties' && typeof v === 'object') out[k] = toJsonSchema(v);
    else out[k] = v;
  }
  if (out.properties && !('additionalProperties' in out) && !inAllOf) out.additionalProperties = false;
  if (src.nullable === true) {
    if (typeof out.type === 'string' && !out.$ref && !out.allOf && !out.oneOf && !out.anyOf) {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}
