// What the advanced queue alone costs per callback: BullMQ on the real Redis in one process, jobs shaped as the
// service's (the text sample's body as the payload, jobId = the dedup key, attempts, backoff, removeOnComplete by
// age), added as the webhook adds them (HEXISTS + add on a producer connection with auto-pipelining) and taken by a
// Worker with the service's concurrency running a no-op. No HTTP, no database, no plugin: the floor under the
// service's advanced mode. Paced like the e2e load (a batch every millisecond) at each rate, CPU from
// process.cpuUsage() (every thread of this process), from the first add to the last job completed.
//
//   node bench/bullmq-floor.mjs [--rates=1000,2000] [--seconds=5]
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { deleteRedisPrefix, nextIdBase, r0, sleep, textTemplate } from './lib.mjs';

const CONCURRENCY = 16; // queue.concurrency's default

export async function measureBullFloor({ rates = [1000], seconds = 5 } = {}) {
  const prefix = `og-bench-floor:${process.pid}-${Date.now().toString(36)}:`;
  const bullPrefix = `${prefix}bull`;
  const name = 'opengewe_messages';
  const producer = new Redis('redis://127.0.0.1:6379/0', { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  const workerConn = new Redis('redis://127.0.0.1:6379/0', { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection: producer, prefix: bullPrefix });
  let done = 0;
  const worker = new Worker(name, async () => undefined, {
    connection: workerConn,
    prefix: bullPrefix,
    concurrency: CONCURRENCY,
    autorun: true,
  });
  worker.on('completed', () => done++);
  const [head, tail] = textTemplate('wx_floor');
  const results = [];
  try {
    await queue.waitUntilReady();
    await worker.waitUntilReady();
    let idBase = BigInt(nextIdBase());
    for (const rate of [400, ...rates]) {
      const warm = rate === 400 && results.length === 0;
      const total = Math.round(rate * (warm ? 3 : seconds));
      done = 0;
      let sent = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await new Promise((resolve) => {
        const tick = setInterval(() => {
          // what is due by now (a timer fires every ~1.1 ms, not every 1 ms)
          const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
          while (sent < due) {
            const newMsgId = String(idBase + BigInt(sent++));
            const body = head + newMsgId + tail;
            const dedupKey = `1-${newMsgId}`;
            void Promise.all([
              producer.hexists(`${bullPrefix}:${name}:${dedupKey}`, 'data'),
              queue.add(
                'callback',
                { robotId: 1, payload: body, dedupKey, requestId: null, receivedAt: new Date().toISOString() },
                {
                  jobId: dedupKey,
                  attempts: 3,
                  backoff: { type: 'exponential', delay: 1000 },
                  removeOnComplete: { age: 600 },
                  removeOnFail: false,
                },
              ),
            ]);
          }
          if (sent >= total) {
            clearInterval(tick);
            resolve();
          }
        }, 1);
      });
      while (done < total) await sleep(5);
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - t0;
      idBase += BigInt(total);
      if (warm) continue;
      results.push({
        rate,
        jobs: total,
        cpuUsPerJob: r0((cpu.user + cpu.system) / total),
        jobsPerSecond: r0((total / wallMs) * 1000),
      });
    }
  } finally {
    await worker.close();
    await queue.close();
    producer.disconnect();
    workerConn.disconnect();
    await deleteRedisPrefix(prefix);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (n) => process.argv.find((a) => a.startsWith(`--${n}=`))?.split('=')[1];
  const rates = arg('rates') ? arg('rates').split(',').map(Number) : [1000, 2000];
  const seconds = Number(arg('seconds') ?? 5);
  console.log(JSON.stringify(await measureBullFloor({ rates, seconds }), null, 1));
}
