// Accept: POST /api/webhook req/s and latency at 64 connections, the service (advanced queue, role = webhook,
// production, logs to a file) beside the baseline (bench/baseline/main.mjs), in the same run, alternating.
import { join } from 'node:path';
import {
  ROOT,
  deleteRedisPrefix,
  freePort,
  http,
  login,
  nextIdBase,
  pidsOf,
  r0,
  r1,
  rssMB,
  startProcess,
  startService,
  WEBHOOK_NODE_ARGS,
  stopProcess,
  tempDir,
  textTemplate,
  waitFor,
  waitHealthy,
} from './lib.mjs';

const CONNECTIONS = 64;

/**
 * The baseline alone, for the end-to-end section's ratio: started, warmed up (2 s), measured at 64 connections for
 * `seconds`, stopped. Answers its CPU time per accepted request (µs) and req/s.
 */
/**
 * The baseline's CPU per accepted request: at 64 connections as fast as it goes (autocannon, closed loop), or with
 * `rate` at that offered rate (bench/load.mjs paced, as the end-to-end points are loaded).
 */
export async function measureBaseline({ seconds = 5, dir, rate }) {
  const { runLoad } = await import('./lib.mjs');
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const prefix = `og-bench-baseline:${run}:`;
  const bport = await freePort();
  const baseline = startProcess(process.execPath, [join(ROOT, 'bench', 'baseline', 'main.mjs')], {
    env: { NODE_ENV: 'production', PORT: String(bport), PREFIX: prefix, REDIS_URL: 'redis://127.0.0.1:6379/0' },
    logFile: join(dir, 'baseline.out'),
  });
  try {
    await waitFor(
      'the baseline',
      async () => (await fetch(`http://127.0.0.1:${bport}/api/webhook`, { method: 'OPTIONS' })).status > 0,
    );
    const [head, tail] = textTemplate('wx_bench_baseline');
    const spec = (durationS) => ({
      mode: rate ? 'paced' : 'autocannon',
      url: `http://127.0.0.1:${bport}`,
      targets: [{ path: '/api/webhook', head, tail }],
      idBase: nextIdBase(),
      connections: CONNECTIONS,
      durationS,
      ...(rate ? { rate } : {}),
    });
    await runLoad(spec(2), { server: baseline.pid });
    const r = await runLoad(spec(seconds), { server: baseline.pid });
    return {
      cpuUsPerReq: (r.cpu.server * 1000) / (r.ok + r.non2xx),
      reqPerSec: r.reqPerSec,
      othersCores: r.othersCoreShare,
    };
  } finally {
    await stopProcess(baseline);
    await deleteRedisPrefix(prefix);
  }
}

