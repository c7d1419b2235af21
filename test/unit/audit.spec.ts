import { Logger } from '@nestjs/common';
import type { Repository } from 'typeorm';
import type { AuditLogEntity } from '../../src/audit/audit-log.entity';
import { AUDIT_MASK, diffConfig, isSecretKey, maskSecrets, secretPaths } from '../../src/audit/audit-mask';
import { AuditRow, AuditWriter } from '../../src/audit/audit-writer';

const row = (action: string): AuditRow => ({
  actorUserId: 1,
  actorUsername: 'admin',
  actorTokenId: null,
  action,
  targetType: null,
  targetId: null,
  result: 'ok',
  status: 200,
  ip: null,
  requestId: null,
  details: null,
  createdAt: new Date(),
});

describe('audit masking', () => {
  it('recognises keys that hold secrets, and not ordinary ones', () => {
    for (const k of ['password', 'newPassword', 'token', 'refreshToken', 'secret_key', 'apiKey', 'app_key', 'key'])
      expect([k, isSecretKey(k)]).toEqual([k, true]);
    for (const k of ['name', 'baseUrl', 'monkey', 'keyword', 'greeting', 'enabled', 'bypass'])
      expect([k, isSecretKey(k)]).toEqual([k, false]);
  });

  it('masks secrets deeply, by key or by schema path, and leaves empty values and flags visible', () => {
    expect(
      maskSecrets(
        { name: 'r', token: 'abc', nested: { password: 'p', list: [{ apiKey: 'k' }] }, passage: 'x', empty: '' },
        new Set(['passage']),
      ),
    ).toEqual({
      name: 'r',
      token: AUDIT_MASK,
      nested: { password: AUDIT_MASK, list: [{ apiKey: AUDIT_MASK }] },
      passage: AUDIT_MASK,
      empty: '',
    });
    expect(maskSecrets({ token: '', password: null, passwordReset: true })).toEqual({
      token: '',
      password: null,
      passwordReset: true,
    });
  });

  it('masks credentials and query secrets in URLs wherever they appear in the details', () => {
    const M = AUDIT_MASK;
    expect(
      maskSecrets({
        body: { baseUrl: 'http://gewe-op:pa55@10.0.0.5:2531/v2/api', downloadUrl: 'https://cdn.example/f?sig=abc&x=1' },
        error: 'BAD_URL: baseUrl http://u:p@h.example/x must not carry credentials',
        list: ['ftp://only-user@files.example/a', 'https://h.example/cb?key=k1&Token=t1&page=2#frag'],
        hook: { url: 'https://a:b@hooks.example/?access_token=zz' },
      }),
    ).toEqual({
      body: { baseUrl: `http://${M}@10.0.0.5:2531/v2/api`, downloadUrl: `https://cdn.example/f?sig=${M}&x=1` },
      error: `BAD_URL: baseUrl http://${M}@h.example/x must not carry credentials`,
      list: [`ftp://${M}@files.example/a`, `https://h.example/cb?key=${M}&Token=${M}&page=2#frag`],
      hook: { url: `https://${M}@hooks.example/?access_token=${M}` },
    });
  });

  it('leaves URLs without credentials, and text that only looks like one, as they are', () => {
    const plain = {
      baseUrl: 'http://10.0.0.5:2531/v2/api',
      mail: 'ops@example.com',
      note: 'see https://example.com/docs?page=2&monkey=1 and user@host',
    };
    expect(maskSecrets(plain)).toEqual(plain);
  });

  it('finds the fields a JSON Schema marks writeOnly, nested too', () => {
    const schema = {
      type: 'object',
      properties: {
        a: { type: 'string', writeOnly: true },
        b: { type: 'object', properties: { c: { type: 'string', writeOnly: true }, d: { type: 'string' } } },
      },
    };
    expect([...secretPaths(schema)].sort()).toEqual(['a', 'b.c']);
    expect(secretPaths(null).size).toBe(0);
  });

  it('diffs configs key by key: added, removed, changed; a changed secret shows only that it changed', () => {
    const before = { greeting: 'hi', gone: 1, same: [1, 2], nested: { x: 1, token: 'old' }, hidden: 'a' };
    const after = { greeting: 'hello', added: true, same: [1, 2], nested: { x: 2, token: 'new' }, hidden: 'b' };
    expect(diffConfig(before, after, new Set(['hidden']))).toEqual([
      { path: 'added', after: true },
      { path: 'gone', before: 1 },
      { path: 'greeting', before: 'hi', after: 'hello' },
      { path: 'hidden', before: AUDIT_MASK, after: AUDIT_MASK },
      { path: 'nested.token', before: AUDIT_MASK, after: AUDIT_MASK },
      { path: 'nested.x', before: 1, after: 2 },
    ]);
    expect(diffConfig({ a: 1 }, { a: 1 })).toEqual([]);
  });
});

describe('audit writer', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('writes queued rows in one batch on flush', async () => {
    const insert = jest.fn().mockResolvedValue(undefined);
    const w = new AuditWriter({ insert } as unknown as Repository<AuditLogEntity>);
    w.push(row('a.one'));
    w.push(row('a.two'));
    await w.flush();
    expect(insert).toHaveBeenCalledTimes(1);
    expect((insert.mock.calls[0][0] as AuditRow[]).map((r) => r.action)).toEqual(['a.one', 'a.two']);
    await w.beforeApplicationShutdown();
  });

  it('never throws when the database fails: it logs, tries the batch once more, then drops it', async () => {
    const insert = jest.fn().mockRejectedValue(new Error('no such table: audit_log'));
    const w = new AuditWriter({ insert } as unknown as Repository<AuditLogEntity>);
    expect(() => w.push(row('a.fails'))).not.toThrow();
    await expect(w.flush()).resolves.toBeUndefined();
    await expect(w.flush()).resolves.toBeUndefined();
    await expect(w.flush()).resolves.toBeUndefined();
    expect(insert).toHaveBeenCalledTimes(2);
    expect(Logger.prototype.warn).toHaveBeenCalledWith(
      expect.objectContaining({ error: 'no such table: audit_log', retrying: 1, lost: 0 }),
      'Audit log write failed',
    );
    expect(Logger.prototype.warn).toHaveBeenCalledWith(
      expect.objectContaining({ retrying: 0, lost: 1 }),
      'Audit log write failed',
    );
    await w.beforeApplicationShutdown();
  });
});
