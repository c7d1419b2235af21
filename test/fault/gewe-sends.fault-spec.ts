import { join } from 'node:path';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { waitFor } from '../support/wait';
import { describeDrill, drillDir, readMessageLog, removeDir, resultsOf, summary, writePlugin } from './support/drill';
import { countBy, idSource, steadyLoad } from './support/load';
import { freePort, ServiceProcess } from './support/service';

/** Replies to every message; a failed send makes the handler fail with Gewe's error. */
const REPLIER = `'use strict';
module.exports = { handlers: [{ name: 'reply', on: 'text', handle: (ctx) => ctx.reply('ack ' + ctx.event.newMsgId) }] };
`;

/** The faults, consumed in this order by the first sends (then Gewe behaves). */
const FAULTS = [
  { mode: 'ret500', times: 20 },
  { mode: 'http500', times: 20 },
  { mode: 'malformed', times: 20 },
  { mode: 'slow', times: 3, delayMs: 2500 }, // past gewe.request_timeout
  { mode: 'hang', times: 3 },
] as const;

/** Which fault an error recorded in the message log comes from. */
function faultOf(error: string | undefined): string {
  if (!error) return 'none';
  if (/failed \(ret 500\)/.test(error)) return 'ret500';
  if (/HTTP 500/.test(error)) return 'http500';
  if (/not JSON/.test(error)) return 'malformed';
  if (/no answer within/.test(error)) return 'timeout';
  return `other: ${error}`;
}

/**
 * Drill 5: Gewe fails the robot's sends (error envelopes, HTTP 500s, bodies that are not JSON, answers too slow or
 * never) while callbacks keep coming. The pipeline keeps accepting and processing, each failed send is recorded in
 * the message's results, nothing is lost and no send is repeated.
 */
describeDrill('fault drill: Gewe misbehaving on sends', [], () => {
  const dir = drillDir('gewe');
  const fake = new FakeGewe();
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    await fake.stop();
    removeDir(dir);
  });

  it('records every failed send and keeps processing, losing nothing', async () => {
    const { baseUrl } = await fake.start();
    writePlugin(join(dir, 'plugins'), 'Replier', REPLIER);
    const port = await freePort();
    service = await ServiceProcess.start(
      'service',
      dir,
      {
        queue: { queue_type: 'simple', concurrency: 8, backoff: '100ms' },
        gewe: {
          callback_url: `http://127.0.0.1:${port}/api/webhook`,
          login_poll_interval: '50ms',
          // generous: the fake Gewe shares the test's busy process, and only 'slow' and 'hang' may time out
          request_timeout: '1s',
          send_min_interval: '0ms',
          send_jitter: '0ms',
          send_max_per_minute: 10_000,
        },
        // each send waits its turn in the robot's send governor: the 6 timed-out sends hold it for ~6 s
        plugins: { enabled_plugins: ['Replier'], handler_timeout: '20s', max_consecutive_failures: 1000 },
      },
      port,
    );
    const token = await service.login();
    // a robot logged in on the fake Gewe
    const gToken = fake.issueToken();
    const created = await service.api<{ id: number; callbackUrl: string }>('POST', '/api/robots', token, {
      name: 'gewe-faults',
      baseUrl,
      token: gToken,
      isGewe: false,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await service.api('POST', `/api/robots/${id}/login`, token)).status).toBe(200);
    const appId = (await service.api<{ appId: string }>('GET', `/api/robots/${id}`, token)).body.appId;
    fake.confirm(appId, { wxid: 'wxid_fault_robot' });
    await waitFor(
      async () =>
        (await service!.api<{ status: string }>('GET', `/api/robots/${id}/status`, token)).body.status === 'online',
      10_000,
      'the robot online',
    );
    const key = new URL(created.body.callbackUrl).searchParams.get('key')!;

    for (const f of FAULTS) fake.fault({ path: '/message/postText', ...f });
    const faults = FAULTS.reduce((n, f) => n + f.times, 0);
    const posted = await steadyLoad(
      { url: service.url, key, appId },
      { rate: 100, durationMs: 3000, nextId: idSource(5) },
    );
    const accepted = posted.filter((p) => p.status === 200).map((p) => p.id);
    const log = await waitFor(
      async () => {
        const l = await readMessageLog({ sqlite: join(dir, 'opengewe.db') });
        return accepted.every((i) => resultsOf(l.get(i)) !== null) ? l : null;
      },
      120_000,
      'every accepted callback handled',
    );
    // the slow sends reach the fake's chat 2.5 s after they started, long after the client gave up on them
    const slow = FAULTS.find((f) => f.mode === 'slow')!.times;
    await waitFor(
      () => fake.sends('/message/postText').length >= accepted.length - faults + slow,
      60_000,
      'slow sends',
    );
    await service.waitQueueIdle(token);
    const results = accepted.map((i) => resultsOf(log.get(i))!);
    const byFault = countBy(results, (r) => (r[0].status === 'ok' ? 'ok' : faultOf(r[0].error)));
    const attempts = fake.calls('/message/postText');
    const delivered = fake.sends('/message/postText');
    const queue = await service.api<{ failed: number }>('GET', '/api/queue', token);
    const plugin = (await service.api<{ enabled: boolean }>('GET', '/api/plugins/Replier', token)).body;

    summary(
      `Gewe failing sends: posted ${posted.length}, accepted ${accepted.length}, logged ${accepted.filter((i) => log.has(i)).length}; ` +
        `send outcomes ${JSON.stringify(byFault)} for ${faults} faults injected; ${attempts.length} send attempts ` +
        `(one per message), ${delivered.length} reached Gewe's chat; dead letters ${queue.body.failed}`,
    );
    expect(countBy(posted, (p) => p.status)).toEqual({ 200: posted.length });
    expect(accepted.filter((i) => !log.has(i))).toEqual([]);
    // each message: one reply attempt, its outcome recorded; a failure says which, and is flagged as Gewe's
    expect(results.every((r) => r.length === 1 && r[0].plugin === 'Replier')).toBe(true);
    expect(byFault).toEqual({
      ret500: 20,
      http500: 20,
      malformed: 20,
      timeout: 6,
      ok: accepted.length - faults,
    });
    expect(results.filter((r) => r[0].status === 'error').every((r) => (r[0] as { gewe?: boolean }).gewe)).toBe(true);
    // no send repeated; the slow ones reached Gewe although the client had given up
    expect(attempts).toHaveLength(accepted.length);
    expect(delivered).toHaveLength(accepted.length - faults + slow);
    expect(queue.body.failed).toBe(0);
    // Gewe's failures do not switch the plugin off
    expect(plugin.enabled).toBe(true);
    expect(service.alive).toBe(true);
  }, 600_000);
});
