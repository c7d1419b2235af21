import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { EventBus } from '../events/event-bus';
import { CallbackQueue, QueueDepth } from './callback-queue';

export const QUEUE_DEPTH_INTERVAL = Symbol('QUEUE_DEPTH_INTERVAL');

/**
 * Publishes `queue.depth` live events: the queue's counts are read every `intervalMs` while this instance has an
 * open event stream, and published (through the EventBus, so every instance's streams get them) when they differ
 * from the last counts published by any instance. The counts live in the shared store (Redis or the database), so
 * instances that all have watchers read the same numbers, and the first to publish a change spares the others. A
 * stream that opens gets the current counts at the next read (published to all: they are the same for everyone).
 */
@Injectable()
export class QueueDepthPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(QueueDepthPublisher.name);
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private last: string | null = null;
  private reading = false;
  private failing = false;

  constructor(
    private readonly queue: CallbackQueue,
    private readonly bus: EventBus,
    @Optional() @Inject(QUEUE_DEPTH_INTERVAL) intervalMs?: number,
  ) {
    this.intervalMs = intervalMs ?? 2_000;
  }

  private readonly unsubscribe: (() => void)[] = [];

  onApplicationBootstrap(): void {
    this.unsubscribe.push(
      this.bus.subscribe((e) => {
        if (e.type === 'queue.depth') this.last = countsKey(e.data);
      }),
      this.bus.onWatch(() => (this.last = null)),
    );
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Reads the depth (when someone watches) and publishes it if it changed. */
  async tick(): Promise<void> {
    if (this.reading) return;
    if (this.bus.audience === 0) return;
    this.reading = true;
    let depth: QueueDepth;
    try {
      depth = await this.queue.depth();
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn({ error: (err as Error).message }, 'Queue depth unavailable for live events');
      this.failing = true;
      return;
    } finally {
      this.reading = false;
    }
    const key = countsKey(depth);
    if (key === this.last) return;
    this.last = key;
    const { waiting, active, delayed, failed } = depth;
    this.bus.publish('queue.depth', {
      type: this.queue.type,
      waiting,
      active,
      delayed,
      failed,
      at: new Date().toISOString(),
    });
  }

  onModuleDestroy(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.timer) clearInterval(this.timer);
  }
}

function countsKey(d: QueueDepth): string {
  return `${d.waiting}/${d.active}/${d.delayed}/${d.failed}`;
}
