import { Logger } from '@nestjs/common';
import type { GeweEvent } from '../callback/events';
import type { EventBus } from '../live-events/event-bus';
import type { FileService } from '../file/file.service';
import type { DispatchState, InitialDispatchState } from '../message-log/dispatch-ledger';
import type { MessageLogService, Recorded } from '../message-log/message-log.service';
import { UnconfirmedInsertError } from '../message-log/message-log.service';
import type { MetricsService, ProcessResult } from '../metrics/metrics.service';
import type { OneBotGateway } from '../onebot/onebot.gateway';
import type { FriendRequestService } from '../relations/friend-request.service';
import type { OutboundWebhookService } from '../outbound-webhooks/outbound-webhook.service';
import type { HandlerOutcome, PluginDispatcher } from '../plugin/plugin.dispatcher';
import type { RobotHealthService } from '../robot/robot-health.service';
import type { RobotEntity } from '../robot/robot.entity';
import type { RobotService } from '../robot/robot.service';
import { loadSamples, sampleBody, textCallback } from '../../test/support/samples';
import type { CallbackJob } from '../queue/callback-queue';
import { ParsedPayloads } from '../queue/parsed-payloads';
import type { AppConfig } from '../config/app-config';
import type { DirectoryObserver } from '../directory/directory-observer';
import { CallbackProcessor } from './callback.processor';

const ROBOT = { id: 7, appId: 'wx_unit', wxid: 'wxid_robot', config: null } as unknown as RobotEntity;

/** How a write of the fake log fails once: before it is applied, or after (applied, its answer lost). */
type Fault = 'before' | 'after';

interface Row {
  id: number;
  key: string;
  state: DispatchState;
  results: unknown[] | null;
}

/**
 * The message log as a table in memory, with MessageLogService's contract: one row per (robot, NewMsgId), a repeat
 * finds the row in the state it is in, and each write can be made to fail once (before or after it applies).
 */
class FakeLog {
  readonly rows = new Map<string, Row>();
  /** Every statement, in order: what the processor costs and in which order it writes. */
  readonly statements: string[] = [];
  faults: { insert?: Fault; mark?: Fault; select?: 'before' } = {};
  private nextId = 1;

  constructor(private readonly trace: string[]) {}

  record(event: GeweEvent, requestId: string | null, _at: Date, initial: InitialDispatchState): Promise<Recorded> {
    const key = event.newMsgId ?? `r:${event.kind}:${requestId}`;
    this.statements.push(`insert ${initial}`);
    this.trace.push(`record ${initial}`);
    const existing = this.rows.get(key);
    if (this.faults.insert === 'before') {
      delete this.faults.insert;
      return Promise.reject(
        new UnconfirmedInsertError(new Error('Connection lost: The server closed the connection.')),
      );
    }
    if (existing) {
      this.statements.push('select');
      if (this.faults.select) {
        delete this.faults.select;
        return Promise.reject(new Error('select failed'));
      }
      return Promise.resolve({ id: existing.id, state: existing.state, fresh: false });
    }
    const row: Row = { id: this.nextId++, key, state: initial, results: initial === 'done' ? [] : null };
    this.rows.set(key, row);
    if (this.faults.insert === 'after') {
      delete this.faults.insert;
      return Promise.reject(
        new UnconfirmedInsertError(new Error('Connection lost: The server closed the connection.')),
      );
    }
    return Promise.resolve({ id: row.id, state: row.state, fresh: true });
  }

  markDispatching(id: number): Promise<void> {
    this.statements.push('mark');
    this.trace.push('mark');
    const fault = this.faults.mark;
    delete this.faults.mark;
    if (fault !== 'before') this.row(id).state = 'dispatching';
    return fault ? Promise.reject(new Error('mark failed')) : Promise.resolve();
  }

  saveResults(id: number, results: unknown[], state: 'done' | 'interrupted' = 'done'): Promise<void> {
    this.statements.push(`save ${state}`);
    this.trace.push(`save ${state}`);
    Object.assign(this.row(id), { results, state });
    return Promise.resolve();
  }

