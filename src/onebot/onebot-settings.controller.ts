import { Body, Controller, Get, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { TokenScope } from '../auth/api-token.scopes';
import { assertRobotAccess } from '../auth/robot-access';
import { CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { IdParam } from '../common/id-param.pipe';
import { OneBotSettingsResponseDto, OneBotSettingsUpdateDto, OneBotStatusResponseDto } from './dto/onebot-settings.dto';
import { OneBotSettingsService } from './onebot-settings.service';
import { OneBotStatusService } from './onebot-status.service';

@ApiTags('robots')
@ApiBearerAuth()
@Controller('robots')
export class OneBotSettingsController {
  constructor(
    private readonly settings: OneBotSettingsService,
    private readonly statuses: OneBotStatusService,
  ) {}

  @Get(':robot_id/onebot')
  @TokenScope('robots:read')
  @ApiOperation({ summary: "The robot's OneBot v11 settings (access tokens and secrets are never answered)" })
  @ApiOkResponse({ type: OneBotSettingsResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'An API token limited to other robots' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@IdParam('robot_id') id: number, @CurrentUser() user: AuthUser): Promise<OneBotSettingsResponseDto> {
    assertRobotAccess(user, id);
    return this.settings.view(id);
  }

  @Put(':robot_id/onebot')
  @Audit('robot.onebot_update', { target: 'robot' })
  @TokenScope('robots:write')
  @ApiOperation({
    summary:
      "Change the robot's OneBot v11 settings: the fields given are changed, the rest kept; a target without its " +
      'access token or secret keeps the stored one of the same URL, null clears it',
  })
  @ApiOkResponse({ type: OneBotSettingsResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A field is invalid (named in the answer)' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'An API token limited to other robots' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  update(
    @IdParam('robot_id') id: number,
    @Body() dto: OneBotSettingsUpdateDto,
    @CurrentUser() user: AuthUser,
  ): Promise<OneBotSettingsResponseDto> {
    assertRobotAccess(user, id);
    return this.settings.update(id, dto, user);
  }

  @Get(':robot_id/onebot/status')
  @TokenScope('robots:read')
  @ApiOperation({
    summary: "The robot's OneBot clients on this instance, events and actions per minute, the last errors",
  })
  @ApiOkResponse({ type: OneBotStatusResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'An API token limited to other robots' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  status(@IdParam('robot_id') id: number, @CurrentUser() user: AuthUser): Promise<OneBotStatusResponseDto> {
    assertRobotAccess(user, id);
    return this.statuses.status(id);
  }
}
