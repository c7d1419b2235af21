import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { TokenScope } from '../auth/api-token.scopes';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { IdParam } from '../common/id-param.pipe';
import {
  GroupAnnouncementResponseDto,
  GroupAnnouncementSetDto,
  GroupInviteDto,
  GroupInviteResponseDto,
  GroupMembersDto,
  GroupMembersResultDto,
  GroupOkResponseDto,
  GroupQrCodeResponseDto,
  GroupRenameDto,
} from './dto/group-action.dto';
import { GroupActionsService } from './group-actions.service';

const TARGET = { target: 'group', targetParam: 'chat_id' } as const;

@ApiTags('relations')
@ApiBearerAuth()
@ApiBadRequestResponse({ type: ErrorResponseDto, description: 'chat_id is not a group id (NOT_A_GROUP)' })
@ApiConflictResponse({ type: ErrorResponseDto, description: 'The robot is not online (ROBOT_NOT_ONLINE)' })
@ApiForbiddenResponse({
  type: ErrorResponseDto,
  description: 'WeChat refused: not the owner or an admin (GROUP_NOT_OWNER), or a paid-only call (GEWE_PAID_FEATURE)',
})
@ApiBadGatewayResponse({ type: ErrorResponseDto, description: "Gewe refused otherwise (with Gewe's reason)" })
@Controller('robots/:robot_id/groups/:chat_id')
export class GroupActionsController {
  constructor(private readonly groups: GroupActionsService) {}

  @Post('invite')
  @HttpCode(200)
  @Audit('group.invite', TARGET)
  @TokenScope('robots:write')
  @ApiOperation({
    summary:
      'Invite people into a group (waits in the send governor). Below 40 members WeChat adds them at once; from 40 ' +
      'on it sends each an invitation link to accept (mode in the answer)',
  })
  @ApiOkResponse({ type: GroupInviteResponseDto })
  invite(
    @IdParam('robot_id') robotId: number,
    @Param('chat_id') chatId: string,
    @Body() dto: GroupInviteDto,
  ): Promise<GroupInviteResponseDto> {
    return this.groups.invite(robotId, chatId, dto.wxids, dto.reason);
  }

  @Post('remove')
  @HttpCode(200)
  @Audit('group.remove', TARGET)
  @TokenScope('robots:write')
  @ApiOperation({ summary: 'Remove members from a group (owner or admin only)' })
  @ApiOkResponse({ type: GroupMembersResultDto })
  remove(
    @IdParam('robot_id') robotId: number,
    @Param('chat_id') chatId: string,
    @Body() dto: GroupMembersDto,
  ): Promise<GroupMembersResultDto> {
    return this.groups.remove(robotId, chatId, dto.wxids);
  }

  @Put('name')
  @Audit('group.rename', TARGET)
  @TokenScope('robots:write')
  @ApiOperation({ summary: "Rename a group (WeChat may allow only the owner, depending on the group's settings)" })
  @ApiOkResponse({ type: GroupOkResponseDto })
  rename(
    @IdParam('robot_id') robotId: number,
    @Param('chat_id') chatId: string,
    @Body() dto: GroupRenameDto,
  ): Promise<GroupOkResponseDto> {
    return this.groups.rename(robotId, chatId, dto.name);
  }

  @Get('announcement')
  @TokenScope('robots:read')
  @ApiOperation({ summary: "A group's announcement" })
  @ApiOkResponse({ type: GroupAnnouncementResponseDto })
  announcement(
    @IdParam('robot_id') robotId: number,
    @Param('chat_id') chatId: string,
  ): Promise<GroupAnnouncementResponseDto> {
    return this.groups.announcement(robotId, chatId);
  }

  @Put('announcement')
  @Audit('group.announcement', { ...TARGET, body: false })
  @TokenScope('robots:write')
  @ApiOperation({
    summary: "Set a group's announcement (owner or admin; notifies every member, waits in the governor)",
  })
  @ApiOkResponse({ type: GroupOkResponseDto })
  setAnnouncement(
    @IdParam('robot_id') robotId: number,
    @Param('chat_id') chatId: string,
    @Body() dto: GroupAnnouncementSetDto,
  ): Promise<GroupOkResponseDto> {
    return this.groups.setAnnouncement(robotId, chatId, dto.content);
  }

  @Post('quit')
  @HttpCode(200)
  @Audit('group.quit', TARGET)
  @TokenScope('robots:write')
  @ApiOperation({ summary: 'The robot leaves the group' })
  @ApiOkResponse({ type: GroupOkResponseDto })
  quit(@IdParam('robot_id') robotId: number, @Param('chat_id') chatId: string): Promise<GroupOkResponseDto> {
    return this.groups.quit(robotId, chatId);
  }

  @Get('qrcode')
  @TokenScope('robots:read')
  @ApiOperation({ summary: "The group's QR code (an image as a data URL; valid 7 days)" })
  @ApiOkResponse({ type: GroupQrCodeResponseDto })
  qrCode(@IdParam('robot_id') robotId: number, @Param('chat_id') chatId: string): Promise<GroupQrCodeResponseDto> {
    return this.groups.qrCode(robotId, chatId);
  }
}
