import { Injectable, Logger } from '@nestjs/common';
import type { GeweEvent } from '../callback/events';
import { classify } from '../callback/classify';
import { parseJsonBigSafe } from '../common/bigint-json';
import { EventBus, TEXT_PREVIEW } from '../live-events/event-bus';
import { FileService } from '../file/file.service';
import { MetricsService, ProcessResult } from '../metrics/metrics.service';
import { OneBotGateway } from '../onebot/onebot.gateway';
import { DirectoryObserver } from '../directory/directory-observer';
import { FriendRequestService } from '../relations/friend-request.service';
import { OutboundWebhookService } from '../outbound-webhooks/outbound-webhook.service';
import { DispatchLedger, DispatchStep } from '../message-log/dispatch-ledger';
import { MessageLogService, Recorded, UnconfirmedInsertError } from '../message-log/message-log.service';
import { PluginDispatcher, PreparedDispatch } from '../plugin/plugin.dispatcher';
import { RobotHealthService } from '../robot/robot-health.service';
import { parseConfig, RobotService } from '../robot/robot.service';
import { ROBOT_REASONS } from '../robot/robot-reason';
import type { CallbackJob } from '../queue/callback-queue';
import { ParsedPayloads } from '../queue/parsed-payloads';
import { UnconfirmedMarks } from './unconfirmed-marks';

/** A robot as RobotService answers it (an orchestrator asks the service, never the table). */
type RobotEntity = NonNullable<Awaited<ReturnType<RobotService['findById']>>>;

/** One callback, classified, with the reads its dispatch needs done. */
interface Classified {
  robot: RobotEntity;
  event: GeweEvent;
  robotConfig: Record<string, unknown>;
  dispatch: PreparedDispatch;
  /** Its media is downloaded (a files row is written before the dispatch). */
  media: boolean;
  /** See messageKey. */
  key: string | null;
}

/**
 * Turns one queued callback into effects: classify (pure), note the robot's last callback (an Offline callback
 * starts a reconnection), log the message in the dispatch state its DispatchLedger gives (a repeat is dropped here for
 * good), queue the download of its media (a files row: FileWorker downloads it, never this job), then hand it to the
 * plugins and keep what each handler did. A thrown error makes the queue retry the job with backoff. Plugins see a
 * message at most once: a job retried after a crash in the middle of dispatching is logged as interrupted, not
 * dispatched again.
 *
 * The database work of a callback is two statements in the common case: one INSERT logs the message already
 * `dispatching` (or `done` with empty results when no plugin wants it), and one UPDATE keeps the results and `done`.
 * The dispatch's reads come before that INSERT, and nothing but the handlers runs after it, so `dispatching` still
 * means "the handlers may have started". A message with media to download is logged `pending` first: its files row
 * must be written before the mark.
 */
@Injectable()
export class CallbackProcessor {
  private readonly logger = new Logger(CallbackProcessor.name);
  /** Marks this process wrote without learning it did (why this is in memory: see UnconfirmedMarks). */
  private readonly unconfirmed = new UnconfirmedMarks();

  constructor(
    private readonly robots: RobotService,
    private readonly health: RobotHealthService,
    private readonly messages: MessageLogService,
    private readonly dispatcher: PluginDispatcher,
    private readonly files: FileService,
    private readonly events: EventBus,
    private readonly metrics: MetricsService,
    private readonly onebot: OneBotGateway,
    private readonly directory: DirectoryObserver,
    private readonly relations: FriendRequestService,
    private readonly outbound: OutboundWebhookService,
    private readonly parsed: ParsedPayloads,
  ) {}

  /** Processes one job and counts its result by robot and kind (an error is counted, then rethrown for a retry). */
  async process(job: CallbackJob): Promise<void> {
    let kind = 'unknown';
    let result: ProcessResult;
    try {
      const robot = await this.robots.findById(job.robotId);
      if (!robot) {
        this.logger.warn({ robotId: job.robotId, requestId: job.requestId }, 'Callback for a deleted robot dropped');
        return;
      }
      const event = classify(this.parsed.take(job.dedupKey, job.payload, parseJsonBigSafe), {
        id: robot.id,
        appId: robot.appId ?? '',
        wxid: robot.wxid,
      });
      kind = event.kind;
      result = await this.handle(job, robot, event);
    } catch (err) {
      this.metrics.callbackProcessed(job.robotId, kind, 'error');
      throw err;
    }
    this.metrics.callbackProcessed(job.robotId, kind, result, Date.parse(job.receivedAt));
  }

