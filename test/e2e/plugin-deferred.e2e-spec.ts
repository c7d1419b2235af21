import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { startPluginHarness, type PluginHarness } from '../support/plugin-e2e';
import { tempPluginsDir, writePlugin } from '../support/plugin-runtime';
import { describeWithRedis, type QueueMode } from '../support/services';
import { bearer, describeE2E } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * A plugin whose handler notes, then defers work that asks the test's "model" (an HTTP server the test answers when
 * it decides) and replies with its answer. "ask <key>": one deferred call; "many": three deferred tasks at once that
 * end immediately (their outcomes land together, maybe before the dispatch's results are saved).
 */
const DEFERRER = `module.exports = { handlers: [{ name: 'ask', on: 'text', async handle(ctx) {
  const text = ctx.event.text || '';
  if (text === 'many') {
    for (const i of [1, 2, 3]) ctx.defer('part' + i, async (d) => { d.note({ part: i }); });
    return;
  }
  const m = /^ask (\\w+)$/.exec(text);
  if (!m) return;
  const key = m[1];
  ctx.note({ stage: 'handler', key });
  ctx.defer('answer', async (d) => {
    const started = Date.now();
    const res = await fetch(ctx.config.baseUrl + '/answer/' + key);
    const body = await res.text();
    d.note({ model: 'fake-model', tokens: body.length, latencyMs: Date.now() - started, status: res.status });
    if (!res.ok) throw new Error('model answered ' + res.status);
    await d.reply('answer: ' + body);
  });
} }] };`;

const SCHEMA = { type: 'object', properties: { baseUrl: { type: 'string', default: '' } } };

interface Outcome {
  plugin: string;
  handler: string;
  status: string;
  error?: string;
  deferred?: boolean;
  notes?: Record<string, unknown>[];
}
interface Detail {
  id: number;
  results: Outcome[] | null;
  deferredResults: Outcome[] | null;
}

/** The test's model server: each request is held until the test answers it. */
class HeldAnswers {
  private readonly held = new Map<string, ServerResponse>();
  private server!: Server;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      this.held.set(decodeURIComponent((req.url ?? '').split('/').pop() ?? ''), res);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  asked(key: string): boolean {
    return this.held.has(key);
  }

  async answer(key: string, status: number, body: string): Promise<void> {
    const res = await waitFor(() => this.held.get(key), undefined, `the deferred work to ask for ${key}`);
    res.statusCode = status;
    res.end(body);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const DEFERRED_TIMEOUT_MS = 4000;

function deferredSuite(mode: QueueMode) {
  let h: PluginHarness;
  let dir: string;
  const model = new HeldAnswers();

  beforeAll(async () => {
    await model.start();
    dir = tempPluginsDir();
    writePlugin(dir, 'Deferrer', DEFERRER, { configSchema: SCHEMA });
    h = await startPluginHarness({
      mode,
      name: 'deferred',
      overrides: {
        plugins: { plugins_dir: dir, enabled_plugins: [], deferred_timeout: `${DEFERRED_TIMEOUT_MS}ms` },
      },
    });
    await h.enable('Deferrer', { baseUrl: model.baseUrl });
  });
  afterAll(async () => {
    await h?.close();
    await model.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const detailOf = async (id: number) =>
    (await h.t.http().get(`/api/messages/${id}`).set(bearer(h.admin)).expect(200)).body as Detail;
  /** The id of the logged message whose text is `text`. */
  const messageId = (text: string) =>
    waitFor(
      async () => {
        const res = await h.t.http().get('/api/messages').query({ q: text }).set(bearer(h.admin)).expect(200);
        const items = (res.body as { items: { id: number; text: string | null }[] }).items;
        return items.find((m) => m.text === text)?.id;
      },
      undefined,
      `the message "${text}" in the log`,
    );
  const deferredOf = (id: number, n: number) =>
    waitFor(
      async () => {
        const d = await detailOf(id);
        return (d.deferredResults?.length ?? 0) >= n ? d : null;
      },
      undefined,
      `${n} deferred results of message ${id}`,
    );
  const stats = async () =>
    (await h.t.http().get('/api/plugins/Deferrer').set(bearer(h.admin)).expect(200)).body as {
      stats: { calls: number; failures: number; timeouts: number };
    };

  it("replies when the deferred work ends, and the message's detail shows its outcome with its notes", async () => {
    await h.privateText('wxid_asker', 'ask one');
    const id = await messageId('ask one');
    // the handler is done and its results saved while the deferred work still waits for the model
    const saved = await waitFor(async () => {
      const d = await detailOf(id);
      return d.results ? d : null;
    });
    await waitFor(() => model.asked('one'), undefined, 'the deferred work to ask the model');
    expect((await detailOf(id)).deferredResults).toBeNull();
    expect(saved.results).toEqual([
      expect.objectContaining({
        plugin: 'Deferrer',
        handler: 'ask',
        status: 'ok',
        notes: [{ stage: 'handler', key: 'one' }],
      }),
    ]);
    expect(h.sends('/message/postText')).toEqual([]);

    await model.answer('one', 200, 'forty-two');
    const [reply] = await h.waitSends(1, '/message/postText');
    expect(reply.body).toMatchObject({ toWxid: 'wxid_asker', content: 'answer: forty-two' });
    const d = await deferredOf(id, 1);
    expect(d.deferredResults).toEqual([
      expect.objectContaining({
        plugin: 'Deferrer',
        handler: 'ask/answer',
        status: 'ok',
        deferred: true,
        notes: [expect.objectContaining({ model: 'fake-model', tokens: 9, status: 200 })],
      }),
    ]);
    expect(d.deferredResults![0]).not.toHaveProperty('error');
    // the dispatch's own results are untouched by the append
    expect(d.results).toEqual(saved.results);
  });

  it('shows a deferred failure as an error with its notes, counted among the plugin failures', async () => {
    const before = (await stats()).stats;
    await h.privateText('wxid_asker', 'ask two');
    const id = await messageId('ask two');
    await model.answer('two', 503, 'overloaded');
    const d = await deferredOf(id, 1);
    expect(d.deferredResults).toEqual([
      expect.objectContaining({
        handler: 'ask/answer',
        status: 'error',
        error: expect.stringContaining('model answered 503') as string,
        deferred: true,
        notes: [expect.objectContaining({ model: 'fake-model', status: 503 })],
      }),
    ]);
    expect((await stats()).stats).toMatchObject({ calls: before.calls + 1, failures: before.failures + 1 });
  });

  it('shows deferred work past [plugins].deferred_timeout as a timeout', async () => {
    const before = (await stats()).stats;
    await h.privateText('wxid_asker', 'ask three');
    const id = await messageId('ask three');
    await waitFor(() => model.asked('three'), undefined, 'the deferred work to ask the model');
    // never answered
    const d = await deferredOf(id, 1);
    expect(d.deferredResults).toEqual([
      expect.objectContaining({
        handler: 'ask/answer',
        status: 'timeout',
        error: `timed out after ${DEFERRED_TIMEOUT_MS} ms`,
        deferred: true,
      }),
    ]);
    expect((await stats()).stats).toMatchObject({ timeouts: before.timeouts + 1 });
  });

  it('keeps every outcome of deferred work that ends at once, beside the results saved by the dispatch', async () => {
    await h.privateText('wxid_asker', 'many');
    const id = await messageId('many');
    const d = await deferredOf(id, 3);
    expect(d.deferredResults!.map((o) => o.handler).sort()).toEqual(['ask/part1', 'ask/part2', 'ask/part3']);
    expect(d.deferredResults!.map((o) => o.notes?.[0]?.part).sort()).toEqual([1, 2, 3]);
    const done = await waitFor(async () => {
      const x = await detailOf(id);
      return x.results ? x : null;
    });
    expect(done.results).toEqual([expect.objectContaining({ handler: 'ask', status: 'ok' })]);
    expect(done.deferredResults).toHaveLength(3);
  });
}

describeE2E('deferred plugin work, simple queue', () => deferredSuite('simple'));
describeE2E('deferred plugin work, advanced queue', () =>
  describeWithRedis('BullMQ on the real Redis', () => deferredSuite('advanced')),
);
