import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JobWorker } from '../redis/bullmq';
import type { DeliveryAttempts } from './delivery-attempts';
import { DeliveryQueue, DeliveryRef } from './delivery-queue';

/** The Nest name of the delivery queue (its BullMQ name is `<queue.name>-outbound`). */
export const OUTBOUND_QUEUE = 'outbound';
export const OUTBOUND_WORKER = Symbol('OUTBOUND_WORKER');

export interface OutboundJob {
  deliveryId: number;
}

/**
 * Advanced mode's delivery queue: one BullMQ job per try of a delivery row (delayed by the project's backoff for a
 * retry), run by the worker of any instance that processes callbacks. The row stays the record: each try claims it
 * (compare-and-set, so a job run twice tries once) and writes the outcome; the next try is a new delayed job.
 */
@Injectable()
export class DeliveryBullQueue extends DeliveryQueue {
  readonly type = 'advanced' as const;
  private readonly logger = new Logger('OutboundWebhooks');
  private attempts?: DeliveryAttempts;

  constructor(
    @InjectQueue(OUTBOUND_QUEUE) private readonly queue: Queue<OutboundJob>,
    @Optional() @Inject(OUTBOUND_WORKER) private readonly worker?: JobWorker<OutboundJob>,
  ) {
    super();
    this.queue.on('error', (err) => this.logger.warn({ error: err.message }, 'Queue connection error'));
  }

  /**
   * One job per try: its id names the row and the tries it has had (`d-<id>-a<attempts>`), so the sweep queuing a
   * row whose job is still waiting adds nothing. Completed jobs are removed, so a replayed row (tries back to 0) gets
   * its job again.
   */
  async enqueue(rows: readonly DeliveryRef[], delayMs = 0): Promise<void> {
    if (!rows.length) return;
    await this.queue.addBulk(
      rows.map((r) => ({
        name: 'deliver',
        data: { deliveryId: r.id },
        opts: { jobId: `d-${r.id}-a${r.attempts}`, delay: delayMs, removeOnComplete: true, removeOnFail: true },
      })),
    );
  }

  consume(attempts: DeliveryAttempts): void {
    if (!this.worker) throw new Error('this instance has no outbound worker (backend.role = "webhook")');
    this.attempts = attempts;
    this.worker.start((job) => this.tryOnce(job.data.deliveryId));
  }

  private async tryOnce(id: number): Promise<void> {
    const row = await this.attempts!.claim(id, { due: false });
    if (!row) return;
    const outcome = await this.attempts!.run(row);
    if (outcome.result === 'retry') await this.enqueue([row], outcome.delayMs);
  }

  async close(): Promise<void> {
    await this.worker?.worker.close().catch(() => undefined);
  }
}
