import { PluginKvEntity } from '../../src/plugin/plugin-kv.entity';
import { createPluginRuntime, PluginRuntime, tempPluginsDir, writePlugin } from '../support/plugin-runtime';
import { waitFor } from '../support/wait';

/** A job that appends the second of its slot (and the robots it was given) to the store key `runs`. */
const RECORDING_JOB = (schedule: string, extra = '') => `module.exports = { jobs: [{ name: 'tick', ${schedule},
  async run(ctx) {
    const runs = (await ctx.store.get('runs')) ?? [];
    const robots = (await ctx.robots()).map((r) => r.robot.id + ':' + r.status + ':' + typeof r.send.sendText);
    runs.push({ second: Math.floor(ctx.scheduledAt.getTime() / 1000), robots, config: ctx.config });
    await ctx.store.set('runs', runs);
    ${extra}
  } }] };`;

describe('PluginScheduler', () => {
  let rt: PluginRuntime;
  afterEach(() => rt?.close());

  const runs = async (r = rt) => {
    const row = await r.db.getRepository(PluginKvEntity).findOneBy({ pluginName: 'Ticker', key: 'runs' });
    return row ? (JSON.parse(row.value) as { second: number; robots: string[]; config: unknown }[]) : [];
  };

  async function start(code: string, plugins: Record<string, unknown> = {}) {
    const dir = tempPluginsDir();
    writePlugin(dir, 'Ticker', code, {
      configSchema: { type: 'object', properties: { every: { type: 'integer', default: 1 } } },
    });
    rt = await createPluginRuntime(dir, { enabled_plugins: ['Ticker'], ...plugins });
    await rt.registry.reload();
    await rt.scheduler.sync();
  }

  it('runs an interval job on every slot with its config and the robots the plugin is enabled for', async () => {
    await start(RECORDING_JOB('intervalMs: 1000'));
    await rt.settings.setOverride('Ticker', 2, false);
    expect(rt.scheduler.scheduled()).toEqual(['Ticker:tick']);
    const done = await waitFor(async () => ((await runs()).length >= 2 ? runs() : null), 15_000, 'two runs');
    expect(done[1].second).toBeGreaterThan(done[0].second);
    expect(done[1]).toMatchObject({ robots: ['1:online:function'], config: { every: 1 } });
  });

  it('keeps the schedule of a job that throws', async () => {
    await start(RECORDING_JOB('intervalMs: 1000', `throw new Error('job failed');`));
    await waitFor(async () => (await runs()).length >= 2, 15_000, 'two runs despite the errors');
  });

  it('runs cron jobs, in seconds when given six fields', async () => {
    await start(RECORDING_JOB(`cron: '* * * * * *'`), { timezone: 'UTC' });
    await waitFor(async () => (await runs()).length >= 1, 15_000, 'a cron run');
  });

  it('runs each slot once when two instances schedule the same job', async () => {
    await start(RECORDING_JOB('intervalMs: 1000'));
    const other = await createPluginRuntime(rt.dir, { enabled_plugins: ['Ticker'] }, rt);
    try {
      await other.registry.reload();
      await other.scheduler.sync();
      expect(other.scheduler.scheduled()).toEqual(['Ticker:tick']);
      const done = await waitFor(async () => ((await runs()).length >= 3 ? runs() : null), 15_000, 'three runs');
      const seconds = done.map((r) => r.second);
      expect(new Set(seconds).size).toBe(seconds.length);
    } finally {
      await other.close();
    }
  });

  it('stops the jobs of a disabled plugin and starts them again when it is enabled', async () => {
    await start(RECORDING_JOB('intervalMs: 60000'));
    expect(rt.scheduler.scheduled()).toEqual(['Ticker:tick']);
    await rt.settings.setEnabled('Ticker', false);
    await rt.scheduler.sync();
    expect(rt.scheduler.scheduled()).toEqual([]);
    // enabled for one robot only: the job runs (for that robot)
    await rt.settings.setOverride('Ticker', 2, true);
    await rt.scheduler.sync();
    expect(rt.scheduler.scheduled()).toEqual(['Ticker:tick']);
    await rt.settings.setOverride('Ticker', 2, null);
    await rt.settings.setEnabled('Ticker', true);
    await rt.scheduler.sync();
    expect(rt.scheduler.scheduled()).toEqual(['Ticker:tick']);
    await rt.registry.onModuleDestroy();
    expect(rt.scheduler.scheduled()).toEqual([]);
  });

  it('runs a job now with scheduledAt = now and the timezone, one run at a time; refuses unknown and disabled', async () => {
    await start(RECORDING_JOB('intervalMs: 3600000', `ctx.log.info('tz ' + ctx.timezone);`), { timezone: 'UTC' });
    await expect(rt.scheduler.runNow('Nope', 'tick')).rejects.toMatchObject({ code: 'PLUGIN_NOT_FOUND', status: 404 });
    await expect(rt.scheduler.runNow('Ticker', 'nope')).rejects.toMatchObject({
      code: 'PLUGIN_JOB_NOT_FOUND',
      status: 404,
    });
    const before = Date.now();
    const run = await rt.scheduler.runNow('Ticker', 'tick');
    await expect(rt.scheduler.runNow('Ticker', 'tick')).rejects.toMatchObject({
      code: 'PLUGIN_JOB_RUNNING',
      status: 409,
    });
    expect(await run.done).toMatchObject({ status: 'ok' });
    const [first] = await runs();
    expect(first.second).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(run.scheduledAt.getTime()).toBeGreaterThanOrEqual(before);
    // a second run after the first ended is taken
    expect(await (await rt.scheduler.runNow('Ticker', 'tick')).done).toMatchObject({ status: 'ok' });
    expect(await runs()).toHaveLength(2);

    await rt.settings.setEnabled('Ticker', false);
    await expect(rt.scheduler.runNow('Ticker', 'tick')).rejects.toMatchObject({ code: 'PLUGIN_DISABLED', status: 409 });
  });

  it('reports what a job run now threw', async () => {
    await start(RECORDING_JOB('intervalMs: 3600000', `throw new Error('bad ' + ctx.timezone);`), {
      timezone: 'Europe/Paris',
    });
    const run = await rt.scheduler.runNow('Ticker', 'tick');
    expect(await run.done).toMatchObject({ status: 'error', error: expect.stringContaining('bad Europe/Paris') });
  });
});
