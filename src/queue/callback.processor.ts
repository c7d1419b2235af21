import { Injectable, Logger } from '@nestjs/common';
import type { GeweEvent } from '../callback/events';
import { classify } from '../callback/classify';
import { parseJsonBigSafe } from '../common/bigint-json';
import { EventBus, TEXT_PREVIEW } from '../events/event-bus';
import { FileService } from '../file/file.service';
import { MetricsService, ProcessResult } from '../metrics/metrics.service';
import { DISPATCHING, MessageLogService, Recorded } from '../message/message-log.service';
import { PluginDispatcher } from '../plugin/plugin.dispatcher';
import { RobotHealthService } from '../robot/robot-health.service';
import { parseConfig, RobotService } from '../robot/robot.service';
import type { CallbackJob } from './callback-queue';

/** `results` of a message no plugin handles. */
const NO_HANDLERS = '[]';
const MARK_FAILED_MAX = 10_000;

/**
 * Turns one queued callback into effects: classify (pure), note the robot's last callback (an Offline callback
 * starts a reconnection), log the message (a repeat is dropped here for good), queue the download of its media (a
 * files row: FileWorker downloads it, never this job), then hand it to the plugins and keep what each handler did. A
 * thrown error makes the queue retry the job with backoff. Plugins see a message at most once: a job retried after a
 * crash in the middle of dispatching is logged as interrupted, not dispatched again.
 *
 * The database work of a callback is two statements in the common case: one INSERT logs the message already marked
 * "dispatching" (or with empty results when no plugin wants it), and one UPDATE keeps the results. The dispatch's reads
 * come before that INSERT, and nothing but the handlers runs after it, so the mark still means "the handlers may have
 * started". A message with media to download is logged unmarked first: its files row must be written before the mark.
 */
@Injectable()
export class CallbackProcessor {
  private readonly logger = new Logger(CallbackProcessor.name);
  /**
   * Messages (see messageKey) whose "dispatching" mark failed to be written here — or was written but its answer lost
   * with the connection: their handlers never ran, so a retry in this process dispatches them instead of writing them
   * off as interrupted.
   */
  private readonly markFailed = new Set<string>();

  constructor(
    private readonly robots: RobotService,
    private readonly health: RobotHealthService,
    private readonly messages: MessageLogService,
    private readonly dispatcher: PluginDispatcher,
    private readonly files: FileService,
    private readonly events: EventBus,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * A job retried on another instance never clears its key here: keep the newest MARK_FAILED_MAX (a forgotten one
   * only means that message is logged `interrupted` instead of dispatched, the safe side).
   */
  private noteMarkFailed(key: string): void {
    this.markFailed.delete(key);
    this.markFailed.add(key);
    if (this.markFailed.size > MARK_FAILED_MAX) this.markFailed.delete(this.markFailed.values().next().value!);
  }

  /** Processes one job and counts its result by robot and kind (an error is counted, then rethrown for a retry). */
  async process(job: CallbackJob): Promise<void> {
    const seen: { kind: string } = { kind: 'unknown' };
    let result: ProcessResult | null;
    try {
      result = await this.handle(job, seen);
    } catch (err) {
      this.metrics.callbackProcessed(job.robotId, seen.kind, 'error');
      throw err;
    }
    if (result) this.metrics.callbackProcessed(job.robotId, seen.kind, result, Date.parse(job.receivedAt));
  }

  /** null: nothing to count (the robot was deleted). */
  private async handle(job: CallbackJob, seen: { kind: string }): Promise<ProcessResult | null> {
    const robot = await this.robots.findById(job.robotId);
    if (!robot) {
      this.logger.warn({ robotId: job.robotId, requestId: job.requestId }, 'Callback for a deleted robot dropped');
      return null;
    }
    const raw = parseJsonBigSafe(job.payload);
    const event = classify(raw, { id: robot.id, appId: robot.appId ?? '', wxid: robot.wxid });
    seen.kind = event.kind;
    await this.robots.noteCallback(robot, event.robotWxid);
    if (event.kind === 'offline') this.health.reconnect(robot.id, 'Gewe sent an Offline callback');

    // The reads come first: a database failure there is retried, never written off as an interrupted dispatch.
    const robotConfig = parseConfig(robot.config);
    const dispatch = await this.dispatcher.prepare(event, { requestId: job.requestId, robot });
    const media = this.files.downloadsOnMessage(event, robotConfig);
    const initial = media ? null : dispatch.handlers ? DISPATCHING : NO_HANDLERS;
    const key = messageKey(event, job.requestId);

    let logged: Recorded;
    try {
      logged = await this.messages.record(event, job.requestId, new Date(job.receivedAt), initial);
    } catch (err) {
      // the INSERT (and so the mark) may have been written with its answer lost: the handlers have not run
      if (initial === DISPATCHING && key) this.noteMarkFailed(key);
      throw err;
    }
    if (logged.next === 'duplicate') {
      this.logger.debug(
        { robotId: robot.id, newMsgId: event.newMsgId, requestId: job.requestId },
        'Repeated callback dropped',
      );
      return 'duplicate';
    }
    // Idempotent (one files row per message and kind), and before the dispatch bookkeeping: a crash cannot skip it.
    if (media) await this.files.onMessage(event, logged.id, robotConfig);
    if (logged.next === 'dispatch')
      this.events.publish('message', {
        id: logged.id,
        robotId: robot.id,
        kind: event.kind,
        chatId: event.chatId,
        isGroup: event.isGroup,
        senderWxid: event.senderWxid,
        isSelf: event.isSelf,
        text: event.text === null ? null : event.text.slice(0, TEXT_PREVIEW),
        newMsgId: event.newMsgId,
        receivedAt: new Date(job.receivedAt).toISOString(),
      });
    if (logged.next === 'interrupted' && !(key && this.markFailed.has(key))) {
      // The process stopped while the plugins ran: running them again could answer twice.
      await this.messages.saveResults(logged.id, [
        { status: 'interrupted', error: 'the service stopped while plugins ran' },
      ]);
      this.logger.warn(
        { robotId: robot.id, messageId: logged.id, requestId: job.requestId },
        'Dispatch was interrupted; not repeated',
      );
      return 'interrupted';
    }
    if (logged.fresh && initial === NO_HANDLERS) return 'handled';
    if (logged.next === 'dispatch' && !(logged.fresh && initial === DISPATCHING)) {
      // logged without the mark: media first, or by an attempt that stopped before marking
      if (!dispatch.handlers) {
        await this.messages.saveResults(logged.id, []);
        return 'handled';
      }
      try {
        await this.messages.markDispatching(logged.id);
      } catch (err) {
        if (key) this.noteMarkFailed(key);
        throw err;
      }
    }
    if (key) this.markFailed.delete(key);
    const results = await dispatch.run(logged.id);
    await this.messages.saveResults(logged.id, results);
    this.logger.debug(
      { robotId: robot.id, kind: event.kind, messageId: logged.id, handlers: results.length, requestId: job.requestId },
      'Callback handled',
    );
    return 'handled';
  }
}

/** What finds a message's log row again on a retry: its NewMsgId, else the callback's request id. */
function messageKey(event: GeweEvent, requestId: string | null): string | null {
  if (event.newMsgId !== null) return `${event.robotId}:${event.newMsgId}`;
  return requestId ? `${event.robotId}:r:${event.kind}:${requestId}` : null;
}
