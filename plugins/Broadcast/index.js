'use strict';
/**
 * Broadcast: sends a text, an image or a link to lists of contacts and groups, on a cron schedule (in
 * [plugins].timezone) or once at a date and time. One job ticks every minute (the scheduler runs each tick on one
 * instance only) and sends the broadcasts due in the minute of its `scheduledAt`; what was sent is kept per broadcast
 * in the store, so nothing goes twice, and a run skipped (the service down, a long broadcast still sending) is made
 * up for within `graceMinutes`. Sends go through each robot's send governor (pacing, jitter), with a daily cap per
 * robot; each run of a broadcast leaves a report record of what was sent and what failed.
 *
 * "Send now": `POST /api/plugins/Broadcast/jobs/tick/run` runs the tick at once (a one-off `at` now or a little
 * before is then sent immediately).
 * @typedef {import('../../src/plugin/plugin.types').PluginDefinition} PluginDefinition
 * @typedef {import('../../src/plugin/plugin.types').JobContext} JobContext
 * @typedef {import('../../src/plugin/plugin.types').RobotMessenger} RobotMessenger
 * @typedef {import('./lib/schedule').Broadcast} Broadcast
 */
const { normalise, dueOccurrence, dayOf, dailyCounter, MINUTE } = require('./lib/schedule');

const DAILY_KEY = 'daily';
/** @param {string} name */
const lastKey = (name) => `last:${name}`;

/** Ticks of this instance run one after another (a manual run and the minute's tick never overlap). */
let chain = Promise.resolve();

/**
 * @param {RobotMessenger} send @param {string} to @param {Broadcast['content']} c
 */
function sendOne(send, to, c) {
  if (c.type === 'text') return send.sendText(to, c.text);
  if (c.type === 'image') return send.sendImage(to, c.imageUrl);
  return send.sendLink(to, { title: c.title, desc: c.desc, linkUrl: c.linkUrl, thumbUrl: c.thumbUrl });
}

/** @param {JobContext} ctx */
async function tick(ctx) {
  const tz = ctx.timezone;
  const { broadcasts, problems } = normalise(ctx.config.broadcasts, tz);
  if (problems.length) ctx.log.warn('Some broadcasts are not valid and are left out', { problems });
  const graceMs = Math.max(0, Number(ctx.config.graceMinutes ?? 60)) * MINUTE;
  const cap = Math.max(0, Number(ctx.config.dailyCap ?? 100));
  /** @type {Awaited<ReturnType<JobContext['robots']>> | null} */
  let robots = null;

  for (const b of broadcasts) {
    if (!b.enabled) continue;
    const last = /** @type {number | undefined} */ (await ctx.store.get(lastKey(b.name)));
    const occurrence = dueOccurrence(b, tz, ctx.scheduledAt, typeof last === 'number' ? last : undefined, graceMs);
    if (occurrence === null) continue;
    // claimed before sending: a crash halfway does not send it all again
    await ctx.store.set(lastKey(b.name), occurrence);
    robots ??= await ctx.robots();
    const chosen = robots.filter((r) => !b.robotIds.length || b.robotIds.includes(r.robot.id));
    const base = {
      broadcast: b.name,
      content: b.content.type,
      scheduledFor: new Date(occurrence).toISOString(),
      runAt: ctx.scheduledAt.toISOString(),
    };
    if (!chosen.length) {
      await ctx.records.add('report', {
        ...base,
        sent: [],
        failed: b.targets.map((target) => ({ target, error: 'no_robot' })),
      });
      ctx.log.warn('Broadcast has no robot to send it', { broadcast: b.name });
      continue;
    }
    for (const r of chosen) {
      /** @type {string[]} */
      const sent = [];
      /** @type {{ target: string, error: string }[]} */
      const failed = [];
      for (const target of b.targets) {
        if (r.status !== 'online') {
          failed.push({ target, error: 'robot_offline' });
          continue;
        }
        if (!(await ctx.chat(r.robot.id, target)).enabled) {
          failed.push({ target, error: 'disabled_in_chat' });
          continue;
        }
        const counter = dailyCounter(await ctx.store.get(DAILY_KEY), dayOf(Date.now(), tz));
        const today = counter.sent[String(r.robot.id)] ?? 0;
        if (today >= cap) {
          failed.push({ target, error: 'daily_cap' });
          continue;
        }
        try {
          await sendOne(r.send, target, b.content);
          sent.push(target);
          const fresh = dailyCounter(await ctx.store.get(DAILY_KEY), dayOf(Date.now(), tz));
          fresh.sent[String(r.robot.id)] = (fresh.sent[String(r.robot.id)] ?? 0) + 1;
          await ctx.store.set(DAILY_KEY, fresh);
        } catch (err) {
          failed.push({ target, error: err instanceof Error ? err.message : String(err) });
        }
      }
      await ctx.records.add('report', { ...base, robot: r.robot.name, sent, failed }, { robotId: r.robot.id });
      ctx.log.info('Broadcast sent', {
        broadcast: b.name,
        robotId: r.robot.id,
        sent: sent.length,
        failed: failed.length,
      });
    }
  }
}

/** @type {PluginDefinition} */
module.exports = {
  jobs: [
    {
      name: 'tick',
      cron: '* * * * *',
      /** @param {JobContext} ctx */
      run(ctx) {
        const run = chain.then(() => tick(ctx));
        chain = run.catch(() => undefined);
        return run;
      },
    },
  ],
};
