import { Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { GeweModule } from '../gewe/gewe.module';
import { RobotModule } from '../robot/robot.module';
import { BlobStore } from './blob-store';
import { DownloadAttempts } from './download-attempts';
import { FileDownloader } from './file-downloader';
import { FileRetention } from './file-retention';
import { FileController } from './file.controller';
import { FileEntity } from './file.entity';
import { FileService } from './file.service';
import { FileWorker } from './file.worker';
import { MediaBullQueue } from './media-bull.queue';
import { MediaDownloadQueue } from './media-download-queue';
import { MediaFetcher } from './media-fetcher';

/** Starts the media downloads when this instance's role processes callbacks; on shutdown hands back those running. */
@Injectable()
export class MediaDownloadConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly downloads: MediaDownloadQueue,
    private readonly attempts: DownloadAttempts,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.backend.role !== 'webhook') this.downloads.consume(this.attempts);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.downloads.close();
  }
}

/**
 * Media of messages: the download jobs (a files row each, scheduled through the MediaDownloadQueue port: the table
 * pumped by FileWorker in simple mode, a BullMQ queue in advanced mode), the content-addressed store on disk,
 * retention, and the file API. Imported by the queue (the processor queues downloads), the plugins
 * (`ctx.downloadMedia()`) and the message log (a message's files); it imports none of them.
 */
@Module({
  imports: [TypeOrmModule.forFeature([FileEntity]), RobotModule, GeweModule],
  controllers: [FileController],
  providers: [
    BlobStore,
    MediaFetcher,
    FileDownloader,
    DownloadAttempts,
    FileWorker,
    {
      // MediaBullQueue exists in advanced mode only (MediaBullModule, imported by AppModule then)
      provide: MediaDownloadQueue,
      inject: [APP_CONFIG, FileWorker, { token: MediaBullQueue, optional: true }],
      useFactory: (config: AppConfig, table: FileWorker, bull?: MediaBullQueue): MediaDownloadQueue => {
        if (config.queue.queue_type !== 'advanced') return table;
        if (!bull) throw new Error('queue.queue_type = "advanced" needs MediaBullModule');
        return bull;
      },
    },
    MediaDownloadConsumer,
    FileService,
    FileRetention,
  ],
  exports: [FileService],
})
export class FileModule {}
