import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { waitFor } from '../../test/support/wait';
import { SqliteCheckpointer } from './sqlite-checkpointer';

describe('SqliteCheckpointer (a SQLite file in WAL mode)', () => {
  let dir: string;
  let db: DataSource;
  const autocheckpoint = async () =>
    Number((await db.query<{ wal_autocheckpoint: number }[]>('PRAGMA wal_autocheckpoint'))[0].wal_autocheckpoint);

  beforeEach(async () => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'og-checkpoint-'));
    db = new DataSource({
      type: 'better-sqlite3',
      database: join(dir, 'db.sqlite'),
      prepareDatabase: (c: { pragma(s: string): unknown }) => {
        c.pragma('journal_mode = WAL');
      },
    });
    await db.initialize();
    await db.query('CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "v" text)');
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the checkpoints off the main connection and copies the WAL back from its own thread', async () => {
    const c = SqliteCheckpointer.of(db)!;
    await c.start();
    expect(await autocheckpoint()).toBe(0);
    const file = join(dir, 'db.sqlite');
    const before = statSync(file).size;
    for (let i = 0; i < 300; i++) await db.query('INSERT INTO "t" ("v") VALUES (?)', ['x'.repeat(4000)]);
    // the rows reach the database file itself only through a checkpoint, which the main connection no longer runs
    await waitFor(() => statSync(file).size > before + 1_000_000, 10_000, 'a checkpoint by the thread');
    await c.stop();
    expect(await autocheckpoint()).toBe(1000);
  });

  it('leaves the checkpoints inline when its thread cannot open the database', async () => {
    const main = (db.driver as unknown as { databaseConnection: { pragma(s: string): unknown } }).databaseConnection;
    const c = new SqliteCheckpointer(dir /* a directory: no database opens there */, main);
    await c.start();
    expect(await autocheckpoint()).toBe(1000);
    await c.stop();
  });

  it('has nothing to do for an in-memory database', async () => {
    const mem = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await mem.initialize();
    expect(SqliteCheckpointer.of(mem)).toBeNull();
    await mem.destroy();
  });
});
