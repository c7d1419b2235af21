import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PluginRecordsStore } from '../../src/plugin/plugin-records.store';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { writePlugin } from '../support/plugin-runtime';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

/**
 * The records API (GET /api/plugins/{name}/records and …/records/kinds) on the running app and its database: pages
 * newest first, filters, validated queries with codes, token scopes and robot limits, and a robot's records deleted
 * with it. The records are added the way a plugin adds them (ctx.records: the store's facade).
 */
describeE2E('plugin records API', () => {
  let t: TestApp & { database: TestDatabase };
  let admin: string;
  let robotA: number;
  let robotB: number;
  let fake: FakeGewe;

  const get = (path: string, token = admin) => t.http().get(path).set(bearer(token));
  const token = async (scopes: string[], robotIds: number[] | null = null) =>
    (
      await t
        .http()
        .post('/api/admin/tokens')
        .set(bearer(admin))
        .send({ name: `t${Math.random().toString(36).slice(2, 8)}`, scopes, robotIds })
        .expect(201)
    ).body.token as string;

  beforeAll(async () => {
    fake = new FakeGewe();
    const gewe = await fake.start();
    t = await createTestApp();
    const plugins = join(t.dir, 'plugins');
    mkdirSync(plugins, { recursive: true });
    writePlugin(plugins, 'Gate', 'module.exports = { handlers: [] };');
    await t
      .http()
      .post('/api/plugins/reload')
      .set(bearer((admin = (await login(t)).accessToken)))
      .expect(200);
    const robot = async (name: string) =>
      (
        await t
          .http()
          .post('/api/robots')
          .set(bearer(admin))
          .send({ name, baseUrl: gewe.baseUrl, token: fake.issueToken(), isGewe: false })
          .expect(201)
      ).body.id as number;
    robotA = await robot('a');
    robotB = await robot('b');
    const records = t.app.get(PluginRecordsStore).forPlugin('Gate');
    for (let i = 1; i <= 5; i++) await records.add('declined', { i }, { robotId: robotA, chatId: 'wxid_x' });
    await records.add('declined', { i: 6 }, { robotId: robotB, chatId: 'wxid_y' });
    await records.add('report', { sent: 3, failed: ['wxid_z'] });
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake?.stop();
  });

  it('answers the records newest first, paged by before, filtered by kind, robot and chat', async () => {
    const p1 = (await get('/api/plugins/Gate/records?kind=declined&limit=4').expect(200)).body;
    expect(p1.limit).toBe(4);
    expect(p1.items.map((r: { data: { i: number } }) => r.data.i)).toEqual([6, 5, 4, 3]);
    expect(p1.items[0]).toEqual({
      id: expect.any(Number),
      kind: 'declined',
      robotId: robotB,
      chatId: 'wxid_y',
      data: { i: 6 },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    const p2 = (await get(`/api/plugins/Gate/records?kind=declined&limit=4&before=${p1.nextBefore}`).expect(200)).body;
    expect(p2.items.map((r: { data: { i: number } }) => r.data.i)).toEqual([2, 1]);
    expect(p2.nextBefore).toBeNull();

    const all = (await get('/api/plugins/Gate/records').expect(200)).body;
    expect(all.items.map((r: { kind: string }) => r.kind)).toEqual(['report', ...Array(6).fill('declined')]);
    expect(all.limit).toBe(20);
    const ofB = (await get(`/api/plugins/Gate/records?robotId=${robotB}`).expect(200)).body;
    expect(ofB.items.map((r: { data: { i: number } }) => r.data.i)).toEqual([6]);
    const ofX = (await get('/api/plugins/Gate/records?chatId=wxid_x&limit=1').expect(200)).body;
    expect(ofX.items.map((r: { data: { i: number } }) => r.data.i)).toEqual([5]);
    expect(ofX.nextBefore).toBe(ofX.items[0].id);

    expect((await get('/api/plugins/Gate/records/kinds').expect(200)).body).toEqual({
      items: [
        { kind: 'declined', count: 6 },
        { kind: 'report', count: 1 },
      ],
    });
  });

  it('answers 404 PLUGIN_NOT_FOUND for an unknown plugin', async () => {
    for (const path of ['/api/plugins/Nope/records', '/api/plugins/Nope/records/kinds']) {
      const res = await get(path).expect(404);
      expect(res.body).toMatchObject({ code: 'PLUGIN_NOT_FOUND', params: { name: 'Nope' } });
    }
  });

  it('refuses a bad query with a code per field', async () => {
    const cases: [string, string, string][] = [
      ['limit=0', 'limit', 'min'],
      ['limit=201', 'limit', 'max'],
      ['limit=ten', 'limit', 'isInt'],
      ['before=0', 'before', 'min'],
      ['before=1.5', 'before', 'isInt'],
      ['robotId=x', 'robotId', 'isInt'],
      [`kind=${'k'.repeat(65)}`, 'kind', 'maxLength'],
      [`chatId=${'c'.repeat(101)}`, 'chatId', 'maxLength'],
      ['bogus=1', 'bogus', 'whitelistValidation'],
    ];
    for (const [query, field, code] of cases) {
      const res = await get(`/api/plugins/Gate/records?${query}`).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, code })]));
    }
  });

  it('needs plugins:read, and shows a token limited to chosen robots only their records', async () => {
    await get('/api/plugins/Gate/records', await token(['messages:read'])).expect(403);
    const limited = await token(['plugins:read'], [robotA]);
    const mine = (await get('/api/plugins/Gate/records', limited).expect(200)).body;
    expect(mine.items.map((r: { robotId: number }) => r.robotId)).toEqual(Array(5).fill(robotA));
    expect((await get('/api/plugins/Gate/records/kinds', limited).expect(200)).body).toEqual({
      items: [{ kind: 'declined', count: 5 }],
    });
    const other = await get(`/api/plugins/Gate/records?robotId=${robotB}`, limited).expect(403);
    expect(other.body.code).toBe('ROBOT_NOT_ALLOWED');
  });

  it("deletes a robot's records with the robot", async () => {
    await t.http().delete(`/api/robots/${robotB}`).set(bearer(admin)).expect(200);
    const left = (await get('/api/plugins/Gate/records').expect(200)).body;
    expect(left.items.map((r: { robotId: number | null }) => r.robotId)).toEqual([null, ...Array(5).fill(robotA)]);
  });
});
