import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { TablePump } from '../database/table-pump';
import type { DeliveryAttempts } from './delivery-attempts';
import { DeliveryQueue, DeliveryRef } from './delivery-queue';

const POLL_MS = 1_000;

/**
 * Simple mode's delivery queue: the `outbound_deliveries` table, pumped (TablePump, as the callback inbox and the
 * media downloads are). A retry's delay wakes the pump when it is over; the poll catches everything else (other
 * instances' rows, a restart).
 */
@Injectable()
export class DeliveryTableQueue extends DeliveryQueue {
  readonly type = 'simple' as const;
  private readonly logger = new Logger('OutboundWebhooks');
  private attempts?: DeliveryAttempts;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pump: TablePump<number>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.pump = new TablePump<number>({
      name: 'OutboundDeliveries',
      intervalMs: POLL_MS,
      concurrency: config.outbound_webhooks.concurrency,
      logger: this.logger,
      fill: (free, pump) => this.fill(free, pump),
    });
  }

  enqueue(_rows: readonly DeliveryRef[], delayMs = 0): Promise<void> {
    if (delayMs <= 0) this.pump.wake();
    else {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.pump.wake();
      }, delayMs + 5);
      t.unref();
      this.timers.add(t);
    }
    return Promise.resolve();
  }

  consume(attempts: DeliveryAttempts): void {
    this.attempts = attempts;
    this.pump.start();
  }

  private async fill(free: number, pump: TablePump<number>): Promise<boolean> {
    const attempts = this.attempts!;
    const ids = await attempts.due(free, (id) => pump.running(id));
    let started = false;
    for (const id of ids) {
      const row = await attempts.claim(id, { due: true });
      if (!row) continue;
      started = true;
      pump.launch(id, async () => {
        const outcome = await attempts.run(row);
        if (outcome.result === 'retry') await this.enqueue([row], outcome.delayMs);
      });
    }
    return started;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.pump.close();
  }
}
