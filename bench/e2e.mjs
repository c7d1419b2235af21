// End to end and footprint: callbacks/s from POST to plugin handler completion at fixed offered rates, accept→handled
// latency, backlog after the load, and RSS — in both queue modes, with 100 robots logged in on the fake Gewe server
// and 10 plugins loaded.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  cpuMs,
  deleteRedisPrefix,
  freePort,
  http,
  login,
  nextIdBase,
  now,
  percentile,
  pidsOf,
  r0,
  r1,
  rssMB,
  runLoad,
  sleep,
  startProcess,
  startService,
  WEBHOOK_NODE_ARGS,
  stopProcess,
  tempDir,
  textTemplate,
  waitFor,
  waitHealthy,
} from './lib.mjs';
import { FILLERS, writePlugins } from './plugins.mjs';
import { measureBaseline } from './accept.mjs';
import { measureBullFloor } from './bullmq-floor.mjs';

const ROBOTS = 100;
const CONNECTIONS = 64;
const MAX_CALLBACKS = 20_000;

/**
 * The fake Gewe server on a free port. A port found free can be taken by an outgoing connection's ephemeral port
 * before the server (started through tsx, a second or so) binds it: then it is tried again on another port.
 */
async function startFakeGewe(dir, attempts = 3) {
  const port = await freePort();
  const fake = startProcess(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'test', 'fake-gewe', 'main.ts')],
    {
      env: { FAKE_GEWE_PORT: String(port), FAKE_GEWE_HOST: '127.0.0.1', FAKE_GEWE_QUIET: '1' },
      logFile: join(dir, 'fake-gewe.out'),
    },
  );
  const origin = `http://127.0.0.1:${port}`;
  const up = await waitFor(
    'the fake Gewe server',
    async () => (fake.exitCode !== null ? 'exited' : (await fetch(`${origin}/__control/state`)).ok),
    30_000,
    50,
  );
  if (up === 'exited') {
    if (attempts <= 1) throw new Error(`the fake Gewe server exited with ${fake.exitCode} (see ${dir}/fake-gewe.out)`);
    return startFakeGewe(dir, attempts - 1);
  }
  return { fake, baseUrl: `${origin}/v2/api`, control: `${origin}/__control` };
}

/** Creates `n` robots through the API and logs each in on the fake Gewe (QR login, confirmed by the "phone"). */
async function createRobots(base, token, gewe, n) {
  const robots = [];
  for (let start = 0; start < n; start += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, n - start) }, async (_, k) => {
        const i = start + k;
        const { token: geweToken } = await http('POST', `${gewe.control}/token`, { body: {} });
        const created = await http('POST', `${base}/api/robots?verify=false`, {
          token,
          body: { name: `bench-${i}`, baseUrl: gewe.baseUrl, token: geweToken, isGewe: false },
        });
        await http('POST', `${base}/api/robots/${created.id}/login`, { token });
        const { appId } = await http('GET', `${base}/api/robots/${created.id}`, { token });
        await http('POST', `${gewe.control}/confirm`, { body: { appId, account: { wxid: `wxid_bench_robot_${i}` } } });
        return { id: created.id, appId, key: new URL(created.callbackUrl).searchParams.get('key') };
      }),
    );
    robots.push(...batch);
  }
  await waitFor(
    `${n} robots online`,
    async () => (await http('GET', `${base}/api/robots?status=online&limit=200`, { token })).total === n,
    60_000,
    200,
  );
  return robots;
}

function readProbe(file) {
  const handled = new Map();
  if (!existsSync(file)) return handled;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const sp = line.indexOf(' ');
    handled.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return handled;
}

function probeLines(file) {
  if (!existsSync(file)) return 0;
  const size = statSync(file).size;
  if (!size) return 0;
  return readFileSync(file, 'utf8').split('\n').length - 1;
}

async function queueDepth(base, token) {
  const q = await http('GET', `${base}/api/queue`, { token });
  return { backlog: q.waiting + q.active + q.delayed, failed: q.failed, q };
}

