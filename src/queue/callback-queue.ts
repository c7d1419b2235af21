import type { Page } from '../common/dto/pagination.dto';

/** One accepted callback on its way to the processor. */
export interface CallbackJob {
  robotId: number;
  /** The body exactly as received (JSON text; parsed bigint-safe by the processor). */
  payload: string;
  /** robot + NewMsgId, or robot + a hash of the body when there is no NewMsgId. */
  dedupKey: string;
  requestId: string | null;
  receivedAt: string;
}

export interface FailedJob {
  id: string;
  robotId: number;
  dedupKey: string;
  attempts: number;
  error: string | null;
  receivedAt: string;
  failedAt: string | null;
}

export interface QueueDepth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export type JobHandler = (job: CallbackJob) => Promise<void>;

/** Raised when a callback cannot be stored durably: the webhook answers 503, never a false 200. */
export class QueueUnavailableError extends Error {
  constructor(reason: string) {
    super(`The callback queue is unavailable: ${reason}`);
    this.name = 'QueueUnavailableError';
  }
}

/**
 * The queue port. `enqueue` resolves only once the callback is stored durably (a database row in simple mode, a
 * Redis job in advanced mode); a callback already accepted (same dedup key) resolves 'duplicate'.
 */
export abstract class CallbackQueue {
  abstract readonly type: 'simple' | 'advanced';
  abstract enqueue(job: CallbackJob): Promise<'queued' | 'duplicate'>;
  /** Starts consuming with `handler` (instances whose role processes callbacks). */
  abstract consume(handler: JobHandler): void;
  abstract depth(): Promise<QueueDepth>;
  abstract failed(page: number, limit: number): Promise<Page<FailedJob>>;
  abstract retry(id: string): Promise<boolean>;
  abstract discard(id: string): Promise<boolean>;
  /** Stops taking new work and waits for jobs in flight. */
  abstract close(): Promise<void>;
}
