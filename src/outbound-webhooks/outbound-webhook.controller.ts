import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { AdminOnly, CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { PaginationQueryDto } from '../common/dto/pagination.dto';
import { IdParam } from '../common/id-param.pipe';
import {
  OutboundAttemptListResponseDto,
  OutboundDeliveryListResponseDto,
  OutboundDeliveryQueryDto,
  OutboundDeliveryResponseDto,
  OutboundReplayResponseDto,
  OutboundTestResponseDto,
  OutboundWebhookCreateDto,
  OutboundWebhookListResponseDto,
  OutboundWebhookResponseDto,
  OutboundWebhookSecretResponseDto,
  OutboundWebhookUpdateDto,
} from './dto/outbound-webhook.dto';
import { OutboundWebhookService } from './outbound-webhook.service';

/** Subscriptions that push WeChat events to other systems, signed per Standard Webhooks. Admins only. */
@ApiTags('outbound-webhooks')
@ApiBearerAuth()
@ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Admins only' })
@AdminOnly()
@Controller('outbound-webhooks')
export class OutboundWebhookController {
  constructor(private readonly hooks: OutboundWebhookService) {}

  @Get()
  @ApiOperation({ summary: 'The outbound webhook subscriptions (secrets never shown)' })
  @ApiOkResponse({ type: OutboundWebhookListResponseDto })
  list(@Query() q: PaginationQueryDto): Promise<OutboundWebhookListResponseDto> {
    return this.hooks.list(q.page, q.limit);
  }

  @Post()
  @Audit('outbound_webhook.create', { target: 'outbound_webhook' })
  @ApiOperation({ summary: 'Subscribe a URL to events; the answer shows the whsec_ secret, once' })
  @ApiCreatedResponse({ type: OutboundWebhookSecretResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'OUTBOUND_URL_INVALID, OUTBOUND_TARGET_REFUSED…' })
  create(
    @Body() dto: OutboundWebhookCreateDto,
    @CurrentUser() user: AuthUser,
  ): Promise<OutboundWebhookSecretResponseDto> {
    return this.hooks.create(dto, user.username);
  }

  @Get(':webhook_id')
  @ApiOperation({ summary: 'One subscription' })
  @ApiOkResponse({ type: OutboundWebhookResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@IdParam('webhook_id') id: number): Promise<OutboundWebhookResponseDto> {
    return this.hooks.get(id);
  }

  @Put(':webhook_id')
  @Audit('outbound_webhook.update', { target: 'outbound_webhook' })
  @ApiOperation({ summary: 'Change a subscription (URL, filters, description, active)' })
  @ApiOkResponse({ type: OutboundWebhookResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  update(
    @IdParam('webhook_id') id: number,
    @Body() dto: OutboundWebhookUpdateDto,
  ): Promise<OutboundWebhookResponseDto> {
    return this.hooks.update(id, dto);
  }

  @Delete(':webhook_id')
  @HttpCode(204)
  @Audit('outbound_webhook.delete', { target: 'outbound_webhook' })
  @ApiOperation({ summary: 'Delete a subscription with its deliveries and log' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  remove(@IdParam('webhook_id') id: number): Promise<void> {
    return this.hooks.remove(id);
  }

  @Post(':webhook_id/rotate-secret')
  @HttpCode(200)
  @Audit('outbound_webhook.rotate_secret', { target: 'outbound_webhook', body: false })
  @ApiOperation({ summary: 'A new secret at once (the old one stops signing); shown once' })
  @ApiOkResponse({ type: OutboundWebhookSecretResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  rotate(@IdParam('webhook_id') id: number): Promise<OutboundWebhookSecretResponseDto> {
    return this.hooks.rotateSecret(id);
  }

  @Post(':webhook_id/test')
  @HttpCode(200)
  @Audit('outbound_webhook.test', { target: 'outbound_webhook', body: false })
  @ApiOperation({ summary: 'Queue a webhook.test event for the subscription (see its delivery log)' })
  @ApiOkResponse({ type: OutboundTestResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'OUTBOUND_WEBHOOK_INACTIVE' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  test(@IdParam('webhook_id') id: number, @CurrentUser() user: AuthUser): Promise<OutboundTestResponseDto> {
    return this.hooks.test(id, user.username);
  }

  @Get(':webhook_id/attempts')
  @ApiOperation({ summary: 'The delivery log: each try, newest first (status, latency, answer excerpt, error code)' })
  @ApiOkResponse({ type: OutboundAttemptListResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  attempts(@IdParam('webhook_id') id: number, @Query() q: PaginationQueryDto): Promise<OutboundAttemptListResponseDto> {
    return this.hooks.attemptLog(id, q.page, q.limit);
  }

  @Get(':webhook_id/deliveries')
  @ApiOperation({ summary: 'Deliveries, newest first; status=dead lists the dead letters' })
  @ApiOkResponse({ type: OutboundDeliveryListResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  deliveries(
    @IdParam('webhook_id') id: number,
    @Query() q: OutboundDeliveryQueryDto,
  ): Promise<OutboundDeliveryListResponseDto> {
    return this.hooks.deliveryList(id, q);
  }

  @Post(':webhook_id/deliveries/replay')
  @HttpCode(200)
  @Audit('outbound_webhook.replay_all', { target: 'outbound_webhook', targetParam: 'webhook_id', body: false })
  @ApiOperation({ summary: 'Replay every dead letter of the subscription' })
  @ApiOkResponse({ type: OutboundReplayResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  replayAll(@IdParam('webhook_id') id: number): Promise<OutboundReplayResponseDto> {
    return this.hooks.replayAll(id);
  }

  @Post(':webhook_id/deliveries/:delivery_id/replay')
  @HttpCode(200)
  @Audit('outbound_webhook.replay', { target: 'outbound_webhook', targetParam: 'webhook_id', body: false })
  @ApiOperation({ summary: 'Replay one dead letter (same body and webhook-id, from the first attempt)' })
  @ApiOkResponse({ type: OutboundDeliveryResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'OUTBOUND_DELIVERY_NOT_DEAD' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  replay(
    @IdParam('webhook_id') id: number,
    @IdParam('delivery_id') deliveryId: number,
  ): Promise<OutboundDeliveryResponseDto> {
    return this.hooks.replay(id, deliveryId);
  }
}
