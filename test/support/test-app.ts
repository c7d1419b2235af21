import { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import request from 'supertest';
import { createApp } from '../../src/app.setup';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createRootLogger, RootLogger } from '../../src/logging/root-logger';
import { describeNeeding } from './services';

export const ADMIN = { username: 'admin', password: 'admin-pass-1234' };

export type Overrides = Record<string, Record<string, unknown>>;

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  root: RootLogger;
  dir: string;
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

/** A database for one test file: a temp SQLite file, or a fresh MySQL database dropped by `drop()`. */
export interface TestDatabase {
  overrides: Overrides['database'];
  drop(): Promise<void>;
}

export function dbKind(): 'sqlite' | 'mysql' {
  return process.env.TEST_DB === 'mysql' ? 'mysql' : 'sqlite';
}

const mysqlServer = () => ({
  host: process.env.TEST_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_MYSQL_PORT ?? 3306),
  user: process.env.TEST_MYSQL_USER ?? 'root',
  password: process.env.TEST_MYSQL_PASSWORD ?? '',
});

export async function createTestDatabase(dir: string, kind = dbKind()): Promise<TestDatabase> {
  if (kind === 'sqlite')
    return { overrides: { type: 'sqlite', sqlite_file: join(dir, 'test.db') }, drop: () => Promise.resolve() };
  const s = mysqlServer();
  const name = `og_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await createConnection(s);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  return {
    overrides: {
      type: 'mysql',
      mysql_host: s.host,
      mysql_port: s.port,
      mysql_user: s.user,
      mysql_password: s.password,
      mysql_database: name,
    },
    drop: async () => {
      const c = await createConnection(s);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

export interface TestAppOptions {
  overrides?: Overrides;
  env?: NodeJS.ProcessEnv;
  /** Reuse a directory (and so its SQLite file and logs) from an earlier app: a restart. */
  dir?: string;
  database?: TestDatabase;
  /** The admin console build to serve at / (default: none, so no test depends on web/dist being built). */
  webDist?: string | null;
}

/**
 * Boots the real application (same setup as main.ts) on its own temp directory and database, with logs written to a
 * file in that directory and nothing on stdout.
 */
export async function createTestApp(o: TestAppOptions = {}): Promise<TestApp & { database: TestDatabase }> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'og-e2e-'));
  const database = o.database ?? (await createTestDatabase(dir));
  const { config } = loadConfig({
    env: {},
    path: null,
    overrides: deepMerge(
      {
        backend: {
          secret_key: 'e2e-secret-key-0123456789abcdefghijklmnopqrstuvwxyz',
          data_dir: dir,
          password_hash_rounds: 4,
          enable_docs: true,
        },
        database: database.overrides,
        logging: { path: join(dir, 'logs'), stdout: false, level: 'info' },
        // no plugins unless a suite brings its own (the repo's plugins/ holds ExamplePlugin)
        plugins: { plugins_dir: join(dir, 'plugins') },
        // downloaded media stays in the app's own directory, never in the repo's ./data
        files: { root: join(dir, 'files') },
      },
      o.overrides ?? {},
    ),
  });
  const root = createRootLogger(config);
  const app = await createApp({
    config,
    rootLogger: root,
    configSource: null,
    env: { OPENGEWE_ADMIN_USERNAME: ADMIN.username, OPENGEWE_ADMIN_PASSWORD: ADMIN.password, ...o.env },
    webDist: o.webDist ?? null,
  });
  await app.init();
  const server = app.getHttpServer();
  return {
    app,
    config,
    root,
    dir,
    database,
    http: () => request(server),
    close: async () => {
      await app.close();
      await root.close();
    },
  };
}

/** Closes the app, drops its database and removes its directory. */
export async function destroyTestApp(t: (TestApp & { database: TestDatabase }) | undefined): Promise<void> {
  if (!t) return;
  await t.close();
  await t.database.drop();
  rmSync(t.dir, { recursive: true, force: true });
}

export async function login(t: TestApp, username = ADMIN.username, password = ADMIN.password) {
  const res = await t.http().post('/api/auth/login').send({ username, password });
  if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { accessToken: string; refreshToken: string; user: { id: number } };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** describe() for e2e suites, run on the project's database: the MySQL project needs the server (see describeNeeding). */
export function describeE2E(name: string, fn: () => void): void {
  const runnable = dbKind() === 'sqlite' || process.env.TEST_MYSQL_AVAILABLE === '1';
  describeNeeding(`${name} [${dbKind()}]`, runnable ? null : 'MySQL/MariaDB is not reachable', fn);
}

function deepMerge(a: Overrides, b: Overrides): Overrides {
  const out: Overrides = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = { ...(a[k] ?? {}), ...v };
  return out;
}
