import { Body, Controller, HttpCode, Post, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { WebhookAnswerDto } from './webhook.dto';
import { WebhookService } from './webhook.service';

@ApiTags('webhook')
@Controller('webhook')
export class WebhookController {
  constructor(private readonly webhook: WebhookService) {}

  /** The body arrives as text (see app.setup.ts): parsed here bigint-safe, never by JSON.parse. */
  @Public()
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Gewe callbacks (authenticated by the key in the robot’s callback URL)' })
  @ApiQuery({ name: 'key', required: true, description: 'The key from the robot’s callbackUrl' })
  @ApiBody({ schema: { type: 'object', additionalProperties: true }, description: 'A Gewe callback' })
  @ApiOkResponse({ type: WebhookAnswerDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed JSON or no Appid' })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or wrong key' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown Appid (or token, for the probe)' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Could not be stored; send again' })
  receive(
    @Body() body: unknown,
    @Query('key') key: string | undefined,
    @Req() req: Request & { id?: string },
  ): Promise<WebhookAnswerDto> {
    return this.webhook.accept(body, typeof key === 'string' ? key : undefined, req.id ?? null);
  }
}
