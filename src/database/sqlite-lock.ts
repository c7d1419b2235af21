import { existsSync } from 'node:fs';
import { hostname } from 'node:os';

/** The part of better-sqlite3 used here (the package ships no type declarations). */
interface LockDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): { get(): unknown; run(...params: unknown[]): unknown };
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string, options: { timeout: number }) => LockDatabase;

/** Who holds the lock, as the holder wrote it. */
export interface LockHolder {
  pid: number;
  host: string;
  port: number;
  startedAt: string;
}

/** The lock file of a SQLite database: beside it, same name plus `.lock`. */
export const lockFileOf = (sqliteFile: string) => `${sqliteFile}.lock`;

/** The database is in use by another running instance. */
export class SqliteLockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockHolder | null,
  ) {
    super(
      `the SQLite database ${file} is in use by another OpenGewe Backend` +
        (holder
          ? ` (pid ${holder.pid}${holder.host !== hostname() ? ` on host ${holder.host}` : ''}, port ${holder.port}, since ${holder.startedAt})`
          : '') +
        '.\n  Two instances on one SQLite file would handle every callback twice and overwrite each other.' +
        `\n  Stop the other one first${holder ? ` (kill ${holder.pid})` : ''}, or give this one its own database.sqlite_file` +
        ' (OPENGEWE__DATABASE__SQLITE_FILE).',
    );
    this.name = 'SqliteLockHeldError';
  }
}

/**
 * An exclusive, process-wide lock on a SQLite database file, held until release() or the end of the process.
 *
 * The lock is an operating-system lock, not a pid file: `<file>.lock` is a tiny SQLite database of its own, and the
 * holder keeps a write transaction open on it (`BEGIN IMMEDIATE`, a POSIX advisory lock). The kernel drops that lock
 * when the holder dies, however it dies, so there is no stale lock to clean up, and a reused pid cannot fake one.
 * Readers still see the holder's pid, port and start time, committed before the transaction that holds the lock.
 */
export class SqliteLock {
  private constructor(
    readonly file: string,
    private db: LockDatabase | null,
  ) {}

  /**
   * Takes the lock of `sqliteFile` for this process, or throws SqliteLockHeldError naming the holder. The directory
   * must exist (the database is created there next).
   */
  static acquire(sqliteFile: string, port: number): SqliteLock {
    const db = new Database(lockFileOf(sqliteFile), { timeout: 0 });
    try {
      tryBegin(db, sqliteFile);
      db.exec(
        'CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, ' +
          'host TEXT NOT NULL, port INTEGER NOT NULL, started_at TEXT NOT NULL)',
      );
      db.prepare('INSERT OR REPLACE INTO holder (id, pid, host, port, started_at) VALUES (1, ?, ?, ?, ?)').run(
        process.pid,
        hostname(),
        port,
        new Date().toISOString(),
      );
      db.exec('COMMIT');
      // published; hold it from now on (a start that slipped in between the two statements wins, and is named)
      tryBegin(db, sqliteFile);
    } catch (err) {
      db.close();
      throw err;
    }
    const lock = new SqliteLock(sqliteFile, db);
    process.once('exit', () => lock.release());
    return lock;
  }

  /**
   * Null when nobody holds the lock of `sqliteFile` (nothing is created when there is no lock file), else the error
   * acquire() would throw. Takes nothing: for a check before any work.
   */
  static probe(sqliteFile: string): SqliteLockHeldError | null {
    if (!existsSync(lockFileOf(sqliteFile))) return null;
    const db = new Database(lockFileOf(sqliteFile), { timeout: 0 });
    try {
      tryBegin(db, sqliteFile);
      db.exec('ROLLBACK');
      return null;
    } catch (err) {
      if (err instanceof SqliteLockHeldError) return err;
      throw err;
    } finally {
      db.close();
    }
  }

  get held(): boolean {
    return this.db !== null;
  }

  release(): void {
    const db = this.db;
    this.db = null;
    if (!db) return;
    try {
      db.exec('ROLLBACK');
    } catch {
      /* nothing open */
    }
    db.close();
  }
}

function tryBegin(db: LockDatabase, sqliteFile: string): void {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new SqliteLockHeldError(sqliteFile, readHolder(db));
    throw err;
  }
}

function readHolder(db: LockDatabase): LockHolder | null {
  try {
    const row = db.prepare('SELECT pid, host, port, started_at AS startedAt FROM holder WHERE id = 1').get();
    return (row as LockHolder | undefined) ?? null;
  } catch {
    return null; // the holder had not written its row yet
  }
}
