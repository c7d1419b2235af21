import { Body, Controller, Post } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiGatewayTimeoutResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { TokenScope } from '../auth/api-token.scopes';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { IdParam } from '../common/id-param.pipe';
import { MessageSendDto, MessageSentResponseDto } from './dto/message-send.dto';
import { MessageSendService } from './message-send.service';

@ApiTags('messages')
@ApiBearerAuth()
@Controller('robots/:robot_id/messages')
export class MessageSendController {
  constructor(private readonly sender: MessageSendService) {}

  @Post()
  @Audit('message.send', {
    target: 'robot',
    body: ['type', 'toWxid', 'ats', 'imageUrl', 'fileUrl', 'fileName'],
  })
  @TokenScope('messages:send')
  @ApiOperation({
    summary: 'Send a text, image or file through a robot (waits its turn in the send governor)',
  })
  @ApiCreatedResponse({ type: MessageSentResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The robot is not online' })
  @ApiBadGatewayResponse({ type: ErrorResponseDto, description: "Gewe refused the send (with Gewe's reason)" })
  @ApiGatewayTimeoutResponse({ type: ErrorResponseDto, description: 'Gewe did not answer in time' })
  send(
    @IdParam('robot_id') robotId: number,
    @Body() dto: MessageSendDto,
    @CurrentUser() user: AuthUser,
  ): Promise<MessageSentResponseDto> {
    return this.sender.send(robotId, dto, {
      userId: user.token ? null : user.id,
      client: user.token ? `token:${user.token.name}` : user.username,
    });
  }
}
