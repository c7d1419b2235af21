import { Injectable, Logger } from '@nestjs/common';
import type { HandlerOutcome } from './plugin.dispatcher';
import { PluginPorts } from './plugin-ports';
import type { DeferredContext } from './plugin.types';

export interface DeferredTask {
  plugin: string;
  /** The handler that deferred it. */
  handler: string;
  name: string;
  robotId: number;
  messageId: number | null;
  requestId: string | null;
  ctx: DeferredContext;
  /** The notes `ctx.note` collected (the runner gave ctx its own note). */
  notes: Record<string, unknown>[];
  work: (ctx: DeferredContext) => Promise<void>;
}

/**
 * PART platform-a: runs deferred work (ctx.defer) after the handler, bounded by [plugins].deferred_timeout, counts
 * its failures like a handler's, appends its outcome to the message's results (PluginPorts.laterResults) and drains
 * at shutdown. The skeleton runs it and logs a failure.
 */
@Injectable()
export class DeferredRunner {
  private readonly logger = new Logger(DeferredRunner.name);

  constructor(private readonly ports: PluginPorts) {}

  start(task: DeferredTask): void {
    const started = performance.now();
    void Promise.resolve()
      .then(() => task.work(task.ctx))
      .then(
        () => this.finish(task, { status: 'ok' }, started),
        (err: unknown) => this.finish(task, { status: 'error', error: String(err) }, started),
      );
  }

  private async finish(
    task: DeferredTask,
    result: Pick<HandlerOutcome, 'status' | 'error'>,
    started: number,
  ): Promise<void> {
    const outcome: HandlerOutcome = {
      plugin: task.plugin,
      handler: `${task.handler}/${task.name}`,
      durationMs: Math.round(performance.now() - started),
      ...result,
      ...(task.notes.length ? { notes: task.notes } : {}),
      deferred: true,
    };
    if (outcome.status !== 'ok')
      this.logger.warn({ ...outcome, requestId: task.requestId }, 'Deferred plugin work failed');
    if (task.messageId !== null) await this.ports.laterResults?.append(task.messageId, outcome).catch(() => undefined);
  }
}
