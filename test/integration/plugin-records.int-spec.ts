import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { openDatabase } from '../../src/data-source';
import { PluginRecordEntity } from '../../src/plugin/plugin-record.entity';
import { PluginRecordsStore, RECORD_MAX_BYTES, RECORDS_KEPT } from '../../src/plugin/plugin-records.store';
import { RobotEntity } from '../../src/robot/robot.entity';
import { describeNeeding, reachable } from '../support/services';
import { createTestDatabase, TestDatabase } from '../support/test-app';

const MYSQL_HOST = process.env.TEST_MYSQL_HOST ?? '127.0.0.1';
const MYSQL_PORT = Number(process.env.TEST_MYSQL_PORT ?? 3306);

/** ctx.records on the real databases: SQLite (a temp file) and MariaDB (a database of its own, dropped after). */
describe.each(['sqlite', 'mysql'] as const)('plugin records on %s', (kind) => {
  const missing =
    kind === 'mysql' && !reachable(MYSQL_HOST, MYSQL_PORT)
      ? `MySQL/MariaDB is not reachable at ${MYSQL_HOST}:${MYSQL_PORT}`
      : null;
  describeNeeding(`plugin_records (${kind})`, missing, () => {
    let dir: string;
    let db: TestDatabase;
    let ds: DataSource;
    let store: PluginRecordsStore;
    let robotA: number;
    let robotB: number;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'og-records-'));
      db = await createTestDatabase(dir, kind);
      const { config } = loadConfig({ path: null, env: {}, overrides: { database: db.overrides } });
      ds = (await openDatabase(config)).dataSource;
      store = new PluginRecordsStore(ds.getRepository(PluginRecordEntity));
      const robots = ds.getRepository(RobotEntity);
      const make = (n: number) =>
        robots.save(robots.create({ name: `r${n}`, appId: `wx_app_rec_${n}`, token: 't', baseUrl: 'http://x/v2/api' }));
      robotA = (await make(1)).id;
      robotB = (await make(2)).id;
    });
    afterAll(async () => {
      if (ds?.isInitialized) await ds.destroy();
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('adds records and lists them newest first, filtered by kind, robot and chat', async () => {
      const r = store.forPlugin('Gate');
      const first = await r.add('declined', { wxid: 'wxid_a', text: '广告' }, { robotId: robotA, chatId: 'wxid_a' });
      expect(first).toEqual({
        id: expect.any(Number) as number,
        kind: 'declined',
        robotId: robotA,
        chatId: 'wxid_a',
        data: { wxid: 'wxid_a', text: '广告' },
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
      });
      await r.add('declined', { wxid: 'wxid_b' }, { robotId: robotB, chatId: 'wxid_b' });
      await r.add('accepted', { wxid: 'wxid_c' }, { robotId: robotA });
      await r.add('note', { n: 1 });
      await store.forPlugin('Other').add('declined', { other: true });

      expect((await r.list('declined')).map((x) => x.data.wxid)).toEqual(['wxid_b', 'wxid_a']);
      expect((await r.list('declined', { robotId: robotA })).map((x) => x.data.wxid)).toEqual(['wxid_a']);
      expect((await r.list('declined', { chatId: 'wxid_b' })).map((x) => x.robotId)).toEqual([robotB]);
      expect(await r.list('note')).toEqual([expect.objectContaining({ robotId: null, chatId: null, data: { n: 1 } })]);
      expect(await store.kinds('Gate')).toEqual([
        { kind: 'accepted', count: 1 },
        { kind: 'declined', count: 2 },
        { kind: 'note', count: 1 },
      ]);
      // a token limited to robot A sees only A's records
      expect(await store.kinds('Gate', [robotA])).toEqual([
        { kind: 'accepted', count: 1 },
        { kind: 'declined', count: 1 },
      ]);
      expect((await store.page('Gate', { limit: 10, robotIds: [robotB] })).items.map((x) => x.kind)).toEqual([
        'declined',
      ]);
    });

    it('pages with before: each page older than the last, nextBefore null at the end', async () => {
      const r = store.forPlugin('Pager');
      for (let i = 1; i <= 5; i++) await r.add('k', { i });
      const p1 = await store.page('Pager', { kind: 'k', limit: 2 });
      expect(p1.items.map((x) => x.data.i)).toEqual([5, 4]);
      const p2 = await store.page('Pager', { kind: 'k', limit: 2, before: p1.nextBefore! });
      expect(p2.items.map((x) => x.data.i)).toEqual([3, 2]);
      const p3 = await store.page('Pager', { kind: 'k', limit: 2, before: p2.nextBefore! });
      expect(p3).toEqual({ items: [expect.objectContaining({ data: { i: 1 } })], nextBefore: null });
    });

    it(`keeps the newest ${RECORDS_KEPT} per plugin and kind`, async () => {
      const repo = ds.getRepository(PluginRecordEntity);
      // the first RECORDS_KEPT rows straight into the table (fast), then the store's adds
      const rows = Array.from({ length: RECORDS_KEPT }, (_, i) =>
        repo.create({ plugin: 'Busy', kind: 'sent', robotId: null, chatId: null, data: JSON.stringify({ i }) }),
      );
      for (let i = 0; i < rows.length; i += 200) await repo.insert(rows.slice(i, i + 200));
      await repo.insert(repo.create({ plugin: 'Busy', kind: 'other', data: '{"keep":true}' }));
      const r = store.forPlugin('Busy');
      await r.add('sent', { i: RECORDS_KEPT });
      await r.add('sent', { i: RECORDS_KEPT + 1 });
      expect(await repo.count({ where: { plugin: 'Busy', kind: 'sent' } })).toBe(RECORDS_KEPT);
      const newest = await r.list('sent', { limit: RECORDS_KEPT });
      expect(newest).toHaveLength(RECORDS_KEPT);
      expect(newest[0].data.i).toBe(RECORDS_KEPT + 1);
      // the two oldest went
      expect(newest[newest.length - 1].data.i).toBe(2);
      // another kind of the same plugin is untouched
      expect(await repo.count({ where: { plugin: 'Busy', kind: 'other' } })).toBe(1);
    });

    it('refuses data over 16 KiB with a clear error, and bad kinds, data and scopes', async () => {
      const r = store.forPlugin('Big');
      const big = { text: 'x'.repeat(RECORD_MAX_BYTES) };
      await expect(r.add('report', big)).rejects.toThrow(
        /data is 16\d{3} bytes as JSON; a record holds at most 16384 \(16 KiB\)/,
      );
      // 16 KiB exactly fits (multi-byte characters count as their UTF-8 bytes)
      const fits = { t: '字'.repeat(Math.floor((RECORD_MAX_BYTES - 8) / 3)) };
      expect(Buffer.byteLength(JSON.stringify(fits))).toBeLessThanOrEqual(RECORD_MAX_BYTES);
      await expect(r.add('report', fits)).resolves.toMatchObject({ data: fits });
      await expect(r.add('', {})).rejects.toThrow(/kind is a string of 1-64/);
      await expect(r.add('report', [] as unknown as Record<string, unknown>)).rejects.toThrow(/data must be an object/);
      await expect(r.add('report', {}, { robotId: 0 })).rejects.toThrow(/robotId/);
      await expect(r.add('report', {}, { chatId: 'c'.repeat(101) })).rejects.toThrow(/chatId/);
      await expect(r.list('report', { limit: 0 })).rejects.toThrow(/limit/);
      expect(await store.kinds('Big')).toEqual([{ kind: 'report', count: 1 }]);
    });

    it("deletes a robot's records with the robot (the foreign key cascades)", async () => {
      const robots = ds.getRepository(RobotEntity);
      const gone = await robots.save(
        robots.create({ name: 'gone', appId: 'wx_app_rec_gone', token: 't', baseUrl: 'http://x/v2/api' }),
      );
      const r = store.forPlugin('Cascade');
      await r.add('k', { robot: 'gone' }, { robotId: gone.id });
      await r.add('k', { robot: 'none' });
      await robots.delete({ id: gone.id });
      expect((await r.list('k')).map((x) => x.data.robot)).toEqual(['none']);
    });
  });
});
