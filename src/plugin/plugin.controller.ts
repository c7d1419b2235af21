import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly, CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { PaginationQueryDto } from '../common/dto/pagination.dto';
import { StatusResponseDto } from '../common/dto/status-response.dto';
import { IdParam } from '../common/id-param.pipe';
import {
  ChatPluginListResponseDto,
  ChatPluginResponseDto,
  ChatPluginUpdateDto,
  PluginDetailResponseDto,
  PluginJobRunQueryDto,
  PluginJobRunResponseDto,
  PluginListResponseDto,
  PluginReloadResponseDto,
  RobotPluginListResponseDto,
  RobotPluginResponseDto,
  RobotPluginUpdateDto,
} from './dto/plugin.dto';
import { PluginScheduler } from './plugin.scheduler';
import { PluginService } from './plugin.service';
import { Audit } from '../audit/audit.decorator';
import { AuditTrail } from '../audit/audit.service';
import { TokenScope } from '../auth/api-token.scopes';
import { ConcernsEveryRobot, reachableRobots } from '../auth/robot-access';

const CONFIG_OBJECT = { type: 'object', additionalProperties: true } as const;

@ApiTags('plugins')
@ApiBearerAuth()
@Controller('plugins')
export class PluginController {
  constructor(
    private readonly plugins: PluginService,
    private readonly scheduler: PluginScheduler,
    private readonly audit: AuditTrail,
  ) {}

  @Get()
  @TokenScope('plugins:read')
  @ApiOperation({ summary: 'List the plugins found in plugins_dir, loaded or not' })
  @ApiOkResponse({ type: PluginListResponseDto })
  list(@Query() q: PaginationQueryDto): Promise<PluginListResponseDto> {
    return this.plugins.list(q);
  }

