import type { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApi } from '../../src/app.setup';
import { bearer, createTestApp, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

/**
 * `null` in a JSON body is a value like any other: a field the document does not mark `nullable` refuses it with a 400
 * VALIDATION_FAILED naming the field, and a field it marks `nullable` accepts it. Walks every operation of the
 * OpenAPI document that takes a JSON body, and every property of it (nested objects too), so a new DTO with a field
 * that lets null slip through, or a `nullable` the server does not honour, fails here.
 */

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  nullable?: boolean;
  properties?: Record<string, Schema>;
};
type Op = {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};

/** A property of a body, by its dotted path, with the body that sets it (alone) to null. */
interface NullCase {
  method: 'post' | 'put' | 'patch';
  path: string;
  params: string[];
  field: string;
  nullable: boolean;
  body: Record<string, unknown>;
}

function resolve(doc: OpenAPIObject, s: Schema | undefined): Schema | undefined {
  const ref = s?.$ref ?? (s?.allOf?.length === 1 ? s.allOf[0].$ref : undefined);
  if (!ref) return s;
  return (doc.components?.schemas as Record<string, Schema>)[ref.split('/').pop()!];
}

/** Every (operation, property) of the document, nested object properties included (config.regionId). */
function nullCases(doc: OpenAPIObject): NullCase[] {
  const out: NullCase[] = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const method of ['post', 'put', 'patch'] as const) {
      const op = (item as Record<string, Op | undefined>)[method];
      const schema = resolve(doc, op?.requestBody?.content?.['application/json']?.schema);
      if (!op || !schema?.properties) continue;
      const params = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      const walk = (props: Record<string, Schema>, prefix: string[], depth: number) => {
        for (const [name, prop] of Object.entries(props)) {
          const at = [...prefix, name];
          // the body that is {} at every level but this one, which is null
          const body: Record<string, unknown> = {};
          let cur = body;
          for (const key of prefix) {
            const next: Record<string, unknown> = {};
            cur[key] = next;
            cur = next;
          }
          cur[name] = null;
          const nullable = !!(prop.nullable ?? prop.allOf?.some((s) => s.nullable));
          out.push({ method, path, params, field: at.join('.'), nullable, body });
          const nested = resolve(doc, prop);
          if (nested?.properties && depth < 3) walk(nested.properties, at, depth + 1);
        }
      };
      walk(schema.properties, [], 0);
    }
  return out;
}

const messages = (body: { message?: unknown }): string[] =>
  Array.isArray(body.message) ? (body.message as string[]) : [String(body.message)];
/** A message about the field: "name must …", "config.regionId must …". */
const names = (msg: string, field: string) => msg.startsWith(`${field} `);

describe('null in a JSON body', () => {
  let t: TestApp & { database: TestDatabase };
  let cases: NullCase[];
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await createTestApp({
      overrides: { backend: { login_max_attempts_per_ip: 100_000, login_max_failures_per_user: 100_000 } },
    });
    const admin = (await login(t)).accessToken;
    const robot = await t
      .http()
      .post('/api/robots?verify=false')
      .set(bearer(admin))
      .send({ name: 'nulls', baseUrl: 'http://127.0.0.1:1/v2/api', token: 'null-gewe-token-1', appId: 'wx_nulls' })
      .expect(201);
    const user = await t
      .http()
      .post('/api/admin/users')
      .set(bearer(admin))
      .send({ username: 'nuller', email: 'nuller@example.com', password: 'nuller-pass-1' })
      .expect(201);
    Object.assign(ids, {
      robot_id: String(robot.body.id),
      user_id: String(user.body.id),
      message_id: '1',
      plugin_name: 'ExamplePlugin',
      chat_id: '12345678901@chatroom',
      request_id: '1',
      webhook_id: '1',
      delivery_id: '1',
    });
    cases = nullCases(buildOpenApi(t.app));
  });
  afterAll(() => destroyTestApp(t));

  const send = async (c: NullCase) => {
    const token = (await login(t)).accessToken;
    let url = c.path;
    for (const p of c.params) {
      expect(ids).toHaveProperty(p); // a new path parameter: give the test something for it to point at
      url = url.replace(`{${p}}`, encodeURIComponent(ids[p]));
    }
    return t.http()[c.method](url).set(bearer(token)).send(c.body);
  };

  it('finds the bodies to test, nested ones and nullable ones among them', () => {
    const fields = cases.map((c) => `${c.method.toUpperCase()} ${c.path} ${c.field}${c.nullable ? '?' : ''}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        'PUT /api/admin/users/{user_id} isActive',
        'PUT /api/admin/users/{user_id} isAdmin',
        'PUT /api/admin/users/{user_id} password',
        'PUT /api/admin/users/{user_id} email?',
        'PATCH /api/robots/{robot_id} name',
        'PATCH /api/robots/{robot_id} baseUrl',
        'PATCH /api/robots/{robot_id} isGewe',
        'PATCH /api/robots/{robot_id} token',
        'PATCH /api/robots/{robot_id} config.regionId',
        'PATCH /api/robots/{robot_id} downloadUrl?',
      ]),
    );
  });

  it('refuses null with a 400 naming the field wherever the document does not say nullable', async () => {
    const wrong: string[] = [];
    for (const c of cases.filter((x) => !x.nullable)) {
      const res = await send(c);
      const msgs = messages(res.body);
      if (res.status !== 400 || res.body.code !== 'VALIDATION_FAILED' || !msgs.some((m) => names(m, c.field)))
        wrong.push(`${c.method.toUpperCase()} ${c.path} ${JSON.stringify(c.body)} → ${res.status} ${res.text}`);
    }
    expect(wrong).toEqual([]);
  });

  it('accepts null where the document says nullable (no complaint about that field, never a 500)', async () => {
    const wrong: string[] = [];
    for (const c of cases.filter((x) => x.nullable)) {
      const res = await send(c);
      const msgs = res.status === 400 ? messages(res.body) : [];
      if (res.status >= 500 || msgs.some((m) => names(m, c.field)))
        wrong.push(`${c.method.toUpperCase()} ${c.path} ${JSON.stringify(c.body)} → ${res.status} ${res.text}`);
    }
    expect(wrong).toEqual([]);
  });
});