export async function runAccept({ log, quick }) {
  const durationS = quick ? 5 : 10;
  const rounds = quick ? 1 : 2;
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const prefix = `og-bench:${run}:`;
  const baselinePrefix = `og-bench-baseline:${run}:`;
  const dir = tempDir('accept');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const svc = startService({
    port,
    dir,
    extra: {
      OPENGEWE__BACKEND__ROLE: 'webhook',
      OPENGEWE__BACKEND__ENABLE_REDIS: 'true',
      OPENGEWE__REDIS__HOST: '127.0.0.1',
      OPENGEWE__REDIS__PREFIX: prefix,
      OPENGEWE__QUEUE__QUEUE_TYPE: 'advanced',
      OPENGEWE__QUEUE__BROKER: 'redis://127.0.0.1:6379/0',
    },
  });
  const bport = await freePort();
  const baseline = startProcess(process.execPath, [join(ROOT, 'bench', 'baseline', 'main.mjs')], {
    env: { NODE_ENV: 'production', PORT: String(bport), PREFIX: baselinePrefix, REDIS_URL: 'redis://127.0.0.1:6379/0' },
    logFile: join(dir, 'baseline.out'),
  });
  try {
    await waitHealthy(base, svc);
    const token = await login(base);
    const robot = await http('POST', `${base}/api/robots?verify=false`, {
      token,
      body: {
        name: 'bench-accept',
        baseUrl: 'http://127.0.0.1:9/v2/api',
        token: 'bench-token-accept',
        appId: 'wx_bench_accept',
      },
    });
    const key = new URL(robot.callbackUrl).searchParams.get('key');
    const [head, tail] = textTemplate('wx_bench_accept');
    const path = `/api/webhook?key=${encodeURIComponent(key)}`;
    await waitFor(
      'the baseline',
      async () => (await fetch(`http://127.0.0.1:${bport}/api/webhook`, { method: 'OPTIONS' })).status > 0,
    );

    const targets = {
      service: { url: base, targets: [{ path, head, tail }] },
      baseline: { url: `http://127.0.0.1:${bport}`, targets: [{ path: '/api/webhook', head, tail }] },
    };
    const redisPid = pidsOf('redis-server')[0];
    const load = async (name, seconds) => {
      const { runLoad } = await import('./lib.mjs');
      const pid = name === 'service' ? svc.pid : baseline.pid;
      const r = await runLoad(
        { mode: 'autocannon', ...targets[name], idBase: nextIdBase(), connections: CONNECTIONS, durationS: seconds },
        { server: pid, ...(redisPid ? { redis: redisPid } : {}) },
      );
      r.serverCpuUsPerReq = (r.cpu.server * 1000) / (r.ok + r.non2xx);
      return r;
    };
    log('warm-up (3 s each)');
    for (const name of ['service', 'baseline']) {
      const w = await load(name, 3);
      if (w.non2xx || w.errors) throw new Error(`${name} warm-up: ${w.non2xx} non-2xx, ${w.errors} errors`);
    }
    const results = { service: [], baseline: [] };
    const rss = { service: rssMB(svc.pid), baseline: rssMB(baseline.pid) };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['service', 'baseline'] : ['baseline', 'service'];
      for (const name of order) {
        const r = await load(name, durationS);
        log(
          `round ${round + 1} ${name}: ${r0(r.reqPerSec)} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ` +
            `non-2xx ${r.non2xx}, errors ${r.errors}, server CPU ${r0(r.serverCpuUsPerReq)} µs/req, ` +
            `other processes ${r1(r.othersCoreShare)} cores`,
        );
        results[name].push(r);
      }
    }
    const summary = (list) => {
      const rps = list.map((r) => r.reqPerSec);
      return {
        reqPerSec: rps.reduce((a, b) => a + b, 0) / rps.length,
        p50: Math.max(...list.map((r) => r.latencyMs.p50)),
        p99: Math.max(...list.map((r) => r.latencyMs.p99)),
        non2xx: list.reduce((a, r) => a + r.non2xx + r.errors, 0),
        cpuUsPerReq: list.reduce((a, r) => a + r.serverCpuUsPerReq, 0) / list.length,
        othersCores: Math.max(...list.map((r) => r.othersCoreShare)),
      };
    };
    const s = summary(results.service);
    const b = summary(results.baseline);
    const ratio = s.reqPerSec / b.reqPerSec;
    const data = { connections: CONNECTIONS, durationS, rounds, results, service: s, baseline: b, ratio, rssMB: rss };
    const md = [
      '## Accept (POST /api/webhook, 64 connections)',
      '',
      `autocannon, ${CONNECTIONS} connections, ${durationS} s per measurement after a 3 s warm-up, ${rounds} round(s) ` +
        'alternating the order; the text sample with a unique NewMsgId per request. Service: advanced queue (BullMQ), ' +
        "`backend.role = webhook` (accepts only: no processing competes for the CPU) with the webhook process's node " +
        `flags of the two-process setup (\`${WEBHOOK_NODE_ARGS.join(' ')}\`, ecosystem.config.cjs), SQLite, NODE_ENV=production, ` +
        'logs to a file only. Baseline: bench/baseline/main.mjs (Nest + express, one route, `queue.add(body)`). ' +
        'Load generator, service, Redis all on this machine. p50/p99: the worst round.',
      '',
      '| | req/s (mean of rounds) | rounds | p50 ms | p99 ms | non-2xx/errors | server CPU µs/req | other processes (cores) |',
      '|---|---|---|---|---|---|---|---|',
      ...['service', 'baseline'].map((k) => {
        const x = k === 'service' ? s : b;
        const rounds = results[k].map((r) => r0(r.reqPerSec)).join(' / ');
        return `| ${k} | ${r0(x.reqPerSec)} | ${rounds} | ${x.p50} | ${x.p99} | ${x.non2xx} | ${r0(x.cpuUsPerReq)} | ${r1(x.othersCores)} |`;
      }),
      '',
      `Service / baseline: **${r1(ratio * 100)} %** (target ≥ 75 %) — ${ratio >= 0.75 ? 'met' : 'MISSED'}; ` +
        `service p99 ${s.p99} ms (target ≤ 25 ms) — ${s.p99 <= 25 ? 'met' : 'MISSED'}.`,
    ];
    return { data, markdown: md };
  } finally {
    await stopProcess(svc);
    await stopProcess(baseline);
    await deleteRedisPrefix(prefix);
    await deleteRedisPrefix(baselinePrefix);
  }
}
