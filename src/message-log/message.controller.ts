import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly, CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { IdParam } from '../common/id-param.pipe';
import {
  MessageDetailResponseDto,
  MessageListQueryDto,
  MessageListResponseDto,
  MessageRateQueryDto,
  MessageRateResponseDto,
  ReplayDto,
  ReplayResponseDto,
} from './dto/message.dto';
import { MessageLogService } from './message-log.service';
import { MessageReplayService } from './message-replay.service';
import { Audit } from '../audit/audit.decorator';
import { TokenScope } from '../auth/api-token.scopes';
import { reachableRobots } from '../auth/robot-access';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('messages')
export class MessageController {
  constructor(
    private readonly messages: MessageLogService,
    private readonly replays: MessageReplayService,
  ) {}

  @Get()
  @TokenScope('messages:read')
  @ApiOperation({ summary: 'The message log, newest first' })
  @ApiOkResponse({ type: MessageListResponseDto })
  list(@Query() q: MessageListQueryDto, @CurrentUser() user: AuthUser): Promise<MessageListResponseDto> {
    return this.messages.list(q, reachableRobots(user));
  }

  @Get('rate')
  @ApiOperation({ summary: 'Messages logged per minute over the last minutes (for a chart)' })
  @ApiOkResponse({ type: MessageRateResponseDto })
  rate(@Query() q: MessageRateQueryDto): Promise<MessageRateResponseDto> {
    return this.messages.rate(q);
  }

  @Get(':message_id')
  @TokenScope('messages:read')
  @ApiOperation({ summary: 'One message with its raw callback and what each plugin did' })
  @ApiOkResponse({ type: MessageDetailResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@IdParam('message_id') id: number, @CurrentUser() user: AuthUser): Promise<MessageDetailResponseDto> {
    return this.messages.get(id, reachableRobots(user));
  }

  @AdminOnly()
  @Post(':message_id/replay')
  @Audit('message.replay', { target: 'message' })
  @HttpCode(200)
  @ApiOperation({ summary: 'Hand a logged message to the plugins again (optionally one plugin)' })
  @ApiOkResponse({ type: ReplayResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto })
  replay(@IdParam('message_id') id: number, @Body() dto: ReplayDto): Promise<ReplayResponseDto> {
    return this.replays.replay(id, dto.plugin);
  }
}
