/**
 * The plugin runtime (loader, registry, settings, dispatcher, scheduler) on an in-memory SQLite database with fake
 * robots and a fake messenger, for unit tests, plus helpers that write plugins into a temp folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { notFound } from '../../src/common/domain-error';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { GeweTransportError } from '../../src/gewe/gewe.errors';
import type { MessengerFactory } from '../../src/sending/messenger.factory';
import { PluginKvEntity } from '../../src/plugin/plugin-kv.entity';
import { PluginKvStore } from '../../src/plugin/plugin-kv.store';
import { PluginRobotSettingEntity } from '../../src/plugin/plugin-robot-setting.entity';
import { PluginSettingsStore } from '../../src/plugin/plugin-settings.store';
import { AiClientService } from '../../src/ai/ai.client';
import { DeferredRunner } from '../../src/plugin/deferred-runner';
import { PluginConfigResolver } from '../../src/plugin/plugin-config-resolver';
import { PluginHealth } from '../../src/plugin/plugin-health';
import { PluginPorts } from '../../src/plugin/plugin-ports';
import { PluginRecordsStore } from '../../src/plugin/plugin-records.store';
import { PluginRecordEntity } from '../../src/plugin/plugin-record.entity';
import { PluginTools } from '../../src/plugin/plugin-tools';
import { PluginDispatcher } from '../../src/plugin/plugin.dispatcher';
import { PluginEntity } from '../../src/plugin/plugin.entity';
import { PluginLoader } from '../../src/plugin/plugin.loader';
import { PluginRegistry } from '../../src/plugin/plugin.registry';
import { PluginScheduler } from '../../src/plugin/plugin.scheduler';
import { RobotEntity } from '../../src/robot/robot.entity';
import type { RobotService } from '../../src/robot/robot.service';
import { MemoryRobotStateStore } from '../../src/coordination/memory-state.store';
import type { RobotStateStore } from '../../src/coordination/robot-state.store';

export { event } from './plugin-fakes';

export interface SentText {
  robotId: number;
  to: string;
  content: string;
  ats?: string | readonly string[];
}

export interface PluginRuntime {
  dir: string;
  config: AppConfig;
  db: DataSource;
  settings: PluginSettingsStore;
  registry: PluginRegistry;
  dispatcher: PluginDispatcher;
  scheduler: PluginScheduler;
  locks: RobotStateStore;
  sent: SentText[];
  robots: RobotEntity[];
  plugins: () => PluginEntity[] | Promise<PluginEntity[]>;
  close(): Promise<void>;
}

export function tempPluginsDir(): string {
  return mkdtempSync(join(tmpdir(), 'og-plugins-'));
}

/** Writes `plugins/<folder>/plugin.json` and its entry file (default index.js). */
export function writePlugin(
  dir: string,
  folder: string,
  code: string,
  manifest: Record<string, unknown> = {},
  entry = 'index.js',
): string {
  const path = join(dir, folder);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'plugin.json'), JSON.stringify({ name: folder, version: '1.0.0', ...manifest }));
  mkdirSync(dirname(join(path, entry)), { recursive: true });
  writeFileSync(join(path, entry), code);
  return path;
}

/**
 * A plugin whose handlers reply `<label>` (so `runtime.sent` records who ran, in order) and then return `result`.
 * Plugin code runs in Node's own loader, outside the test's sandbox: it reports through its context, not globals.
 */
export function recorderCode(
  handlers: { label: string; on?: string | string[]; priority?: number; includeSelf?: boolean; result?: string }[],
): string {
  const hs = handlers.map(
    (h) => `{
      name: ${JSON.stringify(h.label)},
      on: ${JSON.stringify(h.on ?? 'any')},
      ${h.priority === undefined ? '' : `priority: ${h.priority},`}
      ${h.includeSelf === undefined ? '' : `includeSelf: ${h.includeSelf},`}
      handle: (ctx) => ctx.reply(${JSON.stringify(h.label)}).then(() => ${h.result ?? 'undefined'}),
    }`,
  );
  return `module.exports = { handlers: [${hs.join(',')}] };`;
}

