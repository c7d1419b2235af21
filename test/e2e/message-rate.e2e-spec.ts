import { DataSource } from 'typeorm';
import { MessageEntity } from '../../src/message-log/message.entity';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

describeE2E('messages per minute', () => {
  let t: TestApp & { database: TestDatabase };
  let token: string;
  let robots: number[];
  const minute = 60_000;
  let current: number;

  /** A logged message of `robotId` received at `at`. */
  const message = (robotId: number, at: number, n: number): Partial<MessageEntity> => ({
    robotId,
    newMsgId: `${robotId}${n}`,
    kind: 'text',
    typeName: 'AddMsg',
    isGroup: false,
    isSelf: false,
    mentionsSelf: false,
    text: `m${n}`,
    receivedAt: new Date(at),
    raw: '{}',
  });

  beforeAll(async () => {
    t = await createTestApp();
    token = (await login(t)).accessToken;
    robots = [];
    for (const name of ['a', 'b']) {
      const r = await t
        .http()
        .post('/api/robots?verify=false')
        .set(bearer(token))
        .send({ name, baseUrl: 'http://127.0.0.1:9/v2/api', token: `tok-${name}` })
        .expect(201);
      robots.push((r.body as { id: number }).id);
    }
    current = Math.floor(Date.now() / minute) * minute;
    const repo = t.app.get(DataSource).getRepository(MessageEntity);
    await repo.save([
      message(robots[0], current - 2 * minute + 10_000, 1),
      message(robots[0], current - 2 * minute + 50_000, 2),
      message(robots[1], current - 2 * minute + 30_000, 3),
      message(robots[0], current - 5 * minute + 1_000, 4),
      message(robots[0], current - 40 * minute, 5), // outside the default 30 minutes
    ]);
  });

  afterAll(() => destroyTestApp(t));

  const countAt = (buckets: { at: string; count: number }[], at: number) =>
    buckets.find((b) => b.at === new Date(at).toISOString())?.count;

  it('counts the messages of each of the last 30 minutes, oldest first, the current minute last', async () => {
    const body = (await t.http().get('/api/messages/rate').set(bearer(token)).expect(200)).body as {
      minutes: number;
      total: number;
      buckets: { at: string; count: number }[];
    };
    expect(body.minutes).toBe(30);
    expect(body.buckets).toHaveLength(30);
    expect(Date.parse(body.buckets[29].at)).toBeGreaterThanOrEqual(current);
    expect(Date.parse(body.buckets[1].at) - Date.parse(body.buckets[0].at)).toBe(minute);
    expect(countAt(body.buckets, current - 2 * minute)).toBe(3);
    expect(countAt(body.buckets, current - 5 * minute)).toBe(1);
    expect(body.total).toBe(4);
  });

  it('counts one robot, and a longer window', async () => {
    const one = (await t.http().get(`/api/messages/rate?robotId=${robots[1]}`).set(bearer(token)).expect(200)).body as {
      total: number;
      buckets: { at: string; count: number }[];
    };
    expect(one.total).toBe(1);
    expect(countAt(one.buckets, current - 2 * minute)).toBe(1);
    const long = (await t.http().get('/api/messages/rate?minutes=60').set(bearer(token)).expect(200)).body as {
      total: number;
      buckets: unknown[];
    };
    expect(long.buckets).toHaveLength(60);
    expect(long.total).toBe(5);
  });

  it('refuses a window outside 1-180 minutes, naming the field', async () => {
    for (const minutes of ['0', '181', 'x']) {
      const res = await t.http().get(`/api/messages/rate?minutes=${minutes}`).set(bearer(token)).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('minutes');
    }
  });
});
