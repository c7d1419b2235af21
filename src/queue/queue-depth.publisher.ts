import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import { EventBus } from '../live-events/event-bus';
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
  private readonly task: PeriodicTask;
  private last: string | null = null;
  private failing = false;

  constructor(
    private readonly queue: CallbackQueue,
    private readonly bus: EventBus,
    @Optional() @Inject(QUEUE_DEPTH_INTERVAL) intervalMs?: number,
  ) {
    this.task = new PeriodicTask({
      name: 'Queue depth read',
      intervalMs: intervalMs ?? 2_000,
      logger: this.logger,
      run: () => this.tick(),
    });
  }

  private readonly unsubscribe: (() => void)[] = [];

  onApplicationBootstrap(): void {
    this.unsubscribe.push(
      this.bus.subscribe((e) => {
        if (e.type === 'queue.depth') this.last = countsKey(e.data);
      }),
      this.bus.onWatch(() => (this.last = null)),
    );
    this.task.start();
  }

  /** Reads the depth (when someone watches) and publishes it if it changed. Runs one at a time (the task's). */
  private async tick(): Promise<void> {
    if (this.bus.audience === 0) return;
    let depth: QueueDepth;
    try {
      depth = await this.queue.depth();
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn({ error: (err as Error).message }, 'Queue depth unavailable for live events');
      this.failing = true;
      return;
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

  /** No read starts any more, and one under way is waited for (it would publish or log after the shutdown). */
  async onModuleDestroy(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.task.stop();
  }
}

function countsKey(d: QueueDepth): string {
  return `${d.waiting}/${d.active}/${d.delayed}/${d.failed}`;
}
