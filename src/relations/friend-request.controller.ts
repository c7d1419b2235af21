import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { TokenScope } from '../auth/api-token.scopes';
import { CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { IdParam } from '../common/id-param.pipe';
import {
  FriendRequestAcceptDto,
  FriendRequestAcceptResponseDto,
  FriendRequestListQueryDto,
  FriendRequestListResponseDto,
  FriendRequestResponseDto,
} from './dto/friend-request.dto';
import { FriendRequestService } from './friend-request.service';

const actorOf = (u: AuthUser) => (u.token ? `token:${u.token.name}` : u.username);

@ApiTags('relations')
@ApiBearerAuth()
@Controller('robots/:robot_id/friend-requests')
export class FriendRequestController {
  constructor(private readonly requests: FriendRequestService) {}

  @Get()
  @TokenScope('robots:read')
  @ApiOperation({ summary: "A robot's friend requests, newest first (pending, accepted, ignored)" })
  @ApiOkResponse({ type: FriendRequestListResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot' })
  list(
    @IdParam('robot_id') robotId: number,
    @Query() q: FriendRequestListQueryDto,
  ): Promise<FriendRequestListResponseDto> {
    return this.requests.list(robotId, q);
  }

  @Post(':request_id/accept')
  @HttpCode(200)
  @Audit('friend_request.accept', { target: 'friend_request', targetParam: 'request_id', body: false })
  @TokenScope('robots:write')
  @ApiOperation({
    summary:
      'Accept a friend request (addContacts option 3), then send the greeting if given; both wait in the send governor. ' +
      'Accepting an accepted request answers it unchanged',
  })
  @ApiOkResponse({ type: FriendRequestAcceptResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot or request (FRIEND_REQUEST_NOT_FOUND)' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'Ignored already (FRIEND_REQUEST_NOT_PENDING), no tickets (FRIEND_REQUEST_INCOMPLETE), robot offline',
  })
  @ApiBadGatewayResponse({ type: ErrorResponseDto, description: 'Gewe refused' })
  accept(
    @IdParam('robot_id') robotId: number,
    @IdParam('request_id') id: number,
    @Body() dto: FriendRequestAcceptDto,
    @CurrentUser() user: AuthUser,
  ): Promise<FriendRequestAcceptResponseDto> {
    return this.requests.accept(robotId, id, dto, actorOf(user));
  }

  @Post(':request_id/ignore')
  @HttpCode(200)
  @Audit('friend_request.ignore', { target: 'friend_request', targetParam: 'request_id', body: false })
  @TokenScope('robots:write')
  @ApiOperation({
    summary: 'Ignore a friend request (nothing is sent; WeChat lets it expire). Ignoring twice answers it unchanged',
  })
  @ApiOkResponse({ type: FriendRequestResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot or request (FRIEND_REQUEST_NOT_FOUND)' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Accepted already (FRIEND_REQUEST_NOT_PENDING)' })
  ignore(
    @IdParam('robot_id') robotId: number,
    @IdParam('request_id') id: number,
    @CurrentUser() user: AuthUser,
  ): Promise<FriendRequestResponseDto> {
    return this.requests.ignore(robotId, id, actorOf(user));
  }
}
