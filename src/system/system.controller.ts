import { Body, Controller, Get, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import {
  LogLevelResponseDto,
  LogLevelUpdateDto,
  LogListResponseDto,
  LogQueryDto,
  SystemConfigResponseDto,
  SystemConfigUpdateDto,
  SystemStatusResponseDto,
} from './dto/system.dto';
import { SystemService } from './system.service';
import { Audit } from '../audit/audit.decorator';

@ApiTags('system')
@ApiBearerAuth()
@Controller('system')
export class SystemController {
  constructor(private readonly system: SystemService) {}

  @Get('status')
  @ApiOperation({ summary: 'Version, uptime, database/Redis/queue health, counts' })
  @ApiOkResponse({ type: SystemStatusResponseDto })
  status(): Promise<SystemStatusResponseDto> {
    return this.system.status();
  }

  @AdminOnly()
  @Get('logs')
  @ApiOperation({ summary: 'Log lines, newest first (persisted in the log file and its rotations)' })
  @ApiOkResponse({ type: LogListResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto })
  logs(@Query() q: LogQueryDto): Promise<LogListResponseDto> {
    return this.system.logs(q);
  }

  @AdminOnly()
  @Put('log-level')
  @Audit('system.log_level', { target: 'setting' })
  @ApiOperation({ summary: 'Change the log level now (kept across restarts as a runtime setting)' })
  @ApiOkResponse({ type: LogLevelResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto })
  async setLogLevel(@Body() dto: LogLevelUpdateDto, @CurrentUser() user: AuthUser): Promise<LogLevelResponseDto> {
    const level = await this.system.setLogLevel(dto.level, user.username);
    return { status: 'success', message: 'Log level updated', level };
  }

  @AdminOnly()
  @Get('config')
  @ApiOperation({ summary: 'Runtime settings and the loaded config file (secrets masked)' })
  @ApiOkResponse({ type: SystemConfigResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto })
  getConfig(): SystemConfigResponseDto {
    return this.system.getConfig();
  }

  @AdminOnly()
  @Put('config')
  @Audit('system.config_update', { target: 'setting' })
  @ApiOperation({ summary: 'Change runtime settings (validated; all or nothing)' })
  @ApiOkResponse({ type: SystemConfigResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto })
  updateConfig(@Body() dto: SystemConfigUpdateDto, @CurrentUser() user: AuthUser): Promise<SystemConfigResponseDto> {
    return this.system.updateConfig(dto.settings, user.username);
  }
}
