import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TokenScope } from '../auth/api-token.scopes';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { IdParam } from '../common/id-param.pipe';
import { ChatListService } from './chat-list.service';
import { ChatListQueryDto, ChatListResponseDto } from './dto/chat.dto';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('robots/:robot_id/chats')
export class ChatController {
  constructor(private readonly chats: ChatListService) {}

  @Get()
  @TokenScope('messages:read')
  @ApiOperation({
    summary:
      "A robot's chats: those of its message log (newest first) and those with plugin settings, named where known",
  })
  @ApiOkResponse({ type: ChatListResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot' })
  list(@IdParam('robot_id') id: number, @Query() q: ChatListQueryDto): Promise<ChatListResponseDto> {
    return this.chats.list(id, q);
  }
}
