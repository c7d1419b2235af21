import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditLogEntity } from './audit-log.entity';

export type AuditRow = Omit<AuditLogEntity, 'id'>;

/** Rows are written in batches: every FLUSH_MS, or at once when BATCH_SIZE are waiting. */
const FLUSH_MS = 500;
const BATCH_SIZE = 100;
/** Past this many unwritten rows (the database is down), the oldest are dropped: memory stays bounded. */
const MAX_PENDING = 10_000;
/** A batch the database refused is tried once more after this. */
const RETRY_MS = 5_000;

/**
 * Writes audit rows in the background. `push` never waits and never throws: an audit write must not slow down or
 * fail the action it records. A failed batch is logged and tried once more, then dropped (and logged).
 */
@Injectable()
export class AuditWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditLog');
  private pending: { row: AuditRow; retried: boolean }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private dropped = 0;

  constructor(@InjectRepository(AuditLogEntity) private readonly rows: Repository<AuditLogEntity>) {}

  push(row: AuditRow): void {
    if (this.pending.length >= MAX_PENDING) {
      this.pending.shift();
      this.dropped++;
    }
    this.pending.push({ row, retried: false });
    if (this.pending.length >= BATCH_SIZE) void this.flush();
    else this.schedule(FLUSH_MS);
  }

  /** Writes everything waiting now; resolves when it is written (or failed and was logged). Never rejects. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.chain = this.chain.then(() => this.writeBatch());
    return this.chain;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A one-shot flush (a debounce of push, or the retry of a failed batch), not a loop: no PeriodicTask here. */
  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  private async writeBatch(): Promise<void> {
    if (this.dropped) {
      this.logger.warn({ rows: this.dropped }, 'Audit log rows dropped: too many waiting for the database');
      this.dropped = 0;
    }
    while (this.pending.length) {
      const batch = this.pending.splice(0, BATCH_SIZE);
      try {
        await this.rows.insert(batch.map((b) => b.row));
      } catch (err) {
        const again = batch.filter((b) => !b.retried);
        const lost = batch.length - again.length;
        this.logger.warn(
          { error: (err as Error).message, rows: batch.length, retrying: again.length, lost },
          'Audit log write failed',
        );
        for (const b of again) b.retried = true;
        this.pending.unshift(...again);
        if (again.length) this.schedule(RETRY_MS);
        return;
      }
    }
  }
}