  only(): Row {
    expect(this.rows.size).toBe(1);
    return [...this.rows.values()][0];
  }

  private row(id: number): Row {
    return [...this.rows.values()].find((r) => r.id === id)!;
  }
}

/** One process of the service: its own processor (and memory) over the shared log and plugins. */
function processOf(log: FakeLog, world: World) {
  return new CallbackProcessor(
    {
      findById: (id: number) => Promise.resolve(world.robotDeleted || id !== ROBOT.id ? null : ROBOT),
      noteCallback: () => Promise.resolve(),
    } as unknown as RobotService,
    { reconnect: () => undefined } as unknown as RobotHealthService,
    log as unknown as MessageLogService,
    {
      prepare: () =>
        Promise.resolve({
          handlers: world.handlers,
          run: (messageId: number) => {
            world.trace.push('run');
            world.ran.push(messageId);
            return world.handlerRun();
          },
        }),
    } as unknown as PluginDispatcher,
    {
      downloadsOnMessage: (e: GeweEvent) => world.mediaKinds.includes(e.kind),
      onMessage: (e: GeweEvent) => {
        if (world.mediaKinds.includes(e.kind)) world.trace.push('files');
        return Promise.resolve();
      },
    } as unknown as FileService,
    { publish: (_type: string, data: { id: number }) => world.published.push(data.id) } as unknown as EventBus,
    {
      callbackProcessed: (_robot: number, kind: string, result: ProcessResult) =>
        world.counted.push(`${kind} ${result}`),
    } as unknown as MetricsService,
    {
      publish: (e: GeweEvent, id: number) => world.onebot.push({ id, kind: e.kind, ranBefore: world.ran.length }),
    } as unknown as OneBotGateway,
    { observe: () => undefined } as unknown as DirectoryObserver,
    { onEvent: () => Promise.resolve() } as unknown as FriendRequestService,
    { onMessage: () => Promise.resolve() } as unknown as OutboundWebhookService,
    new ParsedPayloads({ backend: { role: 'all' } } as AppConfig),
  );
}

const OK: HandlerOutcome[] = [{ plugin: 'P', handler: 'h', status: 'ok', durationMs: 1 }];

interface World {
  handlers: number;
  mediaKinds: string[];
  robotDeleted: boolean;
  handlerRun: () => Promise<HandlerOutcome[]>;
  trace: string[];
  ran: number[];
  published: number[];
  /** What the OneBot gateway was handed, with how many dispatches had run by then. */
  onebot: { id: number; kind: string; ranBefore: number }[];
  counted: string[];
}

function setup() {
  const world: World = {
    handlers: 1,
    mediaKinds: [],
    robotDeleted: false,
    handlerRun: () => Promise.resolve(OK),
    trace: [],
    ran: [],
    published: [],
    onebot: [],
    counted: [],
  };
  const log = new FakeLog(world.trace);
  return { world, log, processor: processOf(log, world), another: () => processOf(log, world) };
}

const job = (payload: string, requestId: string | null = 'req-1'): CallbackJob => ({
  robotId: ROBOT.id,
  payload,
  dedupKey: 'k',
  requestId,
  receivedAt: new Date().toISOString(),
});
const text = (newMsgId = '7300000000000000001') =>
  job(textCallback({ appId: ROBOT.appId!, robotWxid: ROBOT.wxid!, from: 'wxid_friend', text: 'hi', newMsgId }));
const image = () => {
  const sample = loadSamples().find((s) => s.kind === 'image')!;
  return job(sampleBody(sample, ROBOT.appId!, ROBOT.wxid!));
};

