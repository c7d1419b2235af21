import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { AdminOnly, CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { AlertService } from './alert.service';
import {
  AlertConfigResponseDto,
  AlertConfigUpdateDto,
  AlertListQueryDto,
  AlertListResponseDto,
  AlertTestResponseDto,
} from './dto/alert.dto';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('alerts')
export class AlertController {
  constructor(private readonly alerts: AlertService) {}

  @Get()
  @ApiOperation({ summary: 'Alert history: incidents newest first, with what each channel answered' })
  @ApiOkResponse({ type: AlertListResponseDto })
  list(@Query() q: AlertListQueryDto): Promise<AlertListResponseDto> {
    return this.alerts.list(q);
  }

  @AdminOnly()
  @Get('config')
  @ApiOperation({ summary: 'The alert rules, thresholds and channels in effect (the webhook secret masked)' })
  @ApiOkResponse({ type: AlertConfigResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto })
  getConfig(): AlertConfigResponseDto {
    return this.alerts.getConfig();
  }

  @AdminOnly()
  @Put('config')
  @Audit('alert.config_update', { target: 'setting' })
  @ApiOperation({ summary: 'Change alert rules, thresholds and channels (runtime settings; null resets a field)' })
  @ApiOkResponse({ type: AlertConfigResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto })
  updateConfig(@Body() dto: AlertConfigUpdateDto, @CurrentUser() user: AuthUser): Promise<AlertConfigResponseDto> {
    return this.alerts.updateConfig(dto, user.username);
  }

  @AdminOnly()
  @Post('test')
  @HttpCode(200)
  @Audit('alert.test', { body: false })
  @ApiOperation({ summary: 'Send a test alert on every configured channel now' })
  @ApiOkResponse({ type: AlertTestResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'No channel is configured' })
  @ApiForbiddenResponse({ type: ErrorResponseDto })
  test(@CurrentUser() user: AuthUser): Promise<AlertTestResponseDto> {
    return this.alerts.test(user.username);
  }
}
