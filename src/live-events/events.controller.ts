import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import {
  AlertEventDto,
  EventsQueryDto,
  LogEventDto,
  MessageEventDto,
  PluginFailureEventDto,
  QueueDepthEventDto,
  ReadyEventDto,
  RobotStatusEventDto,
  StreamNoticeEventDto,
} from './dto/events.dto';

import { EventsService } from './events.service';

const EVENT_MODELS = [
  RobotStatusEventDto,
  MessageEventDto,
  AlertEventDto,
  PluginFailureEventDto,
  QueueDepthEventDto,
  LogEventDto,
  ReadyEventDto,
  StreamNoticeEventDto,
];

@ApiTags('events')
@ApiBearerAuth()
@ApiExtraModels(...EVENT_MODELS)
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiOperation({
    summary: 'Live events (Server-Sent Events)',
    description:
      'A text/event-stream of `robot.status` (RobotStatusEventDto), `message` (MessageEventDto), `alert` ' +
      '(AlertEventDto), `plugin.failure` ' +
      '(PluginFailureEventDto), `queue.depth` (QueueDepthEventDto, when the counts change) and — for admins who ask ' +
      'with ?logLevel= — `log` (LogEventDto) events, each with an id. Starts with `ready` (ReadyEventDto); ' +
      'reconnect with the Last-Event-ID header (or ?lastEventId=) ' +
      'to get what was missed, or `resync` when that is no longer possible. A comment line every 15 s keeps it ' +
      'alive; `end` closes it when the session ends or the access token expires (reconnect with a fresh token). ' +
      'EventSource cannot send headers: pass the token as ?access_token= (this route only). Needs an access token.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'The event stream (it does not end by itself). Each event is `id:`, `event:` (its name) and `data:` (JSON): ' +
      'robot.status → RobotStatusEventDto, message → MessageEventDto, alert → AlertEventDto, ' +
      'plugin.failure → PluginFailureEventDto, ' +
      'queue.depth → QueueDepthEventDto, log → LogEventDto, ready → ReadyEventDto, resync and end → ' +
      'StreamNoticeEventDto.',
    content: {
      'text/event-stream': { schema: { oneOf: EVENT_MODELS.map((m) => ({ $ref: getSchemaPath(m) })) } },
    },
  })
  stream(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentUser() user: AuthUser,
    @Query() q: EventsQueryDto,
    @Headers('last-event-id') lastEventIdHeader?: string,
  ): void {
    this.events.open(res, {
      user,
      lastEventId: lastEventIdHeader ?? q.lastEventId,
      expiresAt: tokenExpiry(req, q.access_token),
      logLevel: q.logLevel,
    });
  }
}

/** `exp` of the (already verified) access token that opened the stream, in ms. */
function tokenExpiry(req: Request, queryToken: string | undefined): number | null {
  const header = req.headers.authorization;
  const token = header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : queryToken;
  try {
    const claims = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}
