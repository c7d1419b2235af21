import { Injectable } from '@nestjs/common';
import { AiAnswer, AiBackendConfig, AiClient, AiError, AiRequest } from './ai.types';

/**
 * PART ai: the OpenAI-compatible and Dify backends (streaming, retries with backoff, fallback model, metrics).
 * The skeleton refuses every call.
 */
@Injectable()
export class AiClientService implements AiClient {
  chat(backend: AiBackendConfig, _request: AiRequest): Promise<AiAnswer> {
    return Promise.reject(new AiError('AI_NOT_CONFIGURED', `the ${backend.provider} backend is not built yet`));
  }
}
