import { Inject, Injectable } from '@nestjs/common';
import { LogLevel } from '../config/config-schema';
import { ROOT_LOGGER } from './logging.tokens';
import type { RootLogger } from './root-logger';

/** Reads and changes the level of the process-wide logger; a change applies to the next line logged. */
@Injectable()
export class LogLevelService {
  constructor(@Inject(ROOT_LOGGER) private readonly root: RootLogger) {}

  get level(): LogLevel {
    return this.root.logger.level as LogLevel;
  }

  set(level: LogLevel): void {
    this.root.logger.level = level;
  }

  get file(): string | null {
    return this.root.file;
  }
}