export function robotEntity(id: number, status = 'online'): RobotEntity {
  return {
    id,
    name: `robot${id}`,
    appId: `wx_app_${id}`,
    token: 't',
    baseUrl: 'http://127.0.0.1:1/v2/api',
    downloadUrl: null,
    callbackUrl: null,
    status,
    isGewe: false,
    wxid: `wxid_robot${id}`,
    nickname: `Robot ${id}`,
    avatarUrl: null,
    config: null,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

export function testConfig(plugins: Record<string, unknown>): AppConfig {
  return loadConfig({
    path: null,
    env: {},
    overrides: {
      backend: { secret_key: 'unit-secret-key-0123456789abcdefghijklmnopqrstuvwxyz' },
      plugins: { enabled_plugins: [], handler_timeout: '500ms', ...plugins },
    },
  }).config;
}

/**
 * Builds the runtime on `dir` (loads nothing yet: call `registry.reload()`, as start-up does). `shared` reuses
 * another runtime's database and lock store: a second instance of the service.
 */
export async function createPluginRuntime(
  dir: string,
  plugins: Record<string, unknown> = {},
  shared?: PluginRuntime,
): Promise<PluginRuntime> {
  // the runtime logs a lot (loads, failures): keep unit test output readable
  Logger.overrideLogger(false);
  const config = testConfig({ plugins_dir: dir, ...plugins });
  let db = shared?.db;
  if (!db) {
    db = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [PluginEntity, PluginRobotSettingEntity, PluginKvEntity, PluginRecordEntity, RobotEntity],
      synchronize: true,
    });
    await db.initialize();
  }
  const robots = shared?.robots ?? [robotEntity(1), robotEntity(2, 'offline')];
  // ctx.records' robot_id references the robots table
  if (!shared) await db.getRepository(RobotEntity).save(robots.map((r) => ({ ...r })));
  const sent: SentText[] = [];
  const robotService = {
    entity: (id: number) => {
      const r = robots.find((x) => x.id === id);
      return r ? Promise.resolve(r) : Promise.reject(notFound('ROBOT_NOT_FOUND', `Robot ${id} does not exist`));
    },
    findByStatus: () => Promise.resolve([...robots]),
  } as unknown as RobotService;
  const messengers = {
    forRobot: (r: RobotEntity) => ({
      send: {
        sendText: (to: string, content: string, ats?: string | readonly string[]) => {
          // a reply to "gewe-down" fails the way an unreachable Gewe does
          if (content === 'gewe-down')
            return Promise.reject(
              new GeweTransportError('/message/postText', 'unreachable', 'cannot reach Gewe (ECONNREFUSED)'),
            );
          sent.push({ robotId: r.id, to, content, ats });
          return Promise.resolve({ toWxid: to, msgId: '1', newMsgId: '2', createTime: 0 });
        },
      },
      gewe: { fake: true },
    }),
  } as unknown as MessengerFactory;
  const settings = new PluginSettingsStore(db.getRepository(PluginEntity), db.getRepository(PluginRobotSettingEntity));
  const kv = new PluginKvStore(db.getRepository(PluginKvEntity));
  const registry = new PluginRegistry(config, new PluginLoader(), settings, kv);
  const resolver = new PluginConfigResolver(registry);
  const ports = new PluginPorts();
  const tools = new PluginTools(
    registry,
    settings,
    resolver,
    kv,
    new PluginRecordsStore(db.getRepository(PluginRecordEntity)),
    ports,
    new AiClientService(),
  );
  const health = new PluginHealth(config, settings);
  const deferred = new DeferredRunner(config, ports, health);
  const dispatcher = new PluginDispatcher(
    config,
    registry,
    settings,
    kv,
    robotService,
    messengers,
    resolver,
    tools,
    deferred,
    health,
  );
  const locks = shared?.locks ?? new MemoryRobotStateStore();
  const scheduler = new PluginScheduler(
    config,
    `instance-${Math.random().toString(36).slice(2, 8)}`,
    locks,
    registry,
    settings,
    kv,
    robotService,
    messengers,
    resolver,
    tools,
  );
  scheduler.onModuleInit();
  const database = db;
  return {
    dir,
    config,
    db,
    settings,
    registry,
    dispatcher,
    scheduler,
    locks,
    sent,
    robots,
    plugins: () => database.getRepository(PluginEntity).find({ order: { name: 'ASC' } }),
    close: async () => {
      await scheduler.onModuleDestroy();
      await registry.onModuleDestroy();
      if (!shared) {
        await database.destroy();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
