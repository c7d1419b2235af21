import { DataSource, QueryFailedError } from 'typeorm';

interface SqliteStatement {
  readonly reader: boolean;
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  all(...params: unknown[]): unknown[];
}
interface SqliteHandle {
  prepare(sql: string): SqliteStatement;
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

  /** INSERT, UPDATE, DELETE. */
  async run(sql: string, params: unknown[]): Promise<RunResult> {
    if (this.sqlite) {
      try {
        const r = this.prepared(sql).run(...params);
        return { affected: r.changes, insertId: Number(r.lastInsertRowid) };
      } catch (err) {
        throw new QueryFailedError(sql, params, err as Error);
      }
    }
    const r = (await this.mysql(sql, params)) as { affectedRows: number; insertId: number };
    return { affected: r.affectedRows, insertId: Number(r.insertId) };
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
