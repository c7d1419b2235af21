import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { statSync } from 'node:fs';
import { APP_CONFIG, sqlitePath } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { PeriodicTask } from '../common/periodic-task';

/** Why the SQLite file this instance has open is no longer the one at its path. */
export type SqliteFileProblemCode = 'DATABASE_FILE_DELETED' | 'DATABASE_FILE_REPLACED';

export interface SqliteFileProblem {
  code: SqliteFileProblemCode;
  file: string;
}

/** How often the file is looked at in the background (health requests look at it too, each time). */
export const SQLITE_FILE_CHECK_MS = 5000;

/**
 * Notices when the SQLite database file is deleted or replaced under the running service. SQLite keeps writing to
 * the file it opened, so every query still succeeds — into a file nobody will ever open again; the next start would
 * create an empty database (and a new first admin). The file's identity (device and inode) is taken once the database
 * is open and compared on every health check and every few seconds; a change is logged at error level once, and
 * health reports it until the service is restarted on the right file.
 */
@Injectable()
export class SqliteFileWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private readonly file: string | null;
  private identity: { dev: number; ino: number } | null = null;
  private reported: SqliteFileProblem | null = null;
  private readonly task = new PeriodicTask({
    name: 'SQLite file check',
    intervalMs: SQLITE_FILE_CHECK_MS,
    run: () => this.check(),
    logger: this.logger,
  });

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const file = config.database.type === 'sqlite' ? sqlitePath(config) : ':memory:';
    this.file = file === ':memory:' ? null : file;
  }

  /** The database is open by now (TypeORM connects during module init). */
  onApplicationBootstrap(): void {
    if (!this.file) return;
    try {
      const s = statSync(this.file);
      this.identity = { dev: s.dev, ino: s.ino };
    } catch {
      return; // not created: nothing to compare with
    }
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Null while the file at the path is the one that was opened; else what happened (logged the first time). */
  check(): SqliteFileProblem | null {
    if (!this.file || !this.identity) return null;
    let code: SqliteFileProblemCode | null = null;
    try {
      const s = statSync(this.file);
      if (s.dev !== this.identity.dev || s.ino !== this.identity.ino) code = 'DATABASE_FILE_REPLACED';
    } catch {
      code = 'DATABASE_FILE_DELETED';
    }
    if (!code) return null;
    const problem = { code, file: this.file };
    if (this.reported?.code !== code) {
      this.reported = problem;
      this.logger.error(
        { code, file: this.file },
        code === 'DATABASE_FILE_DELETED'
          ? `The SQLite database ${this.file} was deleted while the service runs. Everything written from now on is ` +
              'lost at the next restart, which would start on an empty database with a new first admin. Stop the ' +
              'service and restore the file from a backup (or accept starting over) before starting it again.'
          : `The SQLite database ${this.file} was replaced by another file while the service runs. This instance ` +
              'still writes into the old, now unreachable file. Restart the service to use the new one (or put the ' +
              'old one back first if it was replaced by mistake).',
      );
    }
    return problem;
  }
}
