import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsObject } from 'class-validator';
import { Nullable, Optional } from '../../common/validation';

export class PluginStatsDto {
  @ApiProperty({ description: 'Handler calls since this instance started' })
  calls!: number;

  @ApiProperty({ description: 'Calls that threw' })
  failures!: number;

  @ApiProperty({ description: 'Calls abandoned after plugins.handler_timeout' })
  timeouts!: number;

  @ApiProperty({ description: 'Average duration of a call, ms' })
  avgMs!: number;

  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;
}

export class PluginResponseDto {
  @ApiProperty({ example: 'ExamplePlugin' })
  name!: string;

  @ApiProperty({ type: String, nullable: true, example: '1.0.0' })
  version!: string | null;

  @ApiProperty({ type: String, nullable: true })
  author!: string | null;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({
    type: 'object',
    properties: {
      zh: { type: 'object', properties: { title: { type: 'string' }, description: { type: 'string' } } },
      en: { type: 'object', properties: { title: { type: 'string' }, description: { type: 'string' } } },
    },
    description: "The manifest's title and description per language (title_zh, description_en…), where it gives them",
  })
  texts!: PluginTexts;

  @ApiProperty({ description: 'Global flag; a robot may override it (GET /api/robots/{robot_id}/plugins)' })
  enabled!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Set when the plugin was disabled automatically after consecutive failures',
  })
  disabledReason!: string | null;

  @ApiProperty({ description: 'Its code loaded: handlers and jobs can run' })
  loaded!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why it did not load (manifest, duplicate name, code, onLoad, or listed in disabled_plugins)',
  })
  loadError!: string | null;

  @ApiProperty({ example: 'plugins/ExamplePlugin' })
  directory!: string;

  @ApiProperty({ description: 'Number of handlers' })
  handlers!: number;

  @ApiProperty({ description: 'Number of scheduled jobs' })
  jobs!: number;

  @ApiProperty({ type: PluginStatsDto })
  stats!: PluginStatsDto;
}

export class PluginListResponseDto {
  @ApiProperty({ type: [PluginResponseDto] })
  items!: PluginResponseDto[];

  @ApiProperty()
  total!: number;

  @ApiProperty()
  page!: number;

  @ApiProperty()
  limit!: number;
}

export class PluginRobotOverrideDto {
  @ApiProperty()
  robotId!: number;

  @ApiProperty()
  enabled!: boolean;
}

export class PluginDetailResponseDto extends PluginResponseDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'JSON Schema of the config, from plugin.json',
  })
  configSchema!: Record<string, unknown> | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'JSON Schema of the per-chat section (keys a chat may set for itself), from plugin.json',
  })
  chatConfigSchema!: Record<string, unknown> | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Effective config: stored over defaults' })
  config!: Record<string, unknown>;

  @ApiProperty({ type: [PluginRobotOverrideDto], description: 'Robots overriding the global flag' })
  robots!: PluginRobotOverrideDto[];
}

export class PluginLoadFailureDto {
  @ApiProperty()
  name!: string;

  @ApiProperty()
  directory!: string;

  @ApiProperty()
  error!: string;
}

export class PluginReloadResponseDto {
  @ApiProperty({ example: 'success' })
  status!: 'success';

  @ApiProperty({ example: 'Plugins reloaded' })
  message!: string;

  @ApiProperty({ type: [String], description: 'Plugins loaded' })
  loaded!: string[];

  @ApiProperty({ type: [PluginLoadFailureDto], description: 'Plugins that failed to load' })
  failed!: PluginLoadFailureDto[];
}

export class RobotPluginUpdateDto {
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description: 'true/false overrides the global flag for this robot; null removes the override',
  })
  @Nullable()
  @IsBoolean()
  enabled!: boolean | null;
}

export class RobotPluginResponseDto {
  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  version!: string | null;

  @ApiProperty()
  loaded!: boolean;

  @ApiProperty({
    description: 'Effective flag for this robot: its override, else the global flag; off while disabledReason is set',
  })
  enabled!: boolean;

