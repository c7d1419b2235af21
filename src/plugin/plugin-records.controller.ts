import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { TokenScope } from '../auth/api-token.scopes';
import { reachableRobots } from '../auth/robot-access';
import {
  PluginRecordKindsResponseDto,
  PluginRecordPageResponseDto,
  PluginRecordQueryDto,
} from './dto/plugin-record.dto';
import { PluginRecordsService } from './plugin-records.service';

@ApiTags('plugins')
@ApiBearerAuth()
@ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such plugin' })
@Controller('plugins/:plugin_name/records')
export class PluginRecordsController {
  constructor(private readonly records: PluginRecordsService) {}

  @Get()
  @TokenScope('plugins:read')
  @ApiOperation({
    summary: "A plugin's records (ctx.records: what it did or declined), newest first, paged by `before`",
  })
  @ApiOkResponse({ type: PluginRecordPageResponseDto })
  list(
    @Param('plugin_name') name: string,
    @Query() q: PluginRecordQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<PluginRecordPageResponseDto> {
    return this.records.page(name, q, reachableRobots(user));
  }

  @Get('kinds')
  @TokenScope('plugins:read')
  @ApiOperation({ summary: 'The kinds of records a plugin has, with their counts' })
  @ApiOkResponse({ type: PluginRecordKindsResponseDto })
  kinds(@Param('plugin_name') name: string, @CurrentUser() user: AuthUser): Promise<PluginRecordKindsResponseDto> {
    return this.records.kinds(name, reachableRobots(user));
  }
}
