import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { TokenScope } from '../auth/api-token.scopes';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { IdParam } from '../common/id-param.pipe';
import { viewOf } from '../robot/robot.controller';
import { WebhookEndpointResponseDto } from './webhook-endpoint.dto';
import { WebhookEndpointService } from './webhook-endpoint.service';

@ApiTags('robots')
@ApiBearerAuth()
@Controller('robots')
export class WebhookEndpointController {
  constructor(private readonly endpoints: WebhookEndpointService) {}

  @Get(':robot_id/webhook')
  @TokenScope('robots:read')
  @ApiOperation({ summary: "The robot's webhook endpoint: callback URL, key rotation, callbacks received by outcome" })
  @ApiOkResponse({ type: WebhookEndpointResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@IdParam('robot_id') id: number, @CurrentUser() user: AuthUser): Promise<WebhookEndpointResponseDto> {
    return this.endpoints.get(id, viewOf(user));
  }

  @Post(':robot_id/webhook/rotate')
  @Audit('robot.webhook_rotate', { target: 'robot' })
  @TokenScope('robots:write')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'A new callback key (and URL); the previous one keeps working for backend.webhook_key_grace. Give Gewe the new URL.',
  })
  @ApiOkResponse({ type: WebhookEndpointResponseDto, description: 'The endpoint, with the new callback URL' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  rotate(@IdParam('robot_id') id: number, @CurrentUser() user: AuthUser): Promise<WebhookEndpointResponseDto> {
    return this.endpoints.rotate(id, user.username);
  }
}
