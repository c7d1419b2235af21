import { createConnection } from 'mysql2/promise';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanRedis, describeNeeding, reachable, REDIS } from '../../support/services';

export { REDIS };

/** The part of better-sqlite3 used here (the package ships no type declarations). */
interface SqliteDatabase {
  pragma(sql: string): unknown;
  prepare(sql: string): { all(): unknown[] };
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (
  file: string,
  options: { readonly: boolean; fileMustExist: boolean },
) => SqliteDatabase;

export const MYSQL = {
  host: process.env.TEST_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_MYSQL_PORT ?? 3306),
  user: process.env.TEST_MYSQL_USER ?? 'root',
  password: process.env.TEST_MYSQL_PASSWORD ?? '',
};

/** describe() for drills that need the shared Redis and/or MariaDB (see describeNeeding). */
export function describeDrill(name: string, needs: ('redis' | 'mysql')[], fn: () => void): void {
  const missing = needs.filter((n) =>
    n === 'redis' ? !reachable(REDIS.host, REDIS.port) : !reachable(MYSQL.host, MYSQL.port),
  );
  describeNeeding(name, missing.length ? `${missing.join(' and ')} not reachable` : null, fn);
}

export function drillDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `og-fault-${name}-`));
}

/** Removes a drill's directory (kept with FAULT_KEEP=1, to read the services' logs). */
export function removeDir(dir: string): void {
  if (process.env.FAULT_KEEP === '1') console.log(`fault drill files kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

/** A unique Redis key prefix for one drill; `cleanRedis` removes its keys. */
export function redisPrefix(name: string): string {
  return `og-fault:${name}:${process.pid}:${Date.now().toString(36)}:`;
}

export { cleanRedis };

/** A fresh MariaDB database for one drill. */
export async function createMysqlDatabase(name: string): Promise<{ database: string; drop(): Promise<void> }> {
  const database = `og_fault_${name}_${process.pid}_${Date.now().toString(36)}`;
  const c = await createConnection(MYSQL);
  await c.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await c.end();
  return {
    database,
    drop: async () => {
      const d = await createConnection(MYSQL);
      await d.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await d.end();
    },
  };
}

/** One message-log row as the drills look at it. */
export interface LoggedMessage {
  newMsgId: string;
  results: string | null;
}

export type LogSource = { sqlite: string } | { mysql: string };

/** The message log, read straight from the database (SQLite file or MariaDB database), by NewMsgId. */
export async function readMessageLog(src: LogSource): Promise<Map<string, LoggedMessage>> {
  let rows: { new_msg_id: string | null; results: string | null }[];
  if ('sqlite' in src) {
    const db = new Database(src.sqlite, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      rows = db.prepare('SELECT new_msg_id, results FROM messages').all() as typeof rows;
    } finally {
      db.close();
    }
  } else {
    const c = await createConnection({ ...MYSQL, database: src.mysql });
    try {
      const [r] = await c.query('SELECT new_msg_id, results FROM messages');
      rows = r as typeof rows;
    } finally {
      await c.end();
    }
  }
  const out = new Map<string, LoggedMessage>();
  for (const r of rows) if (r.new_msg_id) out.set(r.new_msg_id, { newMsgId: r.new_msg_id, results: r.results });
  return out;
}

/** What the plugins did with a logged message: its `results` parsed (null while not handled). */
export function resultsOf(m: LoggedMessage | undefined): { plugin?: string; status: string; error?: string }[] | null {
  if (!m || m.results === null || m.results === '"dispatching"') return null;
  return JSON.parse(m.results) as { plugin?: string; status: string; error?: string }[];
}

/** Writes a plugin folder (manifest + index.js) into `pluginsDir`. */
export function writePlugin(pluginsDir: string, name: string, code: string): void {
  mkdirSync(join(pluginsDir, name), { recursive: true });
  writeFileSync(join(pluginsDir, name, 'plugin.json'), JSON.stringify({ name, version: '1.0.0' }));
  writeFileSync(join(pluginsDir, name, 'index.js'), code);
}

/**
 * Code of a plugin that appends `<NewMsgId> <pid>` to `file` when its handler starts (and `end <NewMsgId>` when it
 * ends, if `recordEnd`), after waiting `delayMs`. Lines are appended with O_APPEND writes: one per call, kill-safe.
 */
export function recorderPlugin(file: string, o: { delayMs?: number; recordEnd?: boolean; priority?: number } = {}) {
  return `'use strict';
const { appendFileSync } = require('node:fs');
const FILE = ${JSON.stringify(file)};
module.exports = {
  handlers: [{
    name: 'record',
    on: 'any',
    priority: ${o.priority ?? 50},
    async handle(ctx) {
      appendFileSync(FILE, ctx.event.newMsgId + ' ' + process.pid + '\\n');
      ${o.delayMs ? `await new Promise((r) => setTimeout(r, ${o.delayMs}));` : ''}
      ${o.recordEnd ? `appendFileSync(FILE, 'end ' + ctx.event.newMsgId + '\\n');` : ''}
    },
  }],
};
`;
}

/** The NewMsgIds a recorder plugin saw (one per handler start, repeats kept) and the ones it finished. */
export function readRecord(file: string): { started: string[]; ended: string[]; pids: Set<string> } {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    /* nothing recorded yet */
  }
  const started: string[] = [];
  const ended: string[] = [];
  const pids = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [a, b] = line.split(' ');
    if (a === 'end') ended.push(b);
    else {
      started.push(a);
      pids.add(b);
    }
  }
  return { started, ended, pids };
}

/** Prints a drill's one-line summary. */
export function summary(line: string): void {
  console.log(`FAULT DRILL ${line}`);
}