  @ApiProperty({ description: 'The global flag' })
  globalEnabled!: boolean;

  @ApiProperty({ type: Boolean, nullable: true, description: "This robot's override; null follows the global flag" })
  override!: boolean | null;

  @ApiProperty({ type: String, nullable: true })
  disabledReason!: string | null;
}

export class RobotPluginListResponseDto {
  @ApiProperty({ type: [RobotPluginResponseDto] })
  items!: RobotPluginResponseDto[];

  @ApiProperty()
  total!: number;

  @ApiProperty()
  page!: number;

  @ApiProperty()
  limit!: number;
}

export interface PluginTexts {
  zh: { title?: string; description?: string };
  en: { title?: string; description?: string };
}

export class PluginJobRunQueryDto {
  @ApiPropertyOptional({ description: 'Answer when the run ended (200, with its outcome) instead of when it started' })
  @Optional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'wait must be true or false' })
  wait?: boolean;
}

export class PluginJobRunResponseDto {
  @ApiProperty() plugin!: string;
  @ApiProperty() job!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: "The run's ctx.scheduledAt (now); it runs on in the background, its outcome in the logs",
  })
  scheduledAt!: string;
  @ApiPropertyOptional({ enum: ['ok', 'error'], description: 'With wait=true: how the run ended' })
  status?: 'ok' | 'error';
  @ApiPropertyOptional({ description: 'With wait=true: what the job threw' })
  error?: string;
  @ApiPropertyOptional({ description: 'With wait=true: how long it ran' })
  durationMs?: number;
}

// per-chat plugin settings (issue 15)

export class ChatPluginUpdateDto {
  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description: "true/false switches the plugin on or off in this chat; null inherits the robot's (or global) switch",
  })
  @Optional()
  @Nullable()
  @IsBoolean()
  enabled?: boolean | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "The chat's config section (keys of the plugin's chatConfigSchema); null removes it",
  })
  @Optional()
  @Nullable()
  @IsObject()
  config?: Record<string, unknown> | null;
}

export class ChatPluginResponseDto {
  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  version!: string | null;

  @ApiProperty({
    type: 'object',
    properties: {
      zh: { type: 'object', properties: { title: { type: 'string' }, description: { type: 'string' } } },
      en: { type: 'object', properties: { title: { type: 'string' }, description: { type: 'string' } } },
    },
    description: "The manifest's title and description per language, as in the plugin list",
  })
  texts!: PluginTexts;

  @ApiProperty()
  loaded!: boolean;

  @ApiProperty({ description: 'The global flag' })
  globalEnabled!: boolean;

  @ApiProperty({ type: Boolean, nullable: true, description: "The robot's override; null follows the global flag" })
  robotEnabled!: boolean | null;

  @ApiProperty({ type: Boolean, nullable: true, description: "This chat's switch; null inherits the robot's" })
  chatEnabled!: boolean | null;

  @ApiProperty({ description: "What the chat inherits: the robot's override, else the global flag" })
  inheritedEnabled!: boolean;

  @ApiProperty({
    description: 'Effective in this chat: its switch, else inheritedEnabled; off while disabledReason is set',
  })
  enabled!: boolean;

  @ApiProperty({ type: String, nullable: true })
  disabledReason!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'JSON Schema of the per-chat section, from plugin.json; null: the plugin has none',
  })
  chatConfigSchema!: Record<string, unknown> | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "This chat's section as stored (secrets masked); null: none, the chat inherits the plugin's config",
  })
  config!: Record<string, unknown> | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The values the chat inherits for the keys of chatConfigSchema (the plugin's effective config)",
  })
  inheritedConfig!: Record<string, unknown>;

  @ApiProperty({ type: String, nullable: true, description: "When this chat's settings last changed" })
  updatedAt!: string | null;
}

export class ChatPluginListResponseDto {
  @ApiProperty({ type: [ChatPluginResponseDto] })
  items!: ChatPluginResponseDto[];

  @ApiProperty()
  total!: number;

  @ApiProperty()
  page!: number;

  @ApiProperty()
  limit!: number;
}
