import { getQueueToken } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { FileEntity } from '../../src/file/file.entity';
import { MEDIA_QUEUE, MEDIA_WORKER } from '../../src/file/media-bull.queue';
import { MediaDownloadQueue } from '../../src/file/media-download-queue';
import { CALLBACK_QUEUE, CALLBACK_WORKER } from '../../src/queue/bullmq.queue';
import { CallbackQueue } from '../../src/queue/callback-queue';
import type { JobWorker } from '../../src/redis/bullmq';
import { cleanRedis, describeWithRedis, queueOverrides, redisPrefix } from '../support/services';
import { createTestApp, describeE2E, destroyTestApp, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };

const has = (t: TestApp, token: unknown): boolean => {
  try {
    t.app.get(token as string, { strict: false });
    return true;
  } catch {
    return false;
  }
};

describeE2E('queue wiring', () => {
  describe('simple queue', () => {
    let t: App;
    beforeAll(async () => {
      t = await createTestApp({ overrides: queueOverrides('simple', 'unused:') });
    });
    afterAll(() => destroyTestApp(t));

    it('registers no BullMQ at all: callbacks go to the inbox table, downloads to the files table', () => {
      expect(t.app.get(CallbackQueue, { strict: false }).type).toBe('simple');
      expect(t.app.get(MediaDownloadQueue, { strict: false }).type).toBe('simple');
      for (const token of [getQueueToken(CALLBACK_QUEUE), getQueueToken(MEDIA_QUEUE), CALLBACK_WORKER, MEDIA_WORKER])
        expect({ token: String(token), registered: has(t, token) }).toEqual({
          token: String(token),
          registered: false,
        });
    });
  });

  describeWithRedis('advanced queue', () => {
    const prefix = redisPrefix('queue-wiring');
    const apps: App[] = [];
    afterAll(async () => {
      for (const a of apps) await destroyTestApp(a);
      await cleanRedis(prefix);
    });
    const advanced = (backend: Record<string, unknown> = {}) => {
      const o = queueOverrides('advanced', prefix);
      return {
        ...o,
        backend: { ...o.backend, ...backend },
        queue: { ...o.queue, name: 'wiring_q', concurrency: 5, lock_duration: '7s', stalled_interval: '900ms' },
        files: { concurrency: 3 },
      };
    };

    it('registers both queues through @nestjs/bullmq, with workers tuned by the config', async () => {
      const t = await createTestApp({ overrides: advanced() });
      apps.push(t);
      expect(t.app.get(CallbackQueue, { strict: false }).type).toBe('advanced');
      expect(t.app.get(MediaDownloadQueue, { strict: false }).type).toBe('advanced');
      const callbacks = t.app.get<Queue>(getQueueToken(CALLBACK_QUEUE), { strict: false });
      const media = t.app.get<Queue>(getQueueToken(MEDIA_QUEUE), { strict: false });
      expect({ name: callbacks.name, prefix: callbacks.opts.prefix }).toEqual({
        name: 'wiring_q',
        prefix: `${prefix}bull`,
      });
      expect({ name: media.name, prefix: media.opts.prefix }).toEqual({
        name: 'wiring_q-media',
        prefix: `${prefix}bull`,
      });

      const callbackWorker = t.app.get<JobWorker<unknown>>(CALLBACK_WORKER, { strict: false }).worker;
      expect(callbackWorker.name).toBe('wiring_q');
      expect(callbackWorker.opts).toMatchObject({
        prefix: `${prefix}bull`,
        concurrency: 5,
        lockDuration: 7000,
        stalledInterval: 900,
        maxStalledCount: 3,
      });
      expect(callbackWorker.isRunning()).toBe(true);
      const mediaWorker = t.app.get<JobWorker<{ fileId: number }>>(MEDIA_WORKER, { strict: false }).worker;
      expect(mediaWorker.name).toBe('wiring_q-media');
      expect(mediaWorker.opts).toMatchObject({ concurrency: 3, maxStalledCount: 3 });

      // a download is a BullMQ job of the media queue, tried by its worker, its outcome kept in the files row
      const files = t.app.get(DataSource).getRepository(FileEntity);
      const row = await files.save(
        files.create({
          robotId: 1,
          messageId: 1,
          newMsgId: null,
          kind: 'video',
          chatId: null,
          senderWxid: null,
          originalName: null,
          status: 'pending',
          source: null, // nothing to download from: a permanent failure at the first try
          attempts: 0,
          nextAttemptAt: new Date(),
          claimedAt: null,
          inlineName: null,
          error: null,
        }),
      );
      const completed: string[] = [];
      mediaWorker.on('completed', (job: Job) => completed.push(String(job.id)));
      await t.app.get(MediaDownloadQueue, { strict: false }).enqueue(row.id);
      await waitFor(() => completed.includes(`file-${row.id}`), 10_000, 'the media job completed');
      expect(await files.findOneByOrFail({ id: row.id })).toMatchObject({ status: 'failed', attempts: 1 });
    });

    it('registers no worker on an instance that only accepts callbacks (backend.role = "webhook")', async () => {
      const t = await createTestApp({ overrides: advanced({ role: 'webhook' }) });
      apps.push(t);
      expect(has(t, getQueueToken(CALLBACK_QUEUE))).toBe(true);
      expect(has(t, getQueueToken(MEDIA_QUEUE))).toBe(true);
      expect(has(t, CALLBACK_WORKER)).toBe(false);
      expect(has(t, MEDIA_WORKER)).toBe(false);
    });
  });
});
