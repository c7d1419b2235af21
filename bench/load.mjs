// The load generator, run as its own process: `node bench/load.mjs '<json spec>'` prints one JSON line of results.
//
// spec: { mode: 'autocannon' | 'paced', url (http://host:port), targets: [{ path, head, tail }], idBase (decimal
//         string, > 2^53), connections, durationS, rate (paced: requests/s), timingsFile? }
//
// Every request is the text callback `head + <NewMsgId> + tail` with NewMsgId = idBase + n (a BigInt written as
// decimal text, so ids beyond 2^53 stay exact), sent to targets[n % targets.length] (one per robot).
//
// autocannon: closed loop, `connections` connections each sending its next request when the previous one is answered
// (the accept benchmark).
// paced: an open loop at a fixed offered rate, spread evenly over time (one batch per millisecond), through a
// keep-alive pool of `connections` sockets. autocannon's own overallRate is not used for the fixed rates because it
// sends each connection's quota for a second back to back at the start of that second (lib/httpClient.js,
// reqsMadeThisSecond) — bursts that would make the accept→handled latency measure the bursts, not the service.
// Each request's latency counts from the time it was due, so a stalled server cannot hide its queueing
// (no coordinated omission).
//
// timingsFile: one line per answered request, `<NewMsgId> <dueMs> <answeredMs> <status>` (epoch ms, µs precision).
import autocannon from 'autocannon';
import { createWriteStream } from 'node:fs';
import { Agent, request } from 'node:http';

const spec = JSON.parse(process.argv[2]);
const now = () => performance.timeOrigin + performance.now();
const base = BigInt(spec.idBase);
const targets = spec.targets;

const timings = spec.timingsFile ? [] : null;

function bodyOf(n) {
  const t = targets[n % targets.length];
  const id = (base + BigInt(n)).toString();
  return { id, path: t.path, body: t.head + id + t.tail };
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function runAutocannon() {
  let n = 0;
  const first = bodyOf(0);
  const started = now();
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: first.path,
        headers: { 'content-type': 'application/json' },
        body: first.body,
        setupRequest(req, context) {
          const b = bodyOf(n++);
          if (timings) {
            context.id = b.id;
            context.sent = now();
          }
          return { ...req, path: b.path, body: b.body };
        },
        onResponse(status, _body, context) {
          if (timings) timings.push(`${context.id} ${context.sent.toFixed(3)} ${now().toFixed(3)} ${status}`);
        },
      },
    ],
  });
  const ended = now();
  return {
    tool: `autocannon ${spec.connections} connections, ${spec.durationS} s`,
    sent: n,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: (ended - started) / 1000,
    reqPerSec: result['2xx'] / result.duration,
    reqPerSecAutocannon: result.requests.average,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
  };
}

async function runPaced() {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const [host, port] = new URL(spec.url).host.split(':');
  const total = Math.round(spec.rate * spec.durationS);
  const lat = [];
  let sent = 0;
  let answered = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const errorCodes = {};
  let done;
  const finished = new Promise((r) => (done = r));
  const start = now() + 20;
  const interval = 1000 / spec.rate;

  const fire = (n) => {
    const due = start + n * interval;
    const b = bodyOf(n);
    const req = request(
      {
        agent,
        host,
        port,
        method: 'POST',
        path: b.path,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b.body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const t = now();
          lat.push(t - due);
          if (res.statusCode >= 200 && res.statusCode < 300) ok++;
          else non2xx++;
          if (timings) timings.push(`${b.id} ${due.toFixed(3)} ${t.toFixed(3)} ${res.statusCode}`);
          if (++answered === total) done();
        });
      },
    );
    req.on('error', (err) => {
      errors++;
      errorCodes[err.code ?? err.message] = (errorCodes[err.code ?? err.message] ?? 0) + 1;
      if (++answered === total) done();
    });
    req.end(b.body);
  };

  const tick = () => {
    const due = Math.min(total, Math.floor((now() - start) / interval) + 1);
    while (sent < due) fire(sent++);
    if (sent < total) setTimeout(tick, 1);
  };
  const wait = start - now();
  setTimeout(tick, Math.max(0, wait));
  const guard = setTimeout(() => done(), (spec.durationS + 30) * 1000);
  await finished;
  clearTimeout(guard);
  const lastSent = start + (total - 1) * interval;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return {
    tool: `paced ${spec.rate}/s over ${spec.connections} keep-alive connections, ${spec.durationS} s`,
    sent,
    ok,
    non2xx,
    errors,
    unanswered: total - answered,
    errorCodes,
    offeredPerSec: spec.rate,
    loadStart: start,
    loadEnd: lastSent,
    durationS: (lastSent - start) / 1000,
    latencyMs: { p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99), max: lat[lat.length - 1] ?? null },
  };
}

const out = spec.mode === 'paced' ? await runPaced() : await runAutocannon();
if (timings) {
  const w = createWriteStream(spec.timingsFile);
  for (let i = 0; i < timings.length; i += 1000) w.write(timings.slice(i, i + 1000).join('\n') + '\n');
  await new Promise((r) => w.end(r));
}
const usage = process.cpuUsage();
out.cpuMs = (usage.user + usage.system) / 1000;
process.stdout.write(JSON.stringify(out) + '\n');