  /** classify → record → prepare → run → save. */
  private async handle(job: CallbackJob, robot: RobotEntity, event: GeweEvent): Promise<ProcessResult> {
    const c = await this.reads(job, robot, event);
    const logged = await this.record(job, c);
    const step = await this.prepare(job, c, logged);
    switch (step) {
      case 'handled':
        return 'handled';
      case 'duplicate':
        this.logger.debug(
          { robotId: robot.id, newMsgId: event.newMsgId, requestId: job.requestId },
          'Repeated callback dropped',
        );
        return 'duplicate';
      case 'interrupt':
        return this.interrupt(job, logged);
      case 'empty':
        await this.messages.saveResults(logged.id, []);
        return 'handled';
      case 'mark':
      case 'run':
        break;
    }
    const results = await c.dispatch.run(logged.id);
    await this.messages.saveResults(logged.id, results);
    this.logger.debug(
      { robotId: robot.id, kind: event.kind, messageId: logged.id, handlers: results.length, requestId: job.requestId },
      'Callback handled',
    );
    return 'handled';
  }

  /**
   * The rest of "classify": what the robot's callback says about it, and the reads of the dispatch. They come before
   * anything is logged: a database failure here is retried, never written off as an interrupted dispatch.
   */
  private async reads(job: CallbackJob, robot: RobotEntity, event: GeweEvent): Promise<Classified> {
    await this.robots.noteCallback(robot, event.robotWxid);
    if (event.kind === 'offline') this.health.reconnect(robot.id, ROBOT_REASONS.OFFLINE_CALLBACK);
    const robotConfig = parseConfig(robot.config);
    const dispatch = await this.dispatcher.prepare(event, { requestId: job.requestId, robot });
    const media = this.files.downloadsOnMessage(event, robotConfig);
    return { robot, event, robotConfig, dispatch, media, key: messageKey(event, job.requestId) };
  }

  /** Logs the message in its initial state, or finds the row a previous attempt or callback left. */
  private async record(job: CallbackJob, c: Classified): Promise<Recorded> {
    const initial = DispatchLedger.initial({ media: c.media, handlers: c.dispatch.handlers > 0 }).state;
    try {
      return await this.messages.record(c.event, job.requestId, new Date(job.receivedAt), initial);
    } catch (err) {
      // the INSERT (and so the mark) may have been written with its answer lost: the handlers have not run
      if (err instanceof UnconfirmedInsertError && initial === 'dispatching') this.unconfirmed.note(c.key);
      throw err;
    }
  }

  /**
   * What the row's state means for this job (see DispatchLedger.step), with the work due before the handlers: the
   * media's files row (idempotent, and before the dispatch bookkeeping: a crash cannot skip it), the live event of a
   * message new to the log, and the mark of a message logged pending.
   */
  private async prepare(job: CallbackJob, c: Classified, logged: Recorded): Promise<DispatchStep> {
    const step = DispatchLedger.of(logged.state).step({
      fresh: logged.fresh,
      handlers: c.dispatch.handlers > 0,
      unconfirmed: this.unconfirmed.has(c.key),
    });
    if (step === 'duplicate') return step;
    if (c.media) await this.files.onMessage(c.event, logged.id, c.robotConfig);
    if (logged.fresh || logged.state === 'pending') {
      this.publish(job, c.event, logged.id);
      // OneBot clients see each message once, after dedup (the gateway never throws nor waits for a client)
      this.onebot.publish(c.event, logged.id);
      // contacts, groups and members kept current (queued per robot, never awaited)
      this.directory.observe(c.robot, c.event);
      // the friend-request inbox notes requests and contact-added callbacks (never throws)
      await this.relations.onEvent(c.event);
      // outbound webhooks: delivery rows queued, never a receiver called here (never throws)
      await this.outbound.onMessage(c.event, logged.id, new Date(job.receivedAt));
    }
    if (step === 'mark') {
      try {
        await this.messages.markDispatching(logged.id);
      } catch (err) {
        this.unconfirmed.note(c.key);
        throw err;
      }
    }
    if (step === 'run' || step === 'mark') this.unconfirmed.clear(c.key);
    return step;
  }

  /** The process stopped while the plugins ran: running them again could answer twice. */
  private async interrupt(job: CallbackJob, logged: Recorded): Promise<ProcessResult> {
    const state = DispatchLedger.of(logged.state).to('interrupted').state;
    await this.messages.saveResults(
      logged.id,
      [{ status: 'interrupted', error: 'the service stopped while plugins ran' }],
      state,
    );
    this.logger.warn(
      { robotId: job.robotId, messageId: logged.id, requestId: job.requestId },
      'Dispatch was interrupted; not repeated',
    );
    return 'interrupted';
  }

  private publish(job: CallbackJob, event: GeweEvent, id: number): void {
    this.events.publish('message', {
      id,
      robotId: event.robotId,
      kind: event.kind,
      chatId: event.chatId,
      isGroup: event.isGroup,
      senderWxid: event.senderWxid,
      isSelf: event.isSelf,
      text: event.text === null ? null : event.text.slice(0, TEXT_PREVIEW),
      newMsgId: event.newMsgId,
      receivedAt: new Date(job.receivedAt).toISOString(),
    });
  }
}

/** What finds a message's log row again on a retry: its NewMsgId, else the callback's request id. */
function messageKey(event: GeweEvent, requestId: string | null): string | null {
  if (event.newMsgId !== null) return `${event.robotId}:${event.newMsgId}`;
  return requestId ? `${event.robotId}:r:${event.kind}:${requestId}` : null;
}
