import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { TokenScope } from '../auth/api-token.scopes';
import { assertChatId } from '../common/chat-id';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { IdParam } from '../common/id-param.pipe';
import { DirectorySyncService } from './directory-sync.service';
import { DirectoryService } from './directory.service';
import {
  ContactListQueryDto,
  ContactListResponseDto,
  ContactResponseDto,
  DirectorySyncResponseDto,
  MemberListQueryDto,
  MemberListResponseDto,
} from './dto/directory.dto';

@ApiTags('directory')
@ApiBearerAuth()
@Controller('robots/:robot_id')
export class DirectoryController {
  constructor(
    private readonly directory: DirectoryService,
    private readonly sync: DirectorySyncService,
  ) {}

  @Get('contacts')
  @TokenScope('robots:read')
  @ApiOperation({ summary: "A robot's contacts and groups (friends, groups, official accounts, strangers), by name" })
  @ApiOkResponse({ type: ContactListResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot' })
  list(@IdParam('robot_id') id: number, @Query() q: ContactListQueryDto): Promise<ContactListResponseDto> {
    return this.directory.list(id, q);
  }

  @Get('contacts/:wxid')
  @TokenScope('robots:read')
  @ApiOperation({ summary: 'One contact or group of the directory' })
  @ApiOkResponse({ type: ContactResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A malformed id (INVALID_CHAT_ID)' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot or contact (CONTACT_NOT_FOUND)' })
  one(@IdParam('robot_id') id: number, @Param('wxid') wxid: string): Promise<ContactResponseDto> {
    return this.directory.get(id, assertChatId(wxid));
  }

  @Get('groups/:chat_id/members')
  @TokenScope('robots:read')
  @ApiOperation({ summary: "A group's members with their group display names" })
  @ApiOkResponse({ type: MemberListResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A malformed group id (INVALID_CHAT_ID)' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot' })
  members(
    @IdParam('robot_id') id: number,
    @Param('chat_id') chatId: string,
    @Query() q: MemberListQueryDto,
  ): Promise<MemberListResponseDto> {
    return this.directory.memberPage(id, assertChatId(chatId), q);
  }

  @Get('directory/sync')
  @TokenScope('robots:read')
  @ApiOperation({ summary: "The robot's last directory sync: state, phase, progress" })
  @ApiOkResponse({ type: DirectorySyncResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot' })
  status(@IdParam('robot_id') id: number): Promise<DirectorySyncResponseDto> {
    return this.sync.status(id);
  }

  @Post('directory/sync')
  @TokenScope('robots:write')
  @Audit('directory.sync', { target: 'robot', targetParam: 'robot_id' })
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Fetch the robot's contacts and groups from Gewe (paced, in the background, resumed after a restart); answers the sync as started, or the one running",
  })
  @ApiAcceptedResponse({ type: DirectorySyncResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The robot is not online (ROBOT_NOT_ONLINE)' })
  start(@IdParam('robot_id') id: number): Promise<DirectorySyncResponseDto> {
    return this.sync.start(id);
  }
}
