import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { TokenScope } from '../auth/api-token.scopes';
import { CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { notFound } from '../common/domain-error';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { IdParam } from '../common/id-param.pipe';
import { contentDisposition } from '../file/content-disposition';
import { ConversationService } from './conversation.service';
import {
  ConversationListQueryDto,
  ConversationListResponseDto,
  MessageExportQueryDto,
  ReadMarkDto,
  ReadMarkResponseDto,
  ThreadQueryDto,
  ThreadResponseDto,
} from './dto/conversation.dto';
import { MessageExportService } from './message-export.service';
import { OutgoingService } from './outgoing.service';
import { ChatIdPipe } from './chat-id.pipe';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('robots/:robot_id')
export class ConversationController {
  constructor(
    private readonly conversations: ConversationService,
    private readonly exports: MessageExportService,
    private readonly outgoing: OutgoingService,
  ) {}

  @Get('conversations')
  @TokenScope('messages:read')
  @ApiOperation({
    summary: "A robot's conversations by their last message, with the caller's unread counts",
  })
  @ApiOkResponse({ type: ConversationListResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot' })
  list(
    @IdParam('robot_id') robotId: number,
    @Query() q: ConversationListQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<ConversationListResponseDto> {
    return this.conversations.list(robotId, q, user);
  }

  @Put('conversations/:chat_id/read')
  @Audit('conversation.read', { target: 'robot', targetParam: 'robot_id' })
  @ApiOperation({ summary: 'Marks the chat read up to a message (default: its newest) for the caller; never back' })
  @ApiOkResponse({ type: ReadMarkResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'An API token (read marks are per user)' })
  read(
    @IdParam('robot_id') robotId: number,
    @Param('chat_id', ChatIdPipe) chatId: string,
    @Body() dto: ReadMarkDto,
    @CurrentUser() user: AuthUser,
  ): Promise<ReadMarkResponseDto> {
    return this.conversations.read(robotId, chatId, user, dto.messageId);
  }

  @Get('conversations/:chat_id/messages')
  @TokenScope('messages:read')
  @ApiOperation({
    summary: "A chat's messages, newest first, with names, files and quotes; and its sends still queued or failed",
  })
  @ApiOkResponse({ type: ThreadResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot' })
  thread(
    @IdParam('robot_id') robotId: number,
    @Param('chat_id', ChatIdPipe) chatId: string,
    @Query() q: ThreadQueryDto,
  ): Promise<ThreadResponseDto> {
    return this.conversations.thread(robotId, chatId, q);
  }

  @Delete('outgoing/:outgoing_id')
  @HttpCode(204)
  @Audit('message.dismiss', { target: 'robot', targetParam: 'robot_id' })
  @ApiOperation({ summary: 'Forgets a failed send (the console stops showing it)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No failed send with this id' })
  async dismiss(@IdParam('robot_id') robotId: number, @IdParam('outgoing_id') id: number): Promise<void> {
    if (!(await this.outgoing.dismiss(robotId, id)))
      throw notFound('NOT_FOUND', `Robot ${robotId} has no failed send ${id}`, { id });
  }

  @Get('messages/export')
  @TokenScope('messages:read')
  @ApiOperation({
    summary: "A robot's messages (a chat's, a date range) as CSV (UTF-8 with BOM) or JSON Lines, streamed",
  })
  @ApiOkResponse({
    description: 'The file, as an attachment',
    content: {
      'text/csv': { schema: { type: 'string', format: 'binary' } },
      'application/x-ndjson': { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot' })
  async export(@IdParam('robot_id') robotId: number, @Query() q: MessageExportQueryDto): Promise<StreamableFile> {
    const file = await this.exports.export(robotId, q);
    return new StreamableFile(file.stream, {
      type: file.contentType,
      disposition: contentDisposition(file.fileName),
    });
  }
}
