import { Body, Controller, HttpCode, Post, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { clientIp } from '../rate-limit/rate-limit.guard';
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
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed JSON or no Appid (the key was right)' })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description:
      'WEBHOOK_UNAUTHORIZED, one answer for every failure: no key, a wrong key, an Appid (or, for the probe, a token) that is not the key’s. The key is checked before the body is read.',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description:
      'WEBHOOK_RATE_LIMITED: too many refused callbacks from this IP (backend.webhook_max_refusals_per_ip); accepted callbacks are never counted',
  })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Could not be stored; send again' })
  receive(
    @Body() body: unknown,
    @Query('key') key: string | undefined,
    @Req() req: Request & { id?: string },
  ): Promise<WebhookAnswerDto> {
    return this.webhook.accept(body, typeof key === 'string' ? key : undefined, req.id ?? null, clientIp(req));
  }
}
