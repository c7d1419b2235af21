import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/app-config';
import { CONFIG_SCHEMA } from '../../src/config/config-schema';
import { lockFileOf, SqliteLock, SqliteLockHeldError } from '../../src/database/sqlite-lock';
import { guardStartup, StartupRefused } from '../../src/startup-guard';

/* eslint-disable @typescript-eslint/no-require-imports */
const preflight = require('../../scripts/preflight.cjs') as {
  DEFAULTS: Record<string, Record<string, unknown>>;
  readSettings(env: NodeJS.ProcessEnv): Record<string, Record<string, unknown>> | null;
  check(env: NodeJS.ProcessEnv): Promise<string | null>;
};
const buildDist = require('../../scripts/build-dist.cjs') as { prune(base: string): string[] };
/* eslint-enable @typescript-eslint/no-require-imports */

let dir: string;
const servers: Server[] = [];
const locks: SqliteLock[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'og-startup-'));
});
afterEach(async () => {
  locks.splice(0).forEach((l) => l.release());
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on (taken and released). */
async function freePort(): Promise<number> {
  const p = await listening();
  await new Promise((r) => servers.pop()!.close(r));
  return p;
}

async function listening(): Promise<number> {
  const s = createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

const config = (port: number, extra: Record<string, Record<string, unknown>> = {}) =>
  loadConfig({
    path: null,
    env: {},
    overrides: {
      ...extra,
      backend: { host: '127.0.0.1', port, ...extra.backend },
      database: { type: 'sqlite', sqlite_file: join(dir, 'data', 'x.db'), ...extra.database },
    },
  }).config;

describe('SqliteLock', () => {
  it('is exclusive: a second holder is refused with the first one named, and it is free again once released', () => {
    const file = join(dir, 'a.db');
    expect(SqliteLock.probe(file)).toBeNull();
    expect(existsSync(lockFileOf(file))).toBe(false); // probing creates nothing
    const first = SqliteLock.acquire(file, 4321);
    locks.push(first);
    let err: unknown;
    try {
      locks.push(SqliteLock.acquire(file, 1));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SqliteLockHeldError);
    expect((err as SqliteLockHeldError).holder).toMatchObject({ pid: process.pid, port: 4321 });
    expect((err as Error).message).toContain(`${file} is in use by another OpenGewe Backend (pid ${process.pid}`);
    expect(SqliteLock.probe(file)?.holder?.port).toBe(4321);
    first.release();
    expect(SqliteLock.probe(file)).toBeNull();
    locks.push(SqliteLock.acquire(file, 2));
  });
});

describe('guardStartup', () => {
  it('refuses a port in use, naming it and how to change it, before creating anything', async () => {
    const port = await listening();
    await expect(guardStartup(config(port))).rejects.toThrow(StartupRefused);
    await expect(guardStartup(config(port))).rejects.toThrow(
      new RegExp(`port ${port} on 127.0.0.1 is already in use[^]*OPENGEWE__BACKEND__PORT`),
    );
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('locks the database in simple mode; a second instance on it is refused, naming the first', async () => {
    const guard = await guardStartup(config(await freePort()));
    locks.push(guard.lock!);
    expect(guard.lock?.held).toBe(true);
    await expect(guardStartup(config(await freePort()))).rejects.toThrow(
      /x\.db is in use by another OpenGewe Backend \(pid \d+/,
    );
    // advanced mode shares a database by design, but not with a simple-mode instance
    await expect(guardStartup(config(await freePort(), { queue: { queue_type: 'advanced' } }))).rejects.toThrow(
      StartupRefused,
    );
    guard.lock!.release();
    const advanced = await guardStartup(config(await freePort(), { queue: { queue_type: 'advanced' } }));
    expect(advanced.lock).toBeNull();
  });

  it('warns when the database is missing where one was used before (its lock file is there)', async () => {
    mkdirSync(join(dir, 'data'));
    writeFileSync(lockFileOf(join(dir, 'data', 'x.db')), '');
    const guard = await guardStartup(config(await freePort()));
    locks.push(guard.lock!);
    expect(guard.warnings).toEqual([expect.stringMatching(/x\.db does not exist, but its lock file does/)]);
  });

  it('takes no lock for MySQL', async () => {
    expect(await guardStartup(config(await freePort(), { database: { type: 'mysql' } }))).toEqual({
      lock: null,
      warnings: [],
    });
  });
});

describe('scripts/preflight.cjs (run by npm start before any build)', () => {
  it('has the same defaults as the config schema', () => {
    const schema = CONFIG_SCHEMA as unknown as Record<string, Record<string, { default: unknown }>>;
    for (const [section, keys] of Object.entries(preflight.DEFAULTS))
      for (const [key, value] of Object.entries(keys))
        expect({ key: `${section}.${key}`, value }).toEqual({
          key: `${section}.${key}`,
          value: schema[section][key].default,
        });
  });

  it('reads the config file and the OPENGEWE__ overrides, and leaves a broken file to the service', () => {
    const file = join(dir, 'c.toml');
    writeFileSync(file, '[backend]\nport = 6001\nhost = "127.0.0.2"\n[database]\nsqlite_file = "/x/y.db"\n');
    expect(preflight.readSettings({ OPENGEWE_CONFIG: file, OPENGEWE__BACKEND__PORT: '6002' })).toMatchObject({
      backend: { host: '127.0.0.2', port: 6002 },
      database: { type: 'sqlite', sqlite_file: '/x/y.db' },
    });
    writeFileSync(file, '[backend\n');
    expect(preflight.readSettings({ OPENGEWE_CONFIG: file })).toBeNull();
  });

  it('refuses a port in use and a locked database with the same messages as the service', async () => {
    const port = await listening();
    const env = (p: number, db = join(dir, 'p.db')) => ({
      OPENGEWE_CONFIG: join(dir, 'none.toml'),
      OPENGEWE__BACKEND__HOST: '127.0.0.1',
      OPENGEWE__BACKEND__PORT: String(p),
      OPENGEWE__DATABASE__SQLITE_FILE: db,
    });
    expect(await preflight.check(env(port))).toMatch(new RegExp(`^port ${port} on 127.0.0.1 is already in use`));
    const free = await freePort();
    expect(await preflight.check(env(free))).toBeNull();
    locks.push(SqliteLock.acquire(join(dir, 'p.db'), 7000));
    const message = await preflight.check(env(free));
    expect(message).toContain(
      `${join(dir, 'p.db')} is in use by another OpenGewe Backend (pid ${process.pid}, port 7000`,
    );
    expect(message).toBe(
      new SqliteLockHeldError(join(dir, 'p.db'), SqliteLock.probe(join(dir, 'p.db'))!.holder).message,
    );
  });
});

describe('scripts/build-dist.cjs prune', () => {
  it('deletes the outputs of deleted sources, and only those', () => {
    for (const d of ['src/a', 'dist/src/a', 'dist/migrations']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'src', 'a', 'kept.ts'), '');
    for (const f of ['src/a/kept.js', 'src/a/kept.js.map', 'src/a/gone.js', 'src/a/gone.js.map', 'migrations/old.js'])
      writeFileSync(join(dir, 'dist', f), '');
    expect(buildDist.prune(dir).sort()).toEqual(
      ['dist/migrations/old.js', 'dist/src/a/gone.js', 'dist/src/a/gone.js.map'].sort(),
    );
    expect(existsSync(join(dir, 'dist', 'src', 'a', 'kept.js'))).toBe(true);
  });
});
