import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser, initDb, migrationRun, parseCreateUserArgs } from '../../src/cli/cli';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createTestApp, createTestDatabase, describeE2E, login, TestDatabase } from '../support/test-app';

describeE2E('command-line scripts', () => {
  let dir: string;
  let db: TestDatabase;
  let config: AppConfig;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'og-cli-'));
    db = await createTestDatabase(dir);
    config = loadConfig({
      path: null,
      env: {},
      overrides: { database: db.overrides, backend: { password_hash_rounds: 4, data_dir: dir } },
    }).config;
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migration:run creates the schema, then finds nothing to do', async () => {
    expect(await migrationRun(config)).toEqual({
      code: 0,
      out: expect.stringMatching(/^Applied \d+ migration\(s\): Init/),
    });
    expect(await migrationRun(config)).toEqual({ code: 0, out: 'Database schema is up to date.' });
  });

  it('init-db creates the first admin with a generated password once, then leaves users alone', async () => {
    const first = await initDb({}, config);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/username: admin\s+password: (\S{12,})/);
    const again = await initDb({}, config);
    expect(again.out).toMatch(/Users already exist/);
  });

  it('create-user creates users, refuses duplicates and bad input, and --update resets a password', async () => {
    const ok = await createUser({ username: 'ops', password: 'ops-pass-123', admin: true, update: false }, {}, config);
    expect(ok).toEqual({ code: 0, out: expect.stringMatching(/^Created admin "ops"/) });
    const dup = await createUser(
      { username: 'ops', password: 'ops-pass-123', admin: false, update: false },
      {},
      config,
    );
    expect(dup.code).toBe(1);
    expect(dup.out).toMatch(/already exists/);
    const bad = await createUser({ username: 'x', password: 'short', admin: false, update: false }, {}, config);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/username must be/);
    expect(bad.out).toMatch(/password must be/);
    const gen = await createUser({ username: 'gen-user', admin: false, update: false }, {}, config);
    expect(gen.out).toMatch(/Password: \S{12,}/);
    const upd = await createUser(
      { username: 'ops', admin: false, update: true },
      { OPENGEWE_NEW_PASSWORD: 'ops-new-pass-1' },
      config,
    );
    expect(upd).toEqual({ code: 0, out: expect.stringMatching(/^Updated user "ops"/) });

    // the service sees what the scripts wrote
    const t = await createTestApp({ dir, database: db, overrides: { backend: { password_hash_rounds: 4 } } });
    try {
      await login(t, 'ops', 'ops-new-pass-1');
      await t.http().post('/api/auth/login').send({ username: 'ops', password: 'ops-pass-123' }).expect(401);
    } finally {
      await t.close();
    }
  });

  it('parses create-user arguments and reports mistakes', () => {
    expect(parseCreateUserArgs(['--username', 'a1b', '--admin', '-p', 'pw'])).toEqual({
      username: 'a1b',
      password: 'pw',
      admin: true,
      update: false,
    });
    expect(parseCreateUserArgs(['--admin'])).toBe('missing --username');
    expect(parseCreateUserArgs(['--username', 'x', '--root'])).toBe('unknown argument --root');
  });
});
