import type { DeliveryAttempts } from './delivery-attempts';

/**
 * The port that schedules the tries of outbound deliveries, like MediaDownloadQueue for media: the
 * `outbound_deliveries` row is the delivery's record either way; the table itself is the queue in simple mode
 * (DeliveryTableQueue), a BullMQ queue in advanced mode (DeliveryBullQueue).
 */
/** A delivery row to try, with the tries it has had (which try a job is for: a job is not queued twice for one). */
export interface DeliveryRef {
  id: number;
  attempts: number;
}

export abstract class DeliveryQueue {
  abstract readonly type: 'simple' | 'advanced';
  /** Rows are pending (new, retried or replayed): have them tried after `delayMs` (default: now). */
  abstract enqueue(rows: readonly DeliveryRef[], delayMs?: number): Promise<void>;
  /** Starts running tries (instances whose role processes callbacks). */
  abstract consume(attempts: DeliveryAttempts): void;
  /** Stops taking new tries and waits for those running. */
  abstract close(): Promise<void>;
}
