import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsObject, IsString, Matches, MaxLength } from 'class-validator';
import { IsDateTime } from '../../common/date-time';
import { Optional } from '../../common/validation';
import { LOG_LEVELS } from '../../config/config-schema';
import type { LogLevel } from '../../config/config-schema';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { ACCEPTED_LEVELS, toLevel } from '../../logging/log-levels';
import { RuntimeSettingDto } from '../../settings/dto/runtime-setting.dto';

export class ComponentHealthDto {
  @ApiProperty({ enum: ['up', 'down', 'disabled'] })
  status!: 'up' | 'down' | 'disabled';

  @ApiPropertyOptional()
  latencyMs?: number;

  @ApiPropertyOptional()
  error?: string;
}

export class DatabaseHealthDto extends ComponentHealthDto {
  @ApiProperty({ enum: ['sqlite', 'mysql'] })
  type!: 'sqlite' | 'mysql';

  @ApiPropertyOptional({
    enum: ['DATABASE_UNAVAILABLE', 'DATABASE_FILE_DELETED', 'DATABASE_FILE_REPLACED'],
    description: 'Why the database is down (with `params`); absent when it is up',
  })
  code?: 'DATABASE_UNAVAILABLE' | 'DATABASE_FILE_DELETED' | 'DATABASE_FILE_REPLACED';

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Parameters of `code`',
  })
  params?: Record<string, string>;
}

export class QueueHealthDto extends ComponentHealthDto {
  @ApiProperty({ enum: ['simple', 'advanced'] })
  type!: 'simple' | 'advanced';

  @ApiProperty()
  name!: string;
}

export class SystemCountsDto {
  @ApiProperty() robots!: number;
  @ApiProperty() robotsOnline!: number;
  @ApiProperty() plugins!: number;
  @ApiProperty() pluginsEnabled!: number;
  @ApiProperty() users!: number;
}

export class SystemStatusResponseDto {
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiProperty({ example: 'v20.20.2' }) nodeVersion!: string;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: string;
  @ApiProperty() uptimeSeconds!: number;
  @ApiProperty({ enum: LOG_LEVELS }) logLevel!: LogLevel;
  @ApiProperty({ type: DatabaseHealthDto }) database!: DatabaseHealthDto;
  @ApiProperty({ type: ComponentHealthDto }) redis!: ComponentHealthDto;
  @ApiProperty({ type: QueueHealthDto }) queue!: QueueHealthDto;
  @ApiProperty({ type: SystemCountsDto }) counts!: SystemCountsDto;
}

export class HealthResponseDto {
  @ApiProperty({ enum: ['ok', 'error'] }) status!: 'ok' | 'error';
  @ApiProperty({ enum: ['up', 'down'] }) database!: 'up' | 'down';
  @ApiPropertyOptional({
    enum: ['DATABASE_UNAVAILABLE', 'DATABASE_FILE_DELETED', 'DATABASE_FILE_REPLACED'],
    description: 'Why the service is not healthy; absent when it is',
  })
  code?: 'DATABASE_UNAVAILABLE' | 'DATABASE_FILE_DELETED' | 'DATABASE_FILE_REPLACED';
  @ApiProperty() uptimeSeconds!: number;
}

export class LogQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: LOG_LEVELS, description: 'Lowest level to show (INFO, warning… accepted)' })
  @Optional()
  @Transform(toLevel)
  @IsIn(LOG_LEVELS, { message: `level must be one of ${ACCEPTED_LEVELS.join(', ')}` })
  level?: LogLevel;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Only lines at or after this time' })
  @Optional()
  @IsDateTime('since')
  since?: Date;

  @ApiPropertyOptional({ description: 'Component that logged the line (e.g. AuthService)' })
  @Optional()
  @IsString()
  @MaxLength(100)
  source?: string;

  @ApiPropertyOptional({ description: 'Only lines of this request (X-Request-Id)' })
  @Optional()
  @Matches(/^[\w.-]{1,64}$/, { message: 'requestId must be 1-64 letters, digits, or . _ -' })
  requestId?: string;

  @ApiPropertyOptional({ description: 'Only lines whose message or fields contain this text (case-insensitive)' })
  @Optional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class LogEntryDto {
  @ApiProperty({ type: String, format: 'date-time' }) time!: string;
  @ApiProperty({ enum: LOG_LEVELS }) level!: LogLevel;
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, nullable: true }) source!: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

export class LogListResponseDto {
  @ApiProperty({ type: [LogEntryDto] }) items!: LogEntryDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}

export class LogLevelUpdateDto {
  @ApiProperty({ enum: LOG_LEVELS, example: 'info', description: 'Case-insensitive; WARNING and CRITICAL accepted' })
  @Transform(toLevel)
  @IsIn(LOG_LEVELS, { message: `level must be one of ${ACCEPTED_LEVELS.join(', ')}` })
  level!: LogLevel;
}

export class LogLevelResponseDto {
  @ApiProperty({ example: 'success' }) status!: 'success';
  @ApiProperty() message!: string;
  @ApiProperty({ enum: LOG_LEVELS }) level!: LogLevel;
}

export class SystemConfigResponseDto {
  @ApiProperty({ type: [RuntimeSettingDto] }) settings!: RuntimeSettingDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'main_config.toml as loaded, secrets masked',
  })
  file!: Record<string, Record<string, unknown>>;
  @ApiProperty({ type: String, nullable: true, description: 'Path of the config file, null on embedded defaults' })
  configFile!: string | null;
}

export class SystemConfigUpdateDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { 'logging.level': 'debug', 'gewe.callback_url': 'https://bot.example.com/api/webhook' },
    description: 'Settings to change by name. null resets one to its config-file value; "********" keeps a secret.',
  })
  @IsObject()
  settings!: Record<string, unknown>;
}