  @Post('reload')
  @Audit('plugin.reload', { target: 'plugin' })
  @TokenScope('plugins:write')
  @ConcernsEveryRobot()
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Unload every plugin, scan plugins_dir again and load what is there' })
  @ApiOkResponse({ type: PluginReloadResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin' })
  reload(@CurrentUser() user: AuthUser): Promise<PluginReloadResponseDto> {
    return this.plugins.reload(user.username);
  }

  @Get(':plugin_name')
  @TokenScope('plugins:read')
  @ApiOperation({ summary: 'One plugin, with its config schema, effective config and per-robot overrides' })
  @ApiOkResponse({ type: PluginDetailResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('plugin_name') name: string, @CurrentUser() user: AuthUser): Promise<PluginDetailResponseDto> {
    return this.plugins.get(name, reachableRobots(user));
  }

  @Post(':plugin_name/enable')
  @Audit('plugin.enable', { target: 'plugin' })
  @TokenScope('plugins:write')
  @ConcernsEveryRobot()
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Enable a plugin (clears an automatic disable)' })
  @ApiOkResponse({ type: StatusResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The plugin did not load (its load error)' })
  async enable(@Param('plugin_name') name: string, @CurrentUser() user: AuthUser): Promise<StatusResponseDto> {
    await this.plugins.enable(name, user.username);
    return StatusResponseDto.ok('Plugin enabled');
  }

  @Post(':plugin_name/disable')
  @Audit('plugin.disable', { target: 'plugin' })
  @TokenScope('plugins:write')
  @ConcernsEveryRobot()
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Disable a plugin' })
  @ApiOkResponse({ type: StatusResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async disable(@Param('plugin_name') name: string, @CurrentUser() user: AuthUser): Promise<StatusResponseDto> {
    await this.plugins.disable(name, user.username);
    return StatusResponseDto.ok('Plugin disabled');
  }

  @Post(':plugin_name/jobs/:job_name/run')
  @Audit('plugin.job_run', { target: 'plugin', targetParam: 'plugin_name', body: false })
  @TokenScope('plugins:write')
  @ConcernsEveryRobot()
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: "Run a plugin's job once now on this instance (ctx.scheduledAt = now), e.g. Broadcast's tick",
    description:
      'Answers when the run started (it goes on in the background, its outcome in the logs), or with wait=true when it ended, with its status, error and duration.',
  })
  @ApiOkResponse({ type: PluginJobRunResponseDto, description: 'The run started (with wait=true: it ended)' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such plugin, or it has no such job' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The plugin did not load, is disabled, or the job is running on this instance',
  })
  async runJob(
    @Param('plugin_name') name: string,
    @Param('job_name') job: string,
    @Query() q: PluginJobRunQueryDto,
  ): Promise<PluginJobRunResponseDto> {
    const run = await this.scheduler.runNow(name, job);
    const answer: PluginJobRunResponseDto = {
      plugin: run.plugin,
      job: run.job,
      scheduledAt: run.scheduledAt.toISOString(),
    };
    this.audit.note({ job: run.job, scheduledAt: answer.scheduledAt, wait: q.wait === true });
    if (!q.wait) return answer;
    return { ...answer, ...(await run.done) };
  }

  @Get(':plugin_name/config')
  @TokenScope('plugins:read')
  @ApiOperation({ summary: "A plugin's effective config (stored values over the schema's defaults)" })
  @ApiOkResponse({ schema: CONFIG_OBJECT })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  getConfig(@Param('plugin_name') name: string): Promise<Record<string, unknown>> {
    return this.plugins.getConfig(name);
  }

  @Put(':plugin_name/config')
  @Audit('plugin.config_update', { target: 'plugin', body: false })
  @TokenScope('plugins:write')
  @ConcernsEveryRobot()
  @AdminOnly()
  @ApiOperation({ summary: "Replace a plugin's config; validated by its schema; answers the effective config" })
  @ApiBody({ schema: CONFIG_OBJECT })
  @ApiOkResponse({ schema: CONFIG_OBJECT })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid config: one message per field' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The manifest is invalid or the name duplicated' })
  setConfig(
    @Param('plugin_name') name: string,
    @Body() body: Record<string, unknown>,
    @CurrentUser() user: AuthUser,
  ): Promise<Record<string, unknown>> {
    return this.plugins.setConfig(name, body, user.username);
  }
}

@ApiTags('plugins')
@ApiBearerAuth()
@ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot or plugin' })
@Controller('robots/:robot_id/plugins')
export class RobotPluginController {
  constructor(private readonly plugins: PluginService) {}

  @Get()
  @TokenScope('plugins:read')
  @ApiOperation({ summary: "Each plugin's state for this robot (its override, else the global flag)" })
  @ApiOkResponse({ type: RobotPluginListResponseDto })
  list(@IdParam('robot_id') id: number, @Query() q: PaginationQueryDto): Promise<RobotPluginListResponseDto> {
    return this.plugins.robotPlugins(id, q);
  }

  @Put(':plugin_name')
  @Audit('plugin.robot_toggle', { target: 'plugin', targetParam: 'plugin_name' })
  @TokenScope('plugins:write')
  @AdminOnly()
  @ApiOperation({ summary: 'Enable or disable a plugin for this robot; null follows the global flag again' })
  @ApiOkResponse({ type: RobotPluginResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The manifest is invalid or the name duplicated' })
  set(
    @IdParam('robot_id') id: number,
    @Param('plugin_name') name: string,
    @Body() dto: RobotPluginUpdateDto,
    @CurrentUser() user: AuthUser,
  ): Promise<RobotPluginResponseDto> {
    return this.plugins.setRobotPlugin(id, name, dto.enabled, user.username);
  }
}

@ApiTags('plugins')
@ApiBearerAuth()
@ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such robot or plugin' })
@ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A malformed chat id (INVALID_CHAT_ID)' })
@Controller('robots/:robot_id/chats/:chat_id/plugins')
export class ChatPluginController {
  constructor(private readonly plugins: PluginService) {}

  @Get()
  @TokenScope('plugins:read')
  @ApiOperation({
    summary: "Each plugin's state in one chat of this robot: global, robot and chat switches, the chat's config",
  })
  @ApiOkResponse({ type: ChatPluginListResponseDto })
  list(
    @IdParam('robot_id') id: number,
    @Param('chat_id') chatId: string,
    @Query() q: PaginationQueryDto,
  ): Promise<ChatPluginListResponseDto> {
    return this.plugins.chatPlugins(id, chatId, q);
  }

  @Put(':plugin_name')
  @Audit('plugin.chat_update', { target: 'plugin', targetParam: 'plugin_name' })
  @TokenScope('plugins:write')
  @AdminOnly()
  @ApiOperation({
    summary:
      "Switch a plugin on or off in one chat (null inherits) and set the chat's config section (null removes it)",
  })
  @ApiOkResponse({ type: ChatPluginResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Invalid config (PLUGIN_CONFIG_INVALID, per field), or the plugin has none (PLUGIN_NO_CHAT_CONFIG)',
  })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The manifest is invalid or the name duplicated' })
  set(
    @IdParam('robot_id') id: number,
    @Param('chat_id') chatId: string,
    @Param('plugin_name') name: string,
    @Body() dto: ChatPluginUpdateDto,
    @CurrentUser() user: AuthUser,
  ): Promise<ChatPluginResponseDto> {
    return this.plugins.setChatPlugin(id, chatId, name, dto, user.username);
  }
}
