import { EventEmitter } from 'node:events';
import type { DownloadAttempts } from './download-attempts';

/**
 * The media download port, like CallbackQueue for callbacks: a files row is the download's record either way; what
 * schedules its tries is the table itself in simple mode (FileWorker pumps due rows) or a BullMQ queue in advanced
 * mode (MediaBullQueue). `enqueue` resolves once the try is scheduled durably.
 */
export abstract class MediaDownloadQueue {
  abstract readonly type: 'simple' | 'advanced';
  /** 'settled' (fileId) whenever a try of this instance ends: lets waiters react at once. */
  readonly events = new EventEmitter().setMaxListeners(0);
  /** A files row is pending (new, or queued again): have it tried. Idempotent. */
  abstract enqueue(fileId: number): Promise<void>;
  /** Starts running tries (instances whose role processes callbacks). */
  abstract consume(attempts: DownloadAttempts): void;
  /** The application is shutting down: nothing new starts, waiters give up. */
  abstract readonly stopping: boolean;
  /** Stops taking new tries; the tries running are handed back for the next start. */
  abstract close(): Promise<void>;
}
