import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SQLITE_MIGRATIONS } from '../../migrations/sqlite';
import { RawSql } from '../database/raw-sql';
import type { HandlerOutcome } from '../plugin/plugin.dispatcher';
import { PluginPorts } from '../plugin/plugin-ports';
import { MessageDeferredResults, MAX_DEFERRED_TOTAL } from './message-deferred-results';
import { MessageEntity } from './message.entity';

describe('MessageDeferredResults (SQLite)', () => {
  let db: DataSource;
  let sink: MessageDeferredResults;
  let ports: PluginPorts;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [MessageEntity],
      // the schema the service runs on (the deferred_results column included): the committed migrations
      migrations: [...SQLITE_MIGRATIONS],
      migrationsRun: true,
    });
    await db.initialize();
    await db.query(`INSERT INTO "robots" ("id", "name", "base_url") VALUES (1, 'r', 'http://127.0.0.1:1/v2/api')`);
    ports = new PluginPorts();
    sink = new MessageDeferredResults(new RawSql(db), ports);
    sink.onModuleInit();
  });
  afterAll(() => db.destroy());

  const outcome = (name: string, over: Partial<HandlerOutcome> = {}): HandlerOutcome => ({
    plugin: 'P',
    handler: `h/${name}`,
    status: 'ok',
    durationMs: 3,
    deferred: true,
    ...over,
  });
  async function message(results: string | null = null): Promise<number> {
    const m = await db.getRepository(MessageEntity).save({
      robotId: 1,
      kind: 'text',
      typeName: 'AddMsg',
      receivedAt: new Date(),
      raw: '{}',
      results,
    });
    return m.id;
  }
  const row = (id: number) => db.getRepository(MessageEntity).findOneByOrFail({ id });

  it('registers itself as the plugin ports’ sink for later results', () => {
    expect(ports.laterResults).toBe(sink);
  });

  it('appends each outcome to the JSON array, outcomes landing at once included, leaving results alone', async () => {
    const id = await message('[{"plugin":"P","handler":"h","status":"ok","durationMs":1}]');
    await sink.append(id, outcome('a', { notes: [{ model: 'm', tokens: 3 }] }));
    await Promise.all([sink.append(id, outcome('b')), sink.append(id, outcome('c', { status: 'timeout' }))]);
    const m = await row(id);
    expect(JSON.parse(m.deferredResults!)).toEqual([
      outcome('a', { notes: [{ model: 'm', tokens: 3 }] }),
      outcome('b'),
      outcome('c', { status: 'timeout' }),
    ]);
    expect(m.results).toBe('[{"plugin":"P","handler":"h","status":"ok","durationMs":1}]');
  });

  it('keeps a too large outcome without its notes', async () => {
    const id = await message();
    await sink.append(id, outcome('big', { notes: Array.from({ length: 5 }, () => ({ text: 'x'.repeat(3000) })) }));
    const [kept] = JSON.parse((await row(id)).deferredResults!) as Record<string, unknown>[];
    expect(kept).toMatchObject({ handler: 'h/big', notesDropped: true });
    expect(kept).not.toHaveProperty('notes');
  });

  it('takes no more once a message holds MAX_DEFERRED_TOTAL of them, and ignores a message that is gone', async () => {
    const id = await message();
    const note = { text: 'y'.repeat(7000) };
    for (let i = 0; i < 20; i++) await sink.append(id, outcome(`n${i}`, { notes: [note] }));
    const full = (await row(id)).deferredResults!;
    // appends stopped once the column held MAX_DEFERRED_TOTAL: it stays below what a MySQL TEXT holds
    expect((JSON.parse(full) as unknown[]).length).toBeLessThan(20);
    expect(full.length).toBeGreaterThanOrEqual(MAX_DEFERRED_TOTAL);
    expect(full.length).toBeLessThan(MAX_DEFERRED_TOTAL + 8192);
    await expect(sink.append(999_999, outcome('gone'))).resolves.toBeUndefined();
  });
});
