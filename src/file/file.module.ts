import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GeweModule } from '../gewe/gewe.module';
import { RobotModule } from '../robot/robot.module';
import { BlobStore } from './blob-store';
import { FileDownloader } from './file-downloader';
import { FileRetention } from './file-retention';
import { FileController } from './file.controller';
import { FileEntity } from './file.entity';
import { FileService } from './file.service';
import { FileWorker } from './file.worker';
import { MediaFetcher } from './media-fetcher';

/**
 * Media of messages: the download jobs (rows of `files`, pumped by FileWorker), the content-addressed store on disk,
 * retention, and the file API. Imported by the queue (the processor queues downloads), the plugins
 * (`ctx.downloadMedia()`) and the message log (a message's files); it imports none of them.
 */
@Module({
  imports: [TypeOrmModule.forFeature([FileEntity]), RobotModule, GeweModule],
  controllers: [FileController],
  providers: [BlobStore, MediaFetcher, FileDownloader, FileWorker, FileService, FileRetention],
  exports: [FileService],
})
export class FileModule {}
