import { Module } from '@nestjs/common';
import { AiClientService } from './ai.client';

/** AI backends for plugins: OpenAI-compatible Chat Completions and Dify apps. */
@Module({
  providers: [AiClientService],
  exports: [AiClientService],
})
export class AiModule {}
