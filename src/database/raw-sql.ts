import { DataSource, QueryFailedError } from 'typeorm';

interface SqliteStatement {
  readonly reader: boolean;
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  all(...params: unknown[]): unknown[];
}
interface SqliteHandle {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  readonly inTransaction: boolean;
}

/** A write waiting for the next batch (SQLite). */
interface PendingWrite {
  sql: string;
  params: unknown[];
  resolve(r: RunResult): void;
  reject(err: unknown): void;
}
interface MysqlPool {
  query(sql: string, params: unknown[], cb: (err: Error | null, result: unknown) => void): void;
}

/** "2026-01-02 03:04:05" (SQLite's datetime('now')) or with milliseconds (TypeORM's): UTC, without a zone. */
const SQLITE_UTC = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/;

export interface RunResult {
  affected: number;
  /** The id of an inserted row (AUTOINCREMENT / AUTO_INCREMENT). */
  insertId: number;
}

/**
 * Hand-written statements for the callback hot path, on TypeORM's own connection (SQLite) or pool (MySQL), so they
 * share its transactions-free autocommit behaviour and its connection settings (timezone 'Z', utf8mb4).
 *
 * Why not the repositories: per callback they cost more CPU than the rest of the processing (query building,
 * metadata, result mapping, a BEGIN/COMMIT and a re-read around every `save`), and TypeORM's SQLite driver writes
 * numbers into the SQL text (`WHERE id = 123`), so its 100-entry statement cache was re-preparing statements all the
 * time. Here each SQL text is fixed (parameters are `?`), and on SQLite it is prepared once and kept.
 *
 * SQL is written with "double-quoted" identifiers and `?` parameters and no string literals; on MySQL the quotes
 * become backticks. Values must already be what the column stores: see `datetime()` and `bool()`. Errors are
 * TypeORM's QueryFailedError, like those of the repositories, so callers tell a unique violation the same way.
 */
export class RawSql {
  readonly engine: 'sqlite' | 'mysql';
  private readonly sqlite?: SqliteHandle;
  private readonly pool?: MysqlPool;
  private readonly statements = new Map<string, SqliteStatement>();
  private readonly texts = new Map<string, string>();
  /** SQLite: the writes of this turn of the event loop, committed together by `flush` (see `run`). */
  private pending: PendingWrite[] = [];

  constructor(dataSource: DataSource) {
    const driver = dataSource.driver as unknown as { databaseConnection?: SqliteHandle; pool?: MysqlPool };
    if (dataSource.options.type === 'better-sqlite3') {
      this.engine = 'sqlite';
      this.sqlite = driver.databaseConnection;
      if (!this.sqlite) throw new Error('RawSql needs an initialized SQLite data source');
    } else {
      this.engine = 'mysql';
      this.pool = driver.pool;
      if (!this.pool) throw new Error('RawSql needs an initialized MySQL data source (no replication)');
    }
  }

  /** A datetime column's value: SQLite keeps TypeORM's UTC text ("2026-01-02 03:04:05.678"), mysql2 formats a Date. */
  datetime(d: Date): string | Date {
    return this.engine === 'sqlite' ? d.toISOString().slice(0, 23).replace('T', ' ') : d;
  }

  /** A datetime column's value as read: SQLite's UTC text (with or without milliseconds), or mysql2's Date. */
  toDate(v: unknown): Date {
    if (v instanceof Date) return v;
    const text = String(v);
    return new Date(SQLITE_UTC.test(text) ? `${text.replace(' ', 'T')}Z` : text);
  }

  bool(b: boolean): number {
    return b ? 1 : 0;
  }

  /**
   * INSERT, UPDATE, DELETE. Answered once the statement is committed, as before — but on SQLite the writes asked for
   * in the same turn of the event loop (the callbacks accepted, logged or finished together under load) are
   * committed in one transaction: with SQLite, a commit (its WAL frames, the checkpoints they lead to) costs more
   * than the statement, and each of the messages table's indexes adds a page per commit. Each statement still
   * succeeds or fails on its own (a unique violation rolls back that statement only); if SQLite rolls the whole
   * transaction back (an I/O error, a full disk) or the COMMIT fails, every write of the batch fails with it, and
   * nothing of it was kept.
   */
  run(sql: string, params: unknown[]): Promise<RunResult> {
    if (this.sqlite) {
      return new Promise((resolve, reject) => {
        if (this.pending.push({ sql, params, resolve, reject }) === 1) setImmediate(() => this.flush());
      });
    }
    return this.mysql(sql, params).then((r) => {
      const { affectedRows, insertId } = r as { affectedRows: number; insertId: number };
      return { affected: affectedRows, insertId: Number(insertId) };
    });
  }

  /** Runs the pending writes: one alone as it is, more in one transaction (unless one is open on the connection). */
  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const db = this.sqlite!;
    const own = batch.length > 1 && !db.inTransaction;
    if (own) {
      try {
        db.exec('BEGIN');
      } catch (err) {
        for (const w of batch) w.reject(new QueryFailedError(w.sql, w.params, err as Error));
        return;
      }
    }
    const outcomes = batch.map((w): RunResult | QueryFailedError => {
      try {
        const r = this.prepared(w.sql).run(...w.params);
        return { affected: r.changes, insertId: Number(r.lastInsertRowid) };
      } catch (err) {
        return new QueryFailedError(w.sql, w.params, err as Error);
      }
    });
    let lost: Error | null = null;
    if (own) {
      if (!db.inTransaction) lost = new Error('SQLite rolled the batch back');
      else
        try {
          db.exec('COMMIT');
        } catch (err) {
          lost = err as Error;
          if (db.inTransaction) db.exec('ROLLBACK');
        }
    }
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if (lost) w.reject(o instanceof QueryFailedError ? o : new QueryFailedError(w.sql, w.params, lost));
      else if (o instanceof QueryFailedError) w.reject(o);
      else w.resolve(o);
    });
  }

  /** SELECT. */
  async rows<T>(sql: string, params: unknown[]): Promise<T[]> {
    if (this.sqlite) {
      try {
        return this.prepared(sql).all(...params) as T[];
      } catch (err) {
        throw new QueryFailedError(sql, params, err as Error);
      }
    }
    return (await this.mysql(sql, params)) as T[];
  }

  private prepared(sql: string): SqliteStatement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.sqlite!.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private mysql(sql: string, params: unknown[]): Promise<unknown> {
    let text = this.texts.get(sql);
    if (text === undefined) {
      text = sql.replaceAll('"', '`');
      this.texts.set(sql, text);
    }
    const query = text;
    return new Promise((resolve, reject) =>
      this.pool!.query(query, params, (err, result) =>
        err ? reject(new QueryFailedError(query, params, err)) : resolve(result),
      ),
    );
  }
}

/** Whether a failed statement broke a unique index (SQLite and MySQL say it differently). */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && /unique|duplicate/i.test(err.message);
}
