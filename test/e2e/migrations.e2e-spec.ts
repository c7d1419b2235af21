import { DataSource } from 'typeorm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/app-config';
import { buildDataSourceOptions, detectMysqlFlavor, openDatabase } from '../../src/data-source';
import { createTestDatabase, dbKind, describeE2E, TestDatabase } from '../support/test-app';

describeE2E('migrations', () => {
  let dir: string;
  let db: TestDatabase;
  let ds: DataSource | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'og-mig-'));
    db = await createTestDatabase(dir);
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = () => loadConfig({ path: null, env: {}, overrides: { database: db.overrides } }).config;

  it('produce exactly the schema the entities describe (no drift)', async () => {
    ds = (await openDatabase(config())).dataSource;
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('create the four spec tables with their unique columns, plus the sessions table', async () => {
    const qr = ds!.createQueryRunner();
    try {
      const tables = await qr.getTables(['users', 'robots', 'plugins', 'configs', 'auth_sessions']);
      expect(tables.map((t) => t.name).sort()).toEqual(['auth_sessions', 'configs', 'plugins', 'robots', 'users']);
      const uniques = (name: string) => {
        const t = tables.find((x) => x.name === name)!;
        const cols = [
          ...t.uniques.flatMap((u) => u.columnNames),
          ...t.indices.filter((i) => i.isUnique).flatMap((i) => i.columnNames),
          ...t.columns.filter((c) => c.isUnique).map((c) => c.name),
        ];
        return [...new Set(cols)].sort();
      };
      expect(uniques('users')).toEqual(['email', 'username']);
      expect(uniques('robots')).toEqual(['app_id']);
      expect(uniques('plugins')).toEqual(['name']);
      expect(uniques('configs')).toEqual(['name']);
      for (const t of tables)
        expect(t.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['created_at', 'updated_at']));
    } finally {
      await qr.release();
    }
  });

  it('are idempotent: running them again applies nothing', async () => {
    expect(await ds!.runMigrations()).toEqual([]);
  });

  it('can be reverted completely', async () => {
    while (
      (await ds!.query(`SELECT COUNT(*) AS n FROM ${dbKind() === 'mysql' ? '`migrations`' : '"migrations"'}`))[0].n > 0
    )
      await ds!.undoLastMigration();
    const qr = ds!.createQueryRunner();
    try {
      expect(await qr.hasTable('users')).toBe(false);
      expect(await qr.hasTable('robots')).toBe(false);
    } finally {
      await qr.release();
    }
    await ds!.destroy();
    // and applied again from scratch
    ds = new DataSource(buildDataSourceOptions(config(), await detectMysqlFlavor(config())));
    await ds.initialize();
    expect((await ds.runMigrations()).length).toBeGreaterThan(0);
  });
});
