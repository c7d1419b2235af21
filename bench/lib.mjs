// Shared helpers of the benchmark: processes, HTTP, the service's API, callback bodies, statistics.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LosslessNumber, parse, stringify } from 'lossless-json';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tempDirs = [];

export function tempDir(tag) {
  const dir = mkdtempSync(join(tmpdir(), `og-bench-${tag}-`));
  tempDirs.push(dir);
  return dir;
}

/** Removes every temp dir of this run (data, logs, timings); `--keep` keeps them for a look. */
export function removeTempDirs() {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    /* not Linux */
  }
  return {
    cpu: model + (mhz ? ` (${Math.round(Number(mhz))} MHz)` : ''),
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel,
  };
}

/** Resident set size of a process, in MB (VmRSS). */
export function rssMB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** Starts a child process whose output goes to `logFile`; resolves nothing, see waitFor/httpOk. */
export function startProcess(cmd, args, { env = {}, logFile, cwd = ROOT } = {}) {
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  child.exitInfo = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

export async function stopProcess(child, timeoutMs = 8000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await child.exitInfo;
  clearTimeout(t);
}

export async function waitFor(what, fn, timeoutMs = 30_000, everyMs = 20) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function http(method, url, { body, token, headers = {} } = {}) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text.slice(0, 300)}`);
  return json;
}

/** The environment of one service process: temp data dir, logs to a file, production mode. */
export function serviceEnv({ port, dir, extra = {} }) {
  return {
    NODE_ENV: 'production',
    OPENGEWE__BACKEND__HOST: '127.0.0.1',
    OPENGEWE__BACKEND__PORT: String(port),
    OPENGEWE__BACKEND__DATA_DIR: join(dir, 'data'),
    OPENGEWE__BACKEND__SECRET_KEY: 'bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz',
    OPENGEWE__DATABASE__SQLITE_FILE: join(dir, 'data', 'opengewe.db'),
    OPENGEWE__LOGGING__STDOUT: 'false',
    OPENGEWE__LOGGING__PATH: join(dir, 'logs'),
    OPENGEWE__PLUGINS__PLUGINS_DIR: join(ROOT, 'plugins'),
    OPENGEWE_ADMIN_USERNAME: 'benchadmin',
    OPENGEWE_ADMIN_PASSWORD: 'bench-password-123',
    ...extra,
  };
}

/** The service's node flags in production (Dockerfile, docker-compose.yml, `npm run start:prod`). */
export const PRODUCTION_NODE_ARGS = ['--max-old-space-size=512'];

/**
 * A process in role `webhook` runs with the flags of the two-process setup's webhook (ecosystem.config.cjs; compose's
 * split profile documents the same): read from that file, so the benchmark measures what ships.
 */
const require = createRequire(import.meta.url);
export const WEBHOOK_NODE_ARGS = require(join(ROOT, 'ecosystem.config.cjs'))
  .apps.find((a) => a.env.OPENGEWE__BACKEND__ROLE === 'webhook')
  .node_args.split(' ');

export function startService({ port, dir, extra, nodeArgs = [] }) {
  // BENCH_CPU_PROF=<dir>: every service process writes a V8 CPU profile there (see bench/cpuprofile-summary.mjs)
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const extraArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const base = extra?.OPENGEWE__BACKEND__ROLE === 'webhook' ? WEBHOOK_NODE_ARGS : PRODUCTION_NODE_ARGS;
  const args = [...base, ...prof, ...extraArgs, ...nodeArgs, join(ROOT, 'dist', 'src', 'main.js')];
  return startProcess(process.execPath, args, {
    env: serviceEnv({ port, dir, extra }),
    logFile: join(dir, 'service.out'),
    cwd: dir, // no config/main_config.toml there: built-in defaults + the variables above
  });
}

export async function waitHealthy(base, child, timeoutMs = 60_000) {
  return waitFor(
    'the service to be healthy',
    async () => {
      if (child && child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
      const res = await fetch(`${base}/api/health`);
      return res.status === 200;
    },
    timeoutMs,
    10,
  ).catch((err) => {
    if (child && child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}`);
    throw err;
  });
}

export async function login(base) {
  const r = await http('POST', `${base}/api/auth/login`, {
    body: { username: 'benchadmin', password: 'bench-password-123' },
  });
  return r.accessToken;
}

/** The text sample of test/fake-gewe/callbacks.json, as [head, tail] around its NewMsgId, addressed to `appId`. */
export function textTemplate(appId, { ping = false } = {}) {
  const samples = parse(readFileSync(join(ROOT, 'test', 'fake-gewe', 'callbacks.json'), 'utf8'));
  const sample = samples.find((s) => s.kind === 'text');
  const p = sample.payload;
  p.Appid = appId;
  if (ping) {
    // the same callback, but from a contact and saying "ping": ExamplePlugin answers it through Gewe
    p.Data.FromUserName = { string: 'wxid_bench_friend' };
    p.Data.Content = { string: 'ping' };
    p.Data.PushContent = 'bench friend : ping';
  }
  const marker = '9999999999999999999';
  p.Data.NewMsgId = new LosslessNumber(marker);
  const text = stringify(p);
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) throw new Error('NewMsgId marker not unique');
  return [text.slice(0, at), text.slice(at + marker.length)];
}

export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const r1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 10) / 10);
export const r0 = (x) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x));

let idBlock = 0;
/** A fresh range of NewMsgIds for one load (all above 2^53: 7 000 000 000 000 000 000 + 100 000 000 × k). */
export function nextIdBase() {
  return (
    7_000_000_000_000_000_000n +
    BigInt(idBlock++) * 100_000_000n +
    BigInt(Date.now() % 1000) * 10n ** 14n
  ).toString();
}

/**
 * Runs bench/load.mjs in its own process and returns its JSON result, plus the CPU time used meanwhile by each
 * process of `watch` ({name: pid}), by the load generator, and by everything else on the machine (`others`).
 */
export async function runLoad(spec, watch = {}) {
  const { execFile } = await import('node:child_process');
  const before = Object.fromEntries(Object.entries(watch).map(([k, pid]) => [k, cpuMs(pid)]));
  const busy0 = machineBusyMs();
  const t0 = now();
  const result = await new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bench', 'load.mjs'), JSON.stringify(spec)],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`load generator failed: ${err.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      },
    );
  });
  const wallMs = now() - t0;
  const cpu = Object.fromEntries(Object.entries(watch).map(([k, pid]) => [k, cpuMs(pid) - before[k]]));
  cpu.loadGenerator = result.cpuMs;
  const ours = Object.values(cpu).reduce((a, b) => a + (b ?? 0), 0);
  cpu.others = Math.max(0, machineBusyMs() - busy0 - ours);
  result.cpu = cpu;
  result.wallMs = wallMs;
  result.othersCoreShare = cpu.others / wallMs; // cores' worth of CPU other processes took meanwhile
  return result;
}

export async function deleteRedisPrefix(prefix) {
  const { default: Redis } = await import('ioredis');
  const r = new Redis('redis://127.0.0.1:6379/0');
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) n += await r.del(...keys);
  } while (cursor !== '0');
  await r.quit();
  return n;
}

/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** Busy time of the whole machine (all cores) so far, in ms, from /proc/stat. */
export function machineBusyMs() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line;
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100;
}

/** Pids of processes whose command line contains `needle` (e.g. redis-server, mariadbd). */
export function pidsOf(needle) {
  const out = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle)) out.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}
