import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions, detectMysqlFlavor } from '../../src/data-source';
import { MYSQL_MIGRATIONS } from '../../migrations/mysql';
import { SQLITE_MIGRATIONS } from '../../migrations/sqlite';
import { DispatchState1796161814470 as MysqlDispatchState } from '../../migrations/mysql/1796161814470-DispatchState';
import { DispatchState1796161814470 as SqliteDispatchState } from '../../migrations/sqlite/1796161814470-DispatchState';
import { bearer, createTestApp, dbKind, describeE2E, destroyTestApp, login } from '../support/test-app';

const ROBOT = 4242;
const INTERRUPTED = JSON.stringify([{ status: 'interrupted', error: 'the service stopped while plugins ran' }]);
const OK = JSON.stringify([{ plugin: 'P', handler: 'h', status: 'ok', ms: 1 }]);

/** The message log as the migrations before the dispatch_state column left it: the state was in `results`. */
const before: { newMsgId: string; results: string | null; state: string; handled: boolean }[] = [
  { newMsgId: '7700000000000000001', results: null, state: 'pending', handled: false },
  { newMsgId: '7700000000000000002', results: '"dispatching"', state: 'dispatching', handled: false },
  { newMsgId: '7700000000000000003', results: '[]', state: 'done', handled: true },
  { newMsgId: '7700000000000000004', results: OK, state: 'done', handled: true },
  { newMsgId: '7700000000000000005', results: INTERRUPTED, state: 'interrupted', handled: true },
];

/** Undoes the migrations that came after DispatchState, then DispatchState itself. */
async function undoThroughDispatchState(ds: DataSource): Promise<void> {
  const last = async () => (await ds.query('SELECT name FROM migrations ORDER BY id DESC LIMIT 1'))[0]?.name;
  while ((await last()) !== 'DispatchState1796161814470') await ds.undoLastMigration();
  await ds.undoLastMigration();
}

describeE2E('the dispatch_state migration', () => {
  it('moves the state out of results: the sentinel, null, interrupted, done; the API answers as before', async () => {
    const t0 = await createTestApp();
    await t0.close();
    const db = t0.database;
    const config = loadConfig({ path: null, env: {}, overrides: { database: db.overrides } }).config;
    const mine = dbKind() === 'mysql' ? MysqlDispatchState : SqliteDispatchState;
    const all = dbKind() === 'mysql' ? MYSQL_MIGRATIONS : SQLITE_MIGRATIONS;
    const ds = new DataSource(buildDataSourceOptions(config, await detectMysqlFlavor(config)));
    await ds.initialize();
    try {
      // back to the schema before the column, with rows as the old code wrote them
      await undoThroughDispatchState(ds);
      expect(all).toContain(mine);
      for (const r of before)
        await ds.query(
          'INSERT INTO messages (robot_id, new_msg_id, kind, type_name, received_at, raw, results, is_group, is_self, mentions_self) ' +
            'VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0)',
          [ROBOT, r.newMsgId, 'text', 'AddMsg', '2030-01-01 00:00:00', '{}', r.results],
        );
      await ds.runMigrations();
      const rows = await ds.query<{ new_msg_id: string; results: string | null; dispatch_state: string }[]>(
        'SELECT new_msg_id, results, dispatch_state FROM messages WHERE robot_id = ?',
        [ROBOT],
      );
      const byId = new Map(rows.map((r) => [r.new_msg_id, r]));
      expect(before.map((r) => byId.get(r.newMsgId)?.dispatch_state)).toEqual(before.map((r) => r.state));
      // the sentinel leaves results: they hold only what the handlers did
      expect(byId.get(before[1].newMsgId)!.results).toBeNull();
      expect(before.slice(2).map((r) => byId.get(r.newMsgId)!.results)).toEqual(before.slice(2).map((r) => r.results));

      // reverted (with the migrations that came after it), the sentinel comes back
      await undoThroughDispatchState(ds);
      const [reverted] = await ds.query('SELECT results FROM messages WHERE new_msg_id = ?', [before[1].newMsgId]);
      expect(reverted.results).toBe('"dispatching"');
      await ds.runMigrations();
    } finally {
      await ds.destroy();
    }

    const t = await createTestApp({ dir: t0.dir, database: db });
    try {
      const admin = (await login(t)).accessToken;
      const list = (await t.http().get(`/api/messages?robotId=${ROBOT}&limit=100`).set(bearer(admin)).expect(200))
        .body as { items: { id: number; newMsgId: string; handled: boolean }[] };
      const handled = new Map(list.items.map((m) => [m.newMsgId, m]));
      expect(before.map((r) => handled.get(r.newMsgId)?.handled)).toEqual(before.map((r) => r.handled));
      const detail = async (n: number) =>
        (
          await t
            .http()
            .get(`/api/messages/${handled.get(before[n].newMsgId)!.id}`)
            .set(bearer(admin))
            .expect(200)
        ).body.results;
      expect(await detail(0)).toBeNull();
      expect(await detail(3)).toEqual(JSON.parse(OK));
      expect(await detail(4)).toEqual(JSON.parse(INTERRUPTED));
    } finally {
      await destroyTestApp(t);
    }
  });
});