describe('CallbackProcessor', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('logs a new message dispatching, runs its handlers once and keeps their results: two statements', async () => {
    const { world, log, processor } = setup();
    await processor.process(text());
    expect(log.statements).toEqual(['insert dispatching', 'save done']);
    expect(log.only()).toMatchObject({ state: 'done', results: OK });
    expect(world.ran).toEqual([1]);
    expect(world.published).toEqual([1]);
    expect(world.counted).toEqual(['text handled']);
  });

  it('hands a message new to the log to the OneBot gateway once, before its handlers run, and never a repeat', async () => {
    const { world, processor, another } = setup();
    await processor.process(text());
    await processor.process(text());
    await another().process(text());
    expect(world.onebot).toEqual([{ id: 1, kind: 'text', ranBefore: 0 }]);
  });

  it('drops a duplicate: a repeated callback of a message done is not dispatched again', async () => {
    const { world, log, processor, another } = setup();
    await processor.process(text());
    await processor.process(text());
    await another().process(text());
    expect(world.ran).toEqual([1]);
    expect(log.only().state).toBe('done');
    expect(world.published).toEqual([1]);
    expect(world.counted).toEqual(['text handled', 'text duplicate', 'text duplicate']);
  });

  it('writes off a dispatch a crash interrupted: the retried job logs it interrupted and never runs it again', async () => {
    const { world, log, processor, another } = setup();
    // the first process dies while its handler runs: the handler never returns
    world.handlerRun = () => new Promise<HandlerOutcome[]>(() => undefined);
    void processor.process(text());
    await new Promise((resolve) => setImmediate(resolve));
    expect(world.ran).toEqual([1]);
    expect(log.only().state).toBe('dispatching');

    world.handlerRun = () => Promise.resolve(OK);
    await another().process(text());
    expect(world.ran).toEqual([1]);
    expect(log.only()).toMatchObject({
      state: 'interrupted',
      results: [{ status: 'interrupted', error: 'the service stopped while plugins ran' }],
    });
    expect(world.counted).toEqual(['text interrupted']);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ messageId: 1 }),
      'Dispatch was interrupted; not repeated',
    );
    // and it stays so: a later repeat is a duplicate
    await another().process(text());
    expect(world.ran).toEqual([1]);
    expect(world.counted).toEqual(['text interrupted', 'text duplicate']);
  });

  it('writes off a dispatch whose results could not be saved: its handlers ran once already', async () => {
    const { world, log, processor } = setup();
    world.handlerRun = () => Promise.reject(new Error('results lost'));
    await expect(processor.process(text())).rejects.toThrow('results lost');
    world.handlerRun = () => Promise.resolve(OK);
    await processor.process(text());
    expect(world.ran).toEqual([1]);
    expect(log.only().state).toBe('interrupted');
    expect(world.counted).toEqual(['text error', 'text interrupted']);
  });

  describe('a mark whose write failed, or whose answer was lost: the handlers never ran', () => {
    it('the INSERT committed but its answer was lost: a retry in this process dispatches, once', async () => {
      const { world, log, processor } = setup();
      log.faults.insert = 'after';
      await expect(processor.process(text())).rejects.toThrow('Connection lost');
      expect(log.only().state).toBe('dispatching');
      expect(world.ran).toEqual([]);

      await processor.process(text());
      expect(world.ran).toEqual([1]);
      expect(log.only()).toMatchObject({ state: 'done', results: OK });
      expect(world.counted).toEqual(['text error', 'text handled']);
      // the mark is confirmed now: a later repeat is a duplicate
      await processor.process(text());
      expect(world.ran).toEqual([1]);
    });

    it('the INSERT failed before writing: a retry logs and dispatches it afresh', async () => {
      const { world, log, processor } = setup();
      log.faults.insert = 'before';
      await expect(processor.process(text())).rejects.toThrow(UnconfirmedInsertError);
      expect(log.rows.size).toBe(0);
      await processor.process(text());
      expect(world.ran).toEqual([1]);
      expect(log.only().state).toBe('done');
    });

    it('another process does not know the handlers never ran: it takes the safe side (interrupted)', async () => {
      const { world, log, processor, another } = setup();
      log.faults.insert = 'after';
      await expect(processor.process(text())).rejects.toThrow('Connection lost');
      await another().process(text());
      expect(world.ran).toEqual([]);
      expect(log.only().state).toBe('interrupted');
    });

    it('the mark of a message logged pending (media first) lost its answer: a retry here dispatches, once', async () => {
      const { world, log, processor } = setup();
      world.mediaKinds = ['image'];
      log.faults.mark = 'after';
      await expect(processor.process(image())).rejects.toThrow('mark failed');
      expect(log.only().state).toBe('dispatching');
      await processor.process(image());
      expect(world.ran).toEqual([1]);
      expect(log.only().state).toBe('done');
      expect(world.counted).toEqual(['image error', 'image handled']);
    });

    it('a failed read of a row another attempt left is no lost mark: that dispatch is not run twice', async () => {
      const { world, log, processor, another } = setup();
      // a first process died mid-dispatch
      world.handlerRun = () => new Promise<HandlerOutcome[]>(() => undefined);
      void another().process(text());
      await new Promise((resolve) => setImmediate(resolve));
      world.handlerRun = () => Promise.resolve(OK);
      // the retry here: its INSERT meets the row (a unique violation, so it wrote nothing), then the read fails
      log.faults.select = 'before';
      await expect(processor.process(text())).rejects.toThrow('select failed');
      await processor.process(text());
      expect(world.ran).toEqual([1]);
      expect(log.only().state).toBe('interrupted');
    });
  });

  it('a media message: logged pending, its files row before the mark, then the handlers', async () => {
    const { world, log, processor } = setup();
    world.mediaKinds = ['image'];
    await processor.process(image());
    expect(world.trace).toEqual(['record pending', 'files', 'mark', 'run', 'save done']);
    expect(log.only()).toMatchObject({ state: 'done', results: OK });
    expect(world.published).toEqual([1]);
    expect(world.onebot).toEqual([{ id: 1, kind: 'image', ranBefore: 0 }]);
    expect(world.counted).toEqual(['image handled']);
  });

  it('a media message no handler wants: pending, its files row, then done with no results', async () => {
    const { world, log, processor } = setup();
    world.mediaKinds = ['image'];
    world.handlers = 0;
    await processor.process(image());
    expect(world.trace).toEqual(['record pending', 'files', 'save done']);
    expect(log.only()).toMatchObject({ state: 'done', results: [] });
    expect(world.ran).toEqual([]);
  });

  it('a media message retried after a crash before its mark: files row again (idempotent), then dispatched', async () => {
    const { world, log, processor, another } = setup();
    world.mediaKinds = ['image'];
    log.faults.mark = 'before';
    await expect(processor.process(image())).rejects.toThrow('mark failed');
    expect(log.only().state).toBe('pending');
    // pending means the handlers never started, whichever process retries
    await another().process(image());
    expect(world.ran).toEqual([1]);
    expect(log.only().state).toBe('done');
  });

  it('no handlers: logged done with empty results in one INSERT, nothing run', async () => {
    const { world, log, processor } = setup();
    world.handlers = 0;
    await processor.process(text());
    expect(log.statements).toEqual(['insert done']);
    expect(log.only()).toMatchObject({ state: 'done', results: [] });
    expect(world.ran).toEqual([]);
    expect(world.published).toEqual([1]);
    expect(world.onebot.map((o) => o.id)).toEqual([1]);
    expect(world.counted).toEqual(['text handled']);
    await processor.process(text());
    expect(world.counted).toEqual(['text handled', 'text duplicate']);
  });

  it('a callback for a deleted robot is dropped: nothing logged, nothing counted', async () => {
    const { world, log, processor } = setup();
    world.robotDeleted = true;
    await processor.process(text());
    expect(log.statements).toEqual([]);
    expect(world.counted).toEqual([]);
    expect(warn).toHaveBeenCalledWith(
      { robotId: ROBOT.id, requestId: 'req-1' },
      'Callback for a deleted robot dropped',
    );
    expect(world.ran).toEqual([]);
  });

  it('a callback without NewMsgId is found again by its request id on a retry', async () => {
    const { world, log, processor } = setup();
    const offline = job(JSON.stringify({ TypeName: 'Offline', Appid: ROBOT.appId, Wxid: ROBOT.wxid }), 'req-off');
    log.faults.insert = 'after';
    await expect(processor.process(offline)).rejects.toThrow('Connection lost');
    await processor.process(offline);
    expect(world.ran).toEqual([1]);
    expect(log.only().state).toBe('done');
    expect(world.counted).toEqual(['offline error', 'offline handled']);
  });
});
