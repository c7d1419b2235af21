/**
 * Broadcast end to end, in both queue modes: "send now" (POST /api/plugins/Broadcast/jobs/tick/run) sends a one-off
 * broadcast to three chats in order, spaced by the send governor (configured here with a minimum interval), and
 * records a report; the daily cap stops the rest and reports them as failed. The run endpoint itself: 404 for an
 * unknown job, 409 for a disabled plugin, audited.
 */
import { PluginRecordsStore } from '../../../src/plugin/plugin-records.store';
import { PluginHarness, startPluginHarness } from '../../support/plugin-e2e';
import { describeWithRedis, type QueueMode } from '../../support/services';
import { bearer, describeE2E } from '../../support/test-app';
import { waitFor } from '../../support/wait';

const MIN_INTERVAL_MS = 300;
const TARGETS = ['1111111111@chatroom', 'wxid_friend_a', '2222222222@chatroom'];

function broadcastSuite(mode: QueueMode) {
  let h: PluginHarness;
  const reports = () => h.t.app.get(PluginRecordsStore).forPlugin('Broadcast').list('report');
  const report = (name: string) =>
    waitFor(async () => (await reports()).find((r) => r.data.broadcast === name), undefined, `report of ${name}`);
  /** Runs the tick now and answers when it ended. */
  const runTick = () => h.t.http().post('/api/plugins/Broadcast/jobs/tick/run?wait=true').set(bearer(h.admin));
  /** A one-off a little in the past (due now, within graceMinutes). */
  const justNow = () => new Date(Date.now() - 5_000).toISOString();

  /** Kept as it is through the suite: sent once (a changed `at` would be a new one-off). */
  const notice = { name: 'notice', content: { type: 'text', text: '今晚八点开会' }, targets: TARGETS, at: justNow() };

  beforeAll(async () => {
    h = await startPluginHarness({
      mode,
      name: 'broadcast',
      overrides: { gewe: { send_min_interval: `${MIN_INTERVAL_MS}ms`, send_jitter: '0ms' } },
    });
  });
  afterAll(() => h?.close());

  it('refuses to run a job of a disabled plugin (409) or an unknown job (404)', async () => {
    const off = await runTick().expect(409);
    expect(off.body.code).toBe('PLUGIN_DISABLED');
    await h.enable('Broadcast', { broadcasts: [] });
    const unknown = await h.t.http().post('/api/plugins/Broadcast/jobs/nope/run').set(bearer(h.admin)).expect(404);
    expect(unknown.body).toMatchObject({ code: 'PLUGIN_JOB_NOT_FOUND', params: { name: 'Broadcast', job: 'nope' } });
    await h.t.http().post('/api/plugins/NoSuchPlugin/jobs/tick/run').set(bearer(h.admin)).expect(404);
  });

  it('sends a broadcast to three chats in order, paced by the governor, and reports it', async () => {
    await h.enable('Broadcast', {
      broadcasts: [
        notice,
        // not due: never sent by these runs
        { name: 'later', content: { type: 'text', text: 'later' }, targets: ['wxid_x'], at: '2099-01-01 09:00' },
      ],
      dailyCap: 4,
    });
    const started = await h.t.http().post('/api/plugins/Broadcast/jobs/tick/run').set(bearer(h.admin)).expect(200);
    expect(started.body).toEqual({ plugin: 'Broadcast', job: 'tick', scheduledAt: expect.any(String) });

    const sends = await h.waitSends(3, '/message/postText');
    expect(sends.map((s) => [s.body.toWxid, s.body.content])).toEqual(TARGETS.map((t) => [t, '今晚八点开会']));
    for (let i = 1; i < sends.length; i++)
      expect(sends[i].at - sends[i - 1].at).toBeGreaterThanOrEqual(MIN_INTERVAL_MS - 10);

    const r = await report('notice');
    expect(r.robotId).toBe(h.robot.id);
    expect(r.data).toMatchObject({ broadcast: 'notice', content: 'text', sent: TARGETS, failed: [] });

    // a second run does not send it again (409 while the first still ends: one run at a time)
    const again = await waitFor(
      async () => {
        const res = await runTick();
        return res.status === 200 ? res : null;
      },
      undefined,
      'a second run',
    );
    expect(again.body).toMatchObject({ status: 'ok', durationMs: expect.any(Number) });
    expect((await reports()).filter((x) => x.data.broadcast === 'notice')).toHaveLength(1);
    expect(h.sends('/message/postText')).toHaveLength(3);

    const audit = await h.t
      .http()
      .get('/api/admin/audit?limit=50&action=plugin.job_run')
      .set(bearer(h.admin))
      .expect(200);
    expect(audit.body.items[0]).toMatchObject({ action: 'plugin.job_run', targetId: 'Broadcast' });
  });

  it('stops at the daily cap and reports the rest as failed', async () => {
    await h.enable('Broadcast', {
      broadcasts: [
        notice,
        {
          name: 'capped',
          content: { type: 'link', title: '活动', desc: '报名', linkUrl: 'https://example.com/a', thumbUrl: '' },
          targets: TARGETS,
          at: justNow(),
        },
      ],
      dailyCap: 4,
    });
    expect((await runTick().expect(200)).body.status).toBe('ok');
    const r = await report('capped');
    expect(r.data).toMatchObject({
      sent: [TARGETS[0]],
      failed: [
        { target: TARGETS[1], error: 'daily_cap' },
        { target: TARGETS[2], error: 'daily_cap' },
      ],
    });
    expect(h.sends('/message/postLink').map((s) => s.body.toWxid)).toEqual([TARGETS[0]]);
    expect(h.sends('/message/postText')).toHaveLength(3);
  });

  it('reports a target Gewe refused as failed, with its error, and goes on with the others', async () => {
    h.fake.fault({ path: '/message/postText', mode: 'ret500', times: 1, msg: '对方不是好友' });
    await h.enable('Broadcast', {
      broadcasts: [
        notice,
        {
          name: 'flaky',
          content: { type: 'text', text: '通知' },
          targets: ['wxid_gone', 'wxid_friend_b'],
          at: justNow(),
        },
      ],
      dailyCap: 10,
    });
    expect((await runTick().expect(200)).body.status).toBe('ok');
    const r = await report('flaky');
    expect(r.data).toMatchObject({
      sent: ['wxid_friend_b'],
      failed: [{ target: 'wxid_gone', error: expect.any(String) }],
    });
    expect((r.data.failed as { error: string }[])[0].error).toContain('对方不是好友');
  });
}

describeE2E('Broadcast plugin, simple queue', () => broadcastSuite('simple'));
describeE2E('Broadcast plugin, advanced queue', () =>
  describeWithRedis('BullMQ on the real Redis', () => broadcastSuite('advanced')),
);
