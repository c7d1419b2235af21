import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppConfig, sqlitePath } from './config/app-config';
import { lockFileOf, SqliteLock, SqliteLockHeldError } from './database/sqlite-lock';
import { portProblem, portProblemMessage } from './net/port-check';

/** The start was refused before any work: `message` says what is wrong and what to do. Nothing was changed. */
export class StartupRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupRefused';
  }
}

export interface StartupGuard {
  /** The lock on the SQLite database, held until the process ends (null: MySQL, :memory: or advanced mode). */
  lock: SqliteLock | null;
  /** Loud warnings to log once the logger is up. */
  warnings: string[];
}

/**
 * The checks before any work (before the database is opened, plugins loaded or a queue consumed): the HTTP port must
 * be free, and the SQLite database must not be in use by another instance. In simple mode (the queue lives in the
 * process) the instance takes an exclusive lock on the database file for its whole life; in advanced mode instances
 * share the database by design (roles, several workers, coordinated through Redis), so it only checks that no
 * simple-mode instance holds it.
 */
export async function guardStartup(config: AppConfig): Promise<StartupGuard> {
  const { host, port } = config.backend;
  const file = config.database.type === 'sqlite' ? sqlitePath(config) : ':memory:';
  const sqlite = file !== ':memory:';
  const warnings: string[] = [];

  const busy = await portProblem(host, port);
  if (busy) {
    const holder = sqlite ? SqliteLock.probe(file)?.holder : null;
    const same = holder && holder.port === port ? `OpenGewe Backend pid ${holder.pid} (database ${file})` : undefined;
    throw new StartupRefused(portProblemMessage(host, port, busy, same));
  }
  if (!sqlite) return { lock: null, warnings };

  if (existsSync(lockFileOf(file)) && !existsSync(file))
    warnings.push(
      `The SQLite database ${file} does not exist, but its lock file does: a database was used here before. ` +
        'A new, empty database is created now (with a new first admin). If the old one was deleted or moved by ' +
        'mistake, stop the service and put it back (from a backup) before going on.',
    );
  try {
    if (config.queue.queue_type === 'advanced') {
      const held = SqliteLock.probe(file);
      if (held) throw held;
      return { lock: null, warnings };
    }
    mkdirSync(dirname(file), { recursive: true });
    return { lock: SqliteLock.acquire(file, port), warnings };
  } catch (err) {
    if (err instanceof SqliteLockHeldError) throw new StartupRefused(err.message);
    throw err;
  }
}