async function loadPoint({
  base,
  token,
  pids,
  robots,
  rate,
  durationS,
  ping,
  dir,
  probeFile,
  log,
  watch,
  idleCores = 0,
}) {
  const templates = robots.map((r) => {
    const [head, tail] = textTemplate(r.appId, { ping });
    return { path: `/api/webhook?key=${encodeURIComponent(r.key)}`, head, tail };
  });
  const timingsFile = join(dir, `timings-${ping ? 'ping' : 'noop'}-${rate}.txt`);
  const handledBefore = probeLines(probeFile);
  const serviceCpu = () => pids.reduce((a, pid) => a + cpuMs(pid), 0);
  const svcCpu0 = serviceCpu();
  const cpuT0 = now();
  const rss = [];
  // the largest process (split roles: each process has the footprint target)
  const sampler = setInterval(() => rss.push(Math.max(...pids.map((pid) => rssMB(pid) ?? 0))), 250);
  const load = await runLoad(
    {
      mode: 'paced',
      url: base,
      targets: templates,
      idBase: nextIdBase(),
      connections: CONNECTIONS,
      durationS,
      rate,
      timingsFile,
    },
    watch,
  );
  const loadEnd = load.loadEnd;
  // the backlog right after the load stopped, then how long until the queue is empty and every accepted callback
  // reached the probe
  const atEnd = await queueDepth(base, token);
  const afterLoadMs = now() - loadEnd;
  let queueEmptyMs = null;
  const deadline = now() + 150_000;
  for (;;) {
    const d = await queueDepth(base, token);
    if (d.backlog === 0 && queueEmptyMs === null) queueEmptyMs = now() - loadEnd;
    if (queueEmptyMs !== null && probeLines(probeFile) - handledBefore >= load.ok) break;
    if (now() > deadline) break;
    await sleep(100);
  }
  await sleep(150); // the probe's last flush
  clearInterval(sampler);
  const svcCpuMs = serviceCpu() - svcCpu0;
  const windowMs = now() - cpuT0;
  const handled = readProbe(probeFile);
  const accepted = readFileSync(timingsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '))
    .filter((f) => f[3] === '200');
  const fromAck = [];
  const fromPost = [];
  let lastHandled = 0;
  let missing = 0;
  for (const [id, due, ack] of accepted) {
    const h = handled.get(id);
    if (h === undefined) {
      missing++;
      continue;
    }
    fromAck.push(h - Number(ack));
    fromPost.push(h - Number(due));
    if (h > lastHandled) lastHandled = h;
  }
  fromAck.sort((a, b) => a - b);
  fromPost.sort((a, b) => a - b);
  const handledCount = fromAck.length;
  const drainMs = Math.max(0, lastHandled - loadEnd);
  const handledPerSec = handledCount / ((lastHandled - load.loadStart) / 1000);
  const inWindow = accepted.filter(([id]) => (handled.get(id) ?? Infinity) <= loadEnd).length;
  const point = {
    scenario: ping ? 'example' : 'noop',
    offered: rate,
    durationS,
    sent: load.sent,
    accepted: load.ok,
    rejected: load.non2xx + load.errors + (load.unanswered ?? 0),
    non2xx: load.non2xx,
    errorCodes: load.errorCodes,
    unanswered: load.unanswered,
    handled: handledCount,
    missing,
    handledPerSec,
    handledDuringLoadPerSec: inWindow / load.durationS,
    acceptP50: load.latencyMs.p50,
    acceptP99: load.latencyMs.p99,
    e2eP50: percentile(fromAck, 50),
    e2eP99: percentile(fromAck, 99),
    postP50: percentile(fromPost, 50),
    postP99: percentile(fromPost, 99),
    backlogAtEnd: atEnd.backlog,
    backlogAtEndAfterMs: afterLoadMs,
    queueEmptyMs,
    drainMs,
    failed: atEnd.failed,
    rssMaxMB: Math.max(...rss.filter(Boolean)),
    // CPU the service used from the first request until the last callback was handled, per callback: what the
    // throughput would be with a whole core to itself is about 1 000 000 / this
    serviceCpuUsPerCallback: (svcCpuMs * 1000) / Math.max(1, handledCount),
    // the same, less what the service spends with no callback (its idle CPU over the same window)
    netCpuUsPerCallback: (Math.max(0, svcCpuMs - idleCores * windowMs) * 1000) / Math.max(1, handledCount),
    cpu: load.cpu,
    othersCores: load.othersCoreShare,
  };
  log(
    `${point.scenario} ${rate}/s: accepted ${point.accepted}/${point.sent}, handled ${handledCount} (${r0(handledPerSec)}/s), ` +
      `accept→handled p50 ${r1(point.e2eP50)} p99 ${r1(point.e2eP99)} ms, POST→handled p99 ${r1(point.postP99)} ms, ` +
      `HTTP p99 ${r1(point.acceptP99)} ms, backlog at end ${point.backlogAtEnd}, drained ${r0(drainMs)} ms after, ` +
      `RSS max ${point.rssMaxMB} MB, service CPU ${r0(point.serviceCpuUsPerCallback)} µs/callback, ` +
      `other processes ${r1(point.othersCores)} cores`,
  );
  return point;
}

/** A database of its own on the local MariaDB (split roles share one: SQLite takes one process only). */
async function mysqlDatabase(name) {
  const { createConnection } = await import('mysql2/promise');
  const c = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await c.end();
  return {
    env: {
      OPENGEWE__DATABASE__TYPE: 'mysql',
      OPENGEWE__DATABASE__MYSQL_HOST: '127.0.0.1',
      OPENGEWE__DATABASE__MYSQL_PORT: '3306',
      OPENGEWE__DATABASE__MYSQL_USER: 'root',
      OPENGEWE__DATABASE__MYSQL_PASSWORD: '',
      OPENGEWE__DATABASE__MYSQL_DATABASE: name,
    },
    drop: async () => {
      const d = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
      await d.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await d.end();
    },
  };
}

/**
 * One mode: `simple` and `advanced` are one process (role all, SQLite); `split` is the advanced queue with the
 * `webhook` and `worker` roles in two processes (docs/OPERATIONS.md, "Two cores"), on MariaDB, which both share.
 */
async function runMode({ mode, log, quick }) {
  const dir = tempDir(`e2e-${mode}`);
  const gewe = await startFakeGewe(dir);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const prefix = `og-bench-e2e:${process.pid}-${Date.now().toString(36)}:`;
  const pluginsDir = join(dir, 'plugins');
  const plugins = writePlugins(pluginsDir);
  const probeFile = join(dir, 'probe.txt');
  const split = mode === 'split';
  const mysql = mode === 'advanced-mariadb' ? await mysqlDatabase(`og_bench_${process.pid}`) : null;
  const extra = {
    BENCH_PROBE_FILE: probeFile,
    OPENGEWE__GEWE__CALLBACK_URL: `${base}/api/webhook`,
    OPENGEWE__GEWE__LOGIN_POLL_INTERVAL: '100ms',
    OPENGEWE__GEWE__SEND_MIN_INTERVAL: '0ms',
    OPENGEWE__GEWE__SEND_JITTER: '0ms',
    OPENGEWE__GEWE__SEND_MAX_PER_MINUTE: '10000',
    OPENGEWE__PLUGINS__PLUGINS_DIR: pluginsDir,
    ...(process.env.BENCH_CONCURRENCY ? { OPENGEWE__QUEUE__CONCURRENCY: process.env.BENCH_CONCURRENCY } : {}),
    OPENGEWE__PLUGINS__ENABLED_PLUGINS: JSON.stringify(['BenchProbe', ...FILLERS]),
    ...(mode !== 'simple'
      ? {
          OPENGEWE__BACKEND__ENABLE_REDIS: 'true',
          OPENGEWE__REDIS__HOST: '127.0.0.1',
          OPENGEWE__REDIS__PREFIX: prefix,
          OPENGEWE__QUEUE__QUEUE_TYPE: 'advanced',
          OPENGEWE__QUEUE__BROKER: 'redis://127.0.0.1:6379/0',
        }
      : { OPENGEWE__QUEUE__QUEUE_TYPE: 'simple' }),
    ...(mysql?.env ?? {}),
  };
  const svc = startService({ port, dir, extra: split ? { ...extra, OPENGEWE__BACKEND__ROLE: 'webhook' } : extra });
  const workerPort = split ? await freePort() : null;
  const workerDir = split ? tempDir('e2e-split-worker') : null;
  const redisPid = pidsOf('redis-server')[0];
  const mariaPid = mysql ? pidsOf('mariadbd')[0] : null;
  const procs = [svc];
  try {
    await waitHealthy(base, svc);
    if (split) {
      // once the webhook has migrated the database: the worker on the same SQLite file and data dir (advanced mode
      // lets instances share the file)
      const worker = startService({
        port: workerPort,
        dir: workerDir,
        extra: {
          ...extra,
          OPENGEWE__BACKEND__ROLE: 'worker',
          OPENGEWE__BACKEND__DATA_DIR: join(dir, 'data'),
          OPENGEWE__DATABASE__SQLITE_FILE: join(dir, 'data', 'opengewe.db'),
        },
      });
      procs.push(worker);
      await waitHealthy(`http://127.0.0.1:${workerPort}`, worker);
    }
    const pids = procs.map((p) => p.pid);
    const watch = {
      service: svc.pid,
      ...(procs[1] ? { worker: procs[1].pid } : {}),
      fakeGewe: gewe.fake.pid,
      ...(redisPid && mode !== 'simple' ? { redis: redisPid } : {}),
      ...(mariaPid ? { mariadb: mariaPid } : {}),
    };
    const token = await login(base);
    const t0 = now();
    const robots = await createRobots(base, token, gewe, ROBOTS);
    log(`${mode}: ${ROBOTS} robots created and online in ${r0(now() - t0)} ms`);
    const loaded = (await http('GET', `${base}/api/plugins?limit=50`, { token })).items.filter((p) => p.loaded);
    if (loaded.length !== plugins.length)
      throw new Error(`${loaded.length} plugins loaded, expected ${plugins.length}`);
    // each robot's first directory sync (contacts, groups) runs after its login: measured apart, not in the points
    const t1 = now();
    await waitFor(
      'the directory syncs',
      async () => {
        for (const r of robots) {
          const s = await http('GET', `${base}/api/robots/${r.id}/directory/sync`, { token });
          if (s.state === 'running' || s.state === 'queued') return false;
        }
        return true;
      },
      120_000,
      500,
    );
    log(`${mode}: directory syncs done ${r0(now() - t1)} ms after the robots were online`);
    await sleep(3000);
    const idleRss = Math.max(...pids.map((pid) => rssMB(pid)));
    // what the service does with no callback at all (100 robots: health checks, timers, GC): measured over 5 s, so a
    // point's CPU per callback can be read net of it
    const idleCpu0 = pids.reduce((a, pid) => a + cpuMs(pid), 0);
    const idleT0 = now();
    await sleep(5000);
    const idleCores = (pids.reduce((a, pid) => a + cpuMs(pid), 0) - idleCpu0) / (now() - idleT0);
    log(`${mode}: idle CPU ${r1(idleCores * 100)} % of a core`);
    // warm-up, not reported: the JIT, the caches, the connection pools
    await loadPoint({
      base,
      token,
      pids,
      robots,
      rate: 400,
      durationS: 3,
      ping: false,
      dir,
      probeFile,
      log: () => {},
      watch,
    });
    log(`${mode}: idle RSS ${idleRss} MB (${ROBOTS} robots online, ${loaded.length} plugins loaded)`);

    const durationS = quick ? 5 : 10;
    const rates = noopRates(quick);
    const points = [];
    // at most MAX_CALLBACKS per point: past the service's capacity the backlog has to drain before the next point
    const secondsAt = (rate) => Math.min(durationS, MAX_CALLBACKS / rate);
    const point = (rate, ping) =>
      loadPoint({
        base,
        token,
        pids,
        robots,
        rate,
        durationS: secondsAt(rate),
        ping,
        dir,
        probeFile,
        log,
        watch,
        idleCores,
      });
    for (const rate of rates) points.push(await point(rate, false));
    // ExamplePlugin on: every callback is a "ping" from a contact, answered with "pong" through the fake Gewe
    const exRates = arg('example-rates') !== undefined ? list(arg('example-rates')) : quick || split ? [] : [500];
    if (exRates.length) await http('POST', `${base}/api/plugins/ExamplePlugin/enable`, { token });
    for (const rate of exRates) points.push(await point(rate, true));
    const pongs = (await http('GET', `${gewe.control}/sends?path=/message/postText`)).length;
    const exHandled = points.filter((p) => p.scenario === 'example').reduce((a, p) => a + p.handled, 0);
    log(`${mode}: the fake Gewe received ${pongs} pongs for ${exHandled} pings`);
    await sleep(2000);
    const afterRss = Math.max(...pids.map((pid) => rssMB(pid)));
    const plug = (await http('GET', `${base}/api/plugins?limit=50`, { token })).items.map((p) => ({
      name: p.name,
      enabled: p.enabled,
      stats: p.stats,
    }));
    return {
      mode,
      robots: ROBOTS,
      plugins: loaded.length,
      idleRss,
      idleCores,
      afterRss,
      points,
      pongs,
      exHandled,
      pluginStats: plug,
    };
  } finally {
    for (const p of procs) await stopProcess(p);
    await stopProcess(gewe.fake);
    if (mode !== 'simple') await deleteRedisPrefix(prefix);
    await mysql?.drop();
  }
}

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const list = (v) => (v ? v.split(',').filter(Boolean).map(Number) : []);
/** The offered rates of the noop points (`--rates=`). */
const noopRates = (quick) => (arg('rates') !== undefined ? list(arg('rates')) : quick ? [1000] : [500, 1000, 2000]);

/**
 * What the same load costs where the service's work is left out, at each offered rate of the noop points: the
 * baseline loaded like the points (paced, not as fast as it goes), and BullMQ alone (bench/bullmq-floor.mjs: the
 * webhook's add and the worker's take of a no-op job). CPU per request or job falls as the rate rises (fewer
 * wake-ups, writes and commits per callback), so the baseline measured at saturation is a yardstick the paced points
 * can only be compared with at the same load.
 */
async function sameLoadYardsticks({ quick, log }) {
  const out = [];
  for (const rate of noopRates(quick)) {
    const b = await measureBaseline({ seconds: quick ? 3 : 5, dir: tempDir('e2e-baseline-paced'), rate });
    const [floor] = await measureBullFloor({ rates: [rate], seconds: 5 });
    log(`at ${rate}/s: baseline ${r0(b.cpuUsPerReq)} µs/req, BullMQ alone ${floor.cpuUsPerJob} µs/job`);
    out.push({ rate, baselineCpuUsPerReq: b.cpuUsPerReq, bullFloorCpuUsPerJob: floor.cpuUsPerJob });
  }
  return out;
}

export async function runEndToEnd({ log, quick }) {
  const modes = [];
  const only = process.argv.find((a) => a.startsWith('--modes='));
  const wanted = only ? only.slice(8).split(',') : ['simple', 'advanced', 'advanced-mariadb', 'split'];
  // the baseline before, between and after the modes: its CPU per accepted request is the yardstick of the section
  const baselines = [];
  const baseline = async () => {
    const b = await measureBaseline({ seconds: quick ? 3 : 5, dir: tempDir('e2e-baseline') });
    log(`baseline: ${r0(b.reqPerSec)} req/s, ${r0(b.cpuUsPerReq)} µs CPU per request`);
    baselines.push(b);
  };
  await baseline();
  const sameLoad = await sameLoadYardsticks({ quick, log });
  for (const mode of wanted) {
    modes.push(await runMode({ mode, log, quick }));
    await baseline();
  }
  const atRate = (rate) => sameLoad.find((y) => y.rate === rate);
  const baseCpu = baselines.reduce((a, b) => a + b.cpuUsPerReq, 0) / baselines.length;
  const md = [
    '## End to end (POST → plugin handler completion)',
    '',
    `${ROBOTS} robots logged in on the fake Gewe server (test/fake-gewe, its own process), 10 plugins loaded ` +
      '(BenchProbe, 8 fillers, ExamplePlugin), NODE_ENV=production, `--max-old-space-size=512` (as deployed; the split webhook process with ' +
      `\`${WEBHOOK_NODE_ARGS.join(' ')}\`, as ecosystem.config.cjs runs it), ` +
      `logs to a file only, \`queue.concurrency\` ${process.env.BENCH_CONCURRENCY ?? 'default'}. *simple* and ` +
      '*advanced*: one process, role `all`, SQLite; *advanced-mariadb*: the same on MariaDB. *split*: the advanced ' +
      'queue with role `webhook` and role `worker` in two processes sharing one SQLite file (the worker starts once ' +
      "the webhook has migrated it); its CPU is both processes' together. " +
      '**Throughput runs set `gewe.send_min_interval = 0ms`, `gewe.send_jitter = 0ms` ' +
      "and `gewe.send_max_per_minute = 10000`** (the defaults would hold ExamplePlugin's replies back on purpose). " +
      `Load: bench/load.mjs paced mode, the offered rate spread evenly (1 ms ticks) over ${CONNECTIONS} keep-alive ` +
      'connections, the text sample with a unique NewMsgId, robots in turn. *noop*: only BenchProbe and the fillers ' +
      'run (ExamplePlugin loaded, disabled); the text sample as is. *example*: ExamplePlugin enabled and every ' +
      'callback is the text sample changed to a "ping" from a contact, so each one is answered with "pong" through ' +
      'the fake Gewe (plugin store read + write, a send).',
    '',
    'accept→handled: BenchProbe (priority 99, after every other handler) timestamps each event; minus the time the ' +
      '200 reached the load generator (both are wall-clock readings with µs precision on this machine). ' +
      'POST→handled: from when the request was due to be sent. handled/s: handled callbacks / (last handled − ' +
      'load start). backlog at end: GET /api/queue (waiting + active + delayed) right after the last request; ' +
      'drained: last handled − end of the load. CPU ratio: service CPU per handled callback (accept, processing, ' +
      "message log) / the baseline's CPU per accepted request. Net of idle: less the CPU the same process spends " +
      "with no callback at all (measured for 5 s before the warm-up: 100 robots' health checks, timers, GC), over " +
      "the point's window. Same load: the service's CPU per callback / the baseline's CPU per request at the " +
      "point's offered rate, paced the same way (the table below it).",
    '',
    `Baseline (bench/baseline/main.mjs, 64 connections), measured ${baselines.length} times, before, between and ` +
      `after the modes: ${baselines.map((b) => `${r0(b.cpuUsPerReq)} µs/req (${r0(b.reqPerSec)} req/s)`).join(', ')}; ` +
      `mean **${r0(baseCpu)} µs** of CPU per request.`,
    '',
    'The same loads without the service (once, after the first baseline): the baseline paced at the rate, and ' +
      "BullMQ alone (bench/bullmq-floor.mjs: the webhook's HEXISTS + add and a Worker of the service's concurrency " +
      'taking a no-op job, in one process, no HTTP, no database) — what the advanced queue costs per callback by ' +
      'itself.',
    '',
    '| offered/s | baseline CPU µs/request | BullMQ alone CPU µs/callback |',
    '|---|---|---|',
    ...sameLoad.map((y) => `| ${y.rate} | ${r0(y.baselineCpuUsPerReq)} | ${r0(y.bullFloorCpuUsPerJob)} |`),
    '',
    '| mode | scenario | offered/s × s | accepted/sent | handled/s | HTTP p99 ms | accept→handled p50 / p99 ms | POST→handled p99 ms | backlog at end | drained after ms | service CPU µs/callback | CPU ratio to baseline | net of idle: µs/callback, ratio | same load ratio | RSS max MB | other processes (cores) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const sameLoadRatio = (p) => {
    const y = p.scenario === 'noop' ? atRate(p.offered) : undefined;
    return y ? `${r1(p.serviceCpuUsPerCallback / y.baselineCpuUsPerReq)} ×` : '—';
  };
  for (const m of modes)
    for (const p of m.points)
      md.push(
        `| ${m.mode} | ${p.scenario} | ${p.offered} × ${r1(p.durationS)} | ${p.accepted}/${p.sent} | ${r0(p.handledPerSec)} | ${r1(p.acceptP99)} | ` +
          `${r1(p.e2eP50)} / ${r1(p.e2eP99)} | ${r1(p.postP99)} | ${p.backlogAtEnd} | ${r0(p.drainMs)} | ${r0(p.serviceCpuUsPerCallback)} | ` +
          `${r1(p.serviceCpuUsPerCallback / baseCpu)} × | ${r0(p.netCpuUsPerCallback)}, ${r1(p.netCpuUsPerCallback / baseCpu)} × | ` +
          `${sameLoadRatio(p)} | ${p.rssMaxMB} | ${r1(p.othersCores)} |`,
      );
  md.push('');
  const verdicts = [];
  for (const m of modes) {
    const noop = m.points.filter((p) => p.scenario === 'noop');
    const kept = noop.filter((p) => p.drainMs <= 2000 && p.rejected === 0 && p.backlogAtEnd <= 100);
    const best = kept.length ? Math.max(...kept.map((p) => p.offered)) : 0;
    const peak = Math.max(...noop.map((p) => p.handledPerSec));
    const at1k = noop.find((p) => p.offered === 1000);
    const ratio = at1k ? at1k.serviceCpuUsPerCallback / baseCpu : null;
    const net = at1k ? at1k.netCpuUsPerCallback / baseCpu : null;
    const y = atRate(1000);
    const same = at1k && y ? at1k.serviceCpuUsPerCallback / y.baselineCpuUsPerReq : null;
    const line =
      `- ${m.mode}: highest offered rate kept up with (all accepted, backlog ≤ 100 at the end, drained within 2 s) ` +
      `**${best || 'none'}**/s, peak ${r0(peak)} handled/s` +
      (at1k
        ? `; idle CPU ${r1(m.idleCores * 100)} % of a core; at 1000/s: service CPU ${r0(at1k.serviceCpuUsPerCallback)} µs ` +
          `per callback = **${r1(ratio)} ×** the baseline's per request, ${r1(net)} × net of idle (target ≤ 2 ×) — ` +
          `${ratio <= 2 ? 'met' : net <= 2 ? 'met net of idle only' : 'MISSED'}` +
          (same === null
            ? ''
            : `; against the baseline at the same 1000/s (${r0(y.baselineCpuUsPerReq)} µs/request): ${r1(same)} × — ` +
              `${same <= 2 ? 'within 2 ×' : 'above 2 ×'}`) +
          (m.mode === 'simple' || m.mode === 'advanced-mariadb'
            ? ''
            : `; accept→handled p99 ${r1(at1k.e2eP99)} ms (target ≤ 50 ms) — ${at1k.e2eP99 <= 50 ? 'met' : 'MISSED'}, ` +
              `backlog at the end ${at1k.backlogAtEnd} (target ≤ 100) — ${at1k.backlogAtEnd <= 100 ? 'met' : 'MISSED'}`)
        : '') +
      '.';
    md.push(line);
    verdicts.push({ mode: m.mode, best, peak, at1k, ratio, net, sameLoadRatio: same });
  }
  md.push(
    '',
    '## Footprint',
    '',
    '| mode | robots | plugins loaded | RSS idle MB | RSS max under load MB | RSS after load MB |',
    '|---|---|---|---|---|---|',
  );
  for (const m of modes) {
    const max = Math.max(...m.points.map((p) => p.rssMaxMB));
    md.push(`| ${m.mode} | ${m.robots} | ${m.plugins} | ${m.idleRss} | ${max} | ${m.afterRss} |`);
  }
  const worst = Math.max(...modes.flatMap((m) => m.points.map((p) => p.rssMaxMB)));
  const idle = Math.max(...modes.map((m) => m.idleRss));
  md.push(
    '',
    `RSS idle ≤ ${idle} MB, under load ≤ ${worst} MB (target ≤ 250 MB) — idle ${idle <= 250 ? 'met' : 'MISSED'}, under load ${worst <= 250 ? 'met' : 'MISSED'}.`,
  );
  md.push(
    '',
    'ExamplePlugin replies: ' +
      modes.map((m) => `${m.mode}: ${m.pongs} pongs for ${m.exHandled} pings`).join('; ') +
      '.',
  );
  return { data: { modes, baselines, baseCpu, sameLoad, verdicts }, markdown: md };
}
