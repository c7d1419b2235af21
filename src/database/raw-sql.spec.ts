import { DataSource, QueryFailedError } from 'typeorm';
import { isUniqueViolation, RawSql } from './raw-sql';

/** RawSql on a real SQLite database (better-sqlite3, in memory). */
describe('RawSql (SQLite): the writes of one turn of the event loop', () => {
  let db: DataSource;
  let sql: RawSql;
  let executed: string[];

  beforeEach(async () => {
    db = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await db.initialize();
    await db.query('CREATE TABLE "t" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "k" varchar UNIQUE, "v" int)');
    sql = new RawSql(db);
    // what reaches the database handle: BEGIN / COMMIT / ROLLBACK through exec, statements through prepare
    const handle = (db.driver as unknown as { databaseConnection: { exec(s: string): unknown } }).databaseConnection;
    const exec = handle.exec.bind(handle);
    executed = [];
    handle.exec = (s: string) => (executed.push(s), exec(s));
  });
  afterEach(() => db.destroy());

  const count = async () => Number((await sql.rows<{ n: number }>('SELECT COUNT(*) AS "n" FROM "t"', []))[0].n);

  it('commits writes asked for together in one transaction, each answered with its own result', async () => {
    const results = await Promise.all(
      ['a', 'b', 'c'].map((k, i) => sql.run('INSERT INTO "t" ("k", "v") VALUES (?, ?)', [k, i])),
    );
    expect(results.map((r) => r.insertId)).toEqual([1, 2, 3]);
    expect(results.every((r) => r.affected === 1)).toBe(true);
    expect(executed).toEqual(['BEGIN', 'COMMIT']);
    expect(await count()).toBe(3);
  });

  it('runs a write alone without a transaction, and answers only once it is written', async () => {
    const r = await sql.run('INSERT INTO "t" ("k", "v") VALUES (?, ?)', ['solo', 1]);
    expect(r.insertId).toBe(1);
    expect(executed).toEqual([]);
    expect(await count()).toBe(1);
  });

  it('fails only the statement that broke a unique index; the rest of the batch is kept', async () => {
    const [a, dup, c] = await Promise.allSettled([
      sql.run('INSERT INTO "t" ("k", "v") VALUES (?, ?)', ['x', 1]),
      sql.run('INSERT INTO "t" ("k", "v") VALUES (?, ?)', ['x', 2]),
      sql.run('INSERT INTO "t" ("k", "v") VALUES (?, ?)', ['y', 3]),
    ]);
    expect([a.status, dup.status, c.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const err = (dup as PromiseRejectedResult).reason as unknown;
    expect(err).toBeInstanceOf(QueryFailedError);
    expect(isUniqueViolation(err)).toBe(true);
    expect(executed).toEqual(['BEGIN', 'COMMIT']);
    expect(await sql.rows('SELECT "k", "v" FROM "t" ORDER BY "id"', [])).toEqual([
      { k: 'x', v: 1 },
      { k: 'y', v: 3 },
    ]);
  });

  it('fails every write of the batch when the COMMIT fails, and keeps none of them', async () => {
    // a deferred foreign key is checked at COMMIT: the whole transaction is refused there
    await db.query('CREATE TABLE "p" ("id" INTEGER PRIMARY KEY)');
    await db.query(
      'CREATE TABLE "c" ("id" INTEGER PRIMARY KEY, "p" int REFERENCES "p"("id") DEFERRABLE INITIALLY DEFERRED)',
    );
    await db.query('PRAGMA foreign_keys = ON');
    const outcomes = await Promise.allSettled([
      sql.run('INSERT INTO "t" ("k", "v") VALUES (?, ?)', ['kept?', 1]),
      sql.run('INSERT INTO "c" ("id", "p") VALUES (?, ?)', [1, 999]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(executed).toEqual(['BEGIN', 'COMMIT', 'ROLLBACK']);
    expect(await count()).toBe(0);
  });

  it('writes inside a transaction already open on the connection without opening its own', async () => {
    const runner = db.createQueryRunner();
    await runner.startTransaction();
    executed = [];
    await Promise.all([
      sql.run('INSERT INTO "t" ("k", "v") VALUES (?, ?)', ['in', 1]),
      sql.run('INSERT INTO "t" ("k", "v") VALUES (?, ?)', ['tx', 2]),
    ]);
    expect(executed).toEqual([]);
    await runner.rollbackTransaction();
    await runner.release();
    expect(await count()).toBe(0);
  });
});
