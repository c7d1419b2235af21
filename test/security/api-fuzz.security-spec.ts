import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApi } from '../../src/app.setup';
import { ADMIN, bearer, createTestApp, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { ResponseValidator } from './response-validator';
import { Operation, operations } from './support';

/**
 * Property-based: every operation of the OpenAPI document, called with malformed bodies, path parameters and query
 * strings, answers 4xx (or a documented 5xx such as 502 when Gewe is unreachable) — never a 500 — and every answer is
 * one the document declares: its status for that operation, its Content-Type and (JSON) its body's schema.
 */
describe('every operation under malformed input', () => {
  let t: TestApp & { database: TestDatabase };
  let ops: Operation[];
  let validator: ResponseValidator;
  const responses: string[] = [];
  beforeAll(async () => {
    t = await createTestApp({
      overrides: { backend: { login_max_attempts_per_ip: 100_000, login_max_failures_per_user: 100_000 } },
    });
    const admin = (await login(t)).accessToken;
    // something for the ids to point at
    await t
      .http()
      .post('/api/robots?verify=false')
      .set(bearer(admin))
      .send({ name: 'fuzz', baseUrl: 'http://127.0.0.1:1/v2/api', token: 'fuzz-gewe-token-1', appId: 'wx_fuzz' })
      .expect(201);
    await t
      .http()
      .post('/api/admin/users')
      .set(bearer(admin))
      .send({ username: 'fuzzer', password: 'fuzzer-pass-1' })
      .expect(201);
    const doc = buildOpenApi(t.app);
    ops = operations(doc);
    validator = new ResponseValidator(doc);
  });
  afterAll(async () => {
    // nothing the fuzzer got back, nor the log, contains a password, a Gewe token or a hash
    const log = readFileSync(join(t.dir, 'logs', 'opengewe.log'), 'utf8');
    for (const text of [responses.join('\n'), log])
      for (const secret of [ADMIN.password, 'fuzzer-pass-1', 'fuzz-gewe-token-1', t.config.backend.secret_key, '$2b$'])
        expect(text).not.toContain(secret);
    await destroyTestApp(t);
  });

  const hostile = fc.constantFrom(
    '../../etc/passwd',
    '..%2F..%2Fetc',
    '%00',
    '-1',
    '0',
    '1',
    '2147483648',
    '1e3',
    ' ',
    'null',
    '😀',
    'a'.repeat(300),
  );
  const pathValue = fc.oneof(hostile, fc.string({ maxLength: 40 }), fc.integer().map(String));
  const anyValue = fc.oneof(
    fc.anything({ maxDepth: 3 }),
    fc.string({ maxLength: 50 }),
    fc.constantFrom(null, true, -1, 1e308, '', '****'),
  );

  function bodyFor(op: Operation) {
    const shaped = op.bodyProps.length
      ? fc.dictionary(fc.constantFrom(...op.bodyProps), anyValue, { maxKeys: op.bodyProps.length })
      : fc.constant({});
    return fc.oneof(shaped, fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));
  }

  it('has operations to fuzz', () => {
    expect(ops.length).toBeGreaterThan(30);
  });

  it.each([['get'], ['post'], ['put'], ['patch'], ['delete']])(
    'never answers 500 to a %s operation, and answers only what the document declares',
    async (method) => {
      // one line per operation, status and kind of problem (the first example of each), not one per run
      const problems = new Map<string, string>();
      // an accepted call to a stream (GET /api/events) never completes; its malformed input is tested in its e2e suite
      for (const op of ops.filter((o) => o.method === method && !o.streaming)) {
        // a fresh session per operation: some of them (logout, change-password) end the caller's sessions
        const token = (await login(t)).accessToken;
        await fc.assert(
          fc.asyncProperty(
            fc.tuple(...op.params.map(() => pathValue)),
            fc.dictionary(
              fc.constantFrom('page', 'limit', 'since', 'kind', 'verify', 'level', 'x', ...op.queryNames),
              fc.string({ maxLength: 20 }),
              { maxKeys: 3 },
            ),
            bodyFor(op),
            async (params, query, body) => {
              let url = op.path;
              op.params.forEach((name, i) => (url = url.replace(`{${name}}`, encodeURIComponent(params[i]))));
              const qs = new URLSearchParams(query).toString();
              const http = t.http();
              const req = http[op.method](`${url}${qs ? `?${qs}` : ''}`).set(bearer(token));
              const res =
                body === undefined
                  ? await req
                  : await req.set('Content-Type', 'application/json').send(JSON.stringify(body));
              responses.push(res.text);
              const ok = res.status < 500 || (res.status !== 500 && op.statuses.includes(res.status));
              if (!ok)
                throw new Error(`${op.method.toUpperCase()} ${url}?${qs} → ${res.status} ${res.text.slice(0, 300)}`);
              // an empty or dot segment names another route (GET /api/messages/ is the list): not this operation's
              if (params.some((v) => v === '' || v === '.' || v === '..')) return;
              for (const p of validator.check(op.method, op.path, res)) {
                const key = p.replace(/:.*$/, '') + (p.includes('not declared') ? ' undeclared' : ' schema');
                if (!problems.has(key)) problems.set(key, `${p} (e.g. ${op.method.toUpperCase()} ${url}?${qs})`);
              }
            },
          ),
          { numRuns: 20 },
        );
      }
      expect([...problems.values()]).toEqual([]);
    },
  );
});
