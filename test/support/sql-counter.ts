import type { DataSource } from 'typeorm';

/** Every SQL statement the app's own connection(s) executed while counting. */
export interface SqlCounter {
  /** Starts a fresh count. */
  reset(): void;
  /** The statements counted since the last reset (SQL text, parameters left out). */
  statements(): string[];
  /** Stops counting (the patches stay, inert). */
  stop(): void;
}

/**
 * Counts statements at the driver, below TypeORM, so nothing the service runs escapes it, whichever path issued it:
 * better-sqlite3 statement executions on the app's database handle, or queries and executes on connections of the
 * app's mysql2 pool. Statements on other connections (a test's own reads) are not counted.
 */
export function countStatements(dataSource: DataSource): SqlCounter {
  let on = true;
  let seen: string[] = [];
  const note = (sql: unknown) => {
    if (on) seen.push(typeof sql === 'string' ? sql : String((sql as { sql?: string })?.sql ?? sql));
  };
  const driver = dataSource.driver as unknown as {
    databaseConnection?: { prepare(sql: string): object };
    pool?: { getConnection(cb: (err: unknown, conn: unknown) => void): void };
  };
  if (dataSource.options.type === 'better-sqlite3') {
    const db = driver.databaseConnection!;
    const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<string, unknown>;
    for (const name of ['run', 'get', 'all', 'iterate']) {
      const original = proto[name] as (...a: unknown[]) => unknown;
      if ((original as { counted?: true }).counted) continue;
      const wrapped = function (this: { database: unknown; source: string }, ...args: unknown[]) {
        const hook = (this.database as { __sqlCounter?: (sql: string) => void }).__sqlCounter;
        hook?.(this.source);
        return original.apply(this, args);
      };
      (wrapped as { counted?: true }).counted = true;
      proto[name] = wrapped;
    }
    // a transaction's BEGIN and COMMIT (RawSql commits the writes of one turn of the event loop together) count too
    const exec = (db as unknown as { exec(sql: string): unknown }).exec.bind(db);
    (db as unknown as { exec(sql: string): unknown }).exec = (sql: string) => {
      note(sql);
      return exec(sql);
    };
    (db as { __sqlCounter?: (sql: string) => void }).__sqlCounter = note;
  } else {
    const pool = driver.pool!;
    const getConnection = pool.getConnection.bind(pool);
    pool.getConnection = (cb) =>
      getConnection((err, conn) => {
        const c = conn as Record<string, unknown> & { __counted?: true };
        if (c && !c.__counted) {
          c.__counted = true;
          for (const name of ['query', 'execute']) {
            const original = c[name] as (...a: unknown[]) => unknown;
            c[name] = (...args: unknown[]) => {
              note(args[0]);
              return original.apply(c, args);
            };
          }
        }
        cb(err, conn);
      });
  }
  return {
    reset: () => {
      seen = [];
    },
    statements: () => [...seen],
    stop: () => {
      on = false;
    },
  };
}

/** Statements grouped by their first words, most frequent first: the failure message of a bound. */
export function summarize(statements: string[], per: number): string {
  const groups = new Map<string, number>();
  for (const s of statements) {
    // numbers written into the SQL text (TypeORM's SQLite driver does that) would make each statement its own group
    const key = s
      .replace(/\s+/g, ' ')
      .replace(/\b\d+\b/g, 'N')
      .slice(0, 110);
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${(n / per).toFixed(2)} × ${k}`)
    .join('\n');
}
