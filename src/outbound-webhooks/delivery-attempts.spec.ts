import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { DeliveryAttempts } from './delivery-attempts';
import type { OutboundAttemptEntity } from './outbound-attempt.entity';
import type { OutboundDeliveryEntity } from './outbound-delivery.entity';
import type { OutboundWebhookEntity } from './outbound-webhook.entity';
import { newWebhookSecret } from './webhook-signature';

/** A receiver whose answer each test sets; `hang` never answers (until the test ends). */
async function receiver(): Promise<{
  url: string;
  hits: string[];
  answer: { status: number; body: string; hang?: boolean; headers?: Record<string, string> };
  close: () => Promise<void>;
}> {
  const hits: string[] = [];
  const answer: { status: number; body: string; hang?: boolean; headers?: Record<string, string> } = {
    status: 200,
    body: 'ok',
  };
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    if (answer.hang) return;
    res.writeHead(answer.status, answer.headers ?? {}).end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`,
    hits,
    answer,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const CONFIG = {
  outbound_webhooks: {
    allow_private_targets: true,
    attempts: 3,
    backoff: 1000,
    max_backoff: 10_000,
    timeout: 150,
    concurrency: 1,
    log_retention: 60_000,
  },
} as unknown as AppConfig;

function world(hook: Partial<OutboundWebhookEntity>) {
  const log: Partial<OutboundAttemptEntity>[] = [];
  const updates: Partial<OutboundDeliveryEntity>[] = [];
  const attempts = new DeliveryAttempts(
    CONFIG,
    {
      update: (_where: unknown, patch: Partial<OutboundDeliveryEntity>) => {
        updates.push(patch);
        return Promise.resolve({ affected: 1 });
      },
    } as unknown as Repository<OutboundDeliveryEntity>,
    {
      insert: (row: Partial<OutboundAttemptEntity>) => {
        log.push(row);
        return Promise.resolve({});
      },
    } as unknown as Repository<OutboundAttemptEntity>,
    {
      findOne: () => Promise.resolve({ id: 1, active: true, secret: newWebhookSecret(), ...hook }),
    } as unknown as Repository<OutboundWebhookEntity>,
  );
  return { attempts, log, updates };
}

const row = (attempt: number) =>
  ({
    id: 7,
    webhookId: 1,
    eventId: 'msg_7',
    eventType: 'message.text',
    payload: '{"type":"message.text"}',
    attempts: attempt,
    status: 'delivering',
  }) as OutboundDeliveryEntity;

describe('one try of an outbound delivery', () => {
  let r: Awaited<ReturnType<typeof receiver>>;
  beforeEach(async () => (r = await receiver()));
  afterEach(() => r.close());

  it('times a silent receiver out, logs TIMEOUT and schedules the next try with the backoff', async () => {
    r.answer.hang = true;
    const w = world({ url: r.url });
    const before = Date.now();
    const outcome = await w.attempts.run(row(1));
    expect(outcome).toMatchObject({ result: 'retry' });
    const delay = (outcome as { delayMs: number }).delayMs;
    expect(delay).toBeGreaterThanOrEqual(800); // 1 s, minus at most 20 % jitter
    expect(delay).toBeLessThanOrEqual(1000);
    expect(w.log).toEqual([expect.objectContaining({ attempt: 1, statusCode: null, errorCode: 'TIMEOUT' })]);
    expect(w.updates[0]).toMatchObject({ status: 'pending', lastError: 'TIMEOUT', claimedAt: null });
    expect(w.updates[0].nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(before + delay);
  });

  it('keeps the first 500 characters of an answer and marks the delivery delivered', async () => {
    r.answer.body = 'é'.repeat(2000);
    const w = world({ url: r.url });
    expect(await w.attempts.run(row(1))).toEqual({ result: 'delivered' });
    expect(w.log[0]).toMatchObject({ statusCode: 200, errorCode: null });
    expect(w.log[0].response).toBe('é'.repeat(500));
    expect(w.updates[0]).toMatchObject({ status: 'delivered', lastStatus: 200, lastError: null });
  });

  it('never follows a redirect: a 3xx is a failed try', async () => {
    r.answer.status = 302;
    r.answer.headers = { location: `${r.url}/elsewhere` };
    const w = world({ url: r.url });
    expect(await w.attempts.run(row(1))).toMatchObject({ result: 'retry' });
    expect(w.log[0]).toMatchObject({ statusCode: 302, errorCode: 'HTTP_302' });
    expect(r.hits).toEqual(['/in']);
  });

  it('makes the last failed try a dead letter', async () => {
    r.answer.status = 500;
    const w = world({ url: r.url });
    expect(await w.attempts.run(row(3))).toEqual({ result: 'dead' });
    expect(w.updates[0]).toMatchObject({ status: 'dead', lastStatus: 500, lastError: 'HTTP_500' });
  });

  it('sends nothing for an inactive subscription: its delivery is a dead letter', async () => {
    const w = world({ url: r.url, active: false });
    expect(await w.attempts.run(row(1))).toEqual({ result: 'dead' });
    expect(r.hits).toEqual([]);
    expect(w.log).toEqual([]);
    expect(w.updates[0]).toMatchObject({ status: 'dead', lastError: 'SUBSCRIPTION_INACTIVE' });
  });

  it('refuses a private target at connect time unless allowed', async () => {
    const strict = { ...CONFIG, outbound_webhooks: { ...CONFIG.outbound_webhooks, allow_private_targets: false } };
    const w = world({ url: r.url });
    (w.attempts as unknown as { config: AppConfig }).config = strict;
    expect(await w.attempts.run(row(1))).toMatchObject({ result: 'retry' });
    expect(w.log[0]).toMatchObject({ statusCode: null, errorCode: 'EOUTBOUNDREFUSED' });
    expect(r.hits).toEqual([]);
  });
});
