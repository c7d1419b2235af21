// The accept benchmark's baseline: the thinnest NestJS-on-express app (the service's own @nestjs/* packages) whose
// only route adds the request body to a BullMQ queue. No auth, no logging, no helmet/CORS, no robot lookup, no
// dedup check: Nest's default JSON body parser, then `queue.add`. Decorators are applied as functions (plain .mjs).
//
//   PORT=… REDIS_URL=redis://127.0.0.1:6379/0 PREFIX=… NODE_ENV=production node bench/baseline/main.mjs
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import Redis from 'ioredis';

const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0', { maxRetriesPerRequest: 1 });
const queue = new Queue('baseline_messages', { connection, prefix: `${process.env.PREFIX ?? 'og-baseline:'}bull` });

class WebhookController {
  async receive(body) {
    await queue.add('callback', body);
    return { status: 'success', message: 'Accepted' };
  }
}
Controller('api/webhook')(WebhookController);
const receive = Object.getOwnPropertyDescriptor(WebhookController.prototype, 'receive');
Post()(WebhookController.prototype, 'receive', receive);
HttpCode(200)(WebhookController.prototype, 'receive', receive);
Body()(WebhookController.prototype, 'receive', 0);

class AppModule {}
Module({ controllers: [WebhookController] })(AppModule);

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
process.once('SIGTERM', async () => {
  await app.close();
  await queue.close();
  connection.disconnect();
  process.exit(0);
});
