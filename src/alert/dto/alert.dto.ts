import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Nullable, Optional } from '../../common/validation';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { IsOutboundUrl } from '../../gewe/gewe-url.validator';
import { CONFIG_SCHEMA } from '../../config/config-schema';
import { ALERT_RULES, ALERT_STATES } from '../../config/alert-rules';
import type { AlertRule, AlertState } from '../../config/alert-rules';

const A = CONFIG_SCHEMA.alerts;
/** Longest duration accepted through the API (about 24 days, what a timer can wait). */
const MAX_MS = 2_147_483_647;

export class AlertListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: ALERT_STATES })
  @Optional()
  @IsIn(ALERT_STATES, { message: `state must be one of ${ALERT_STATES.join(', ')}` })
  state?: AlertState;

  @ApiPropertyOptional({ enum: ALERT_RULES })
  @Optional()
  @IsIn(ALERT_RULES, { message: `rule must be one of ${ALERT_RULES.join(', ')}` })
  rule?: AlertRule;

  @ApiPropertyOptional()
  @Optional()
  @Type(() => Number)
  @IsInt({ message: 'robotId must be an integer' })
  @Min(1)
  @Max(2_147_483_647)
  robotId?: number;
}

export class AlertDeliveryDto {
  @ApiProperty({ enum: ['firing', 'resolved', 'test'] }) event!: string;
  @ApiProperty({ enum: ['webhook', 'wechat'] }) channel!: string;
  @ApiProperty({ description: "The webhook's host, or the wxid written to" }) target!: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "The WeChat channel's chat, named from the alert robot's directory (null when not known)",
  })
  chatName?: string | null;
  @ApiProperty() ok!: boolean;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional() error?: string;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
}

export class AlertResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: ALERT_RULES }) rule!: string;
  @ApiProperty({ example: 'robot:3', description: 'robot:<id>, plugin:<name>, queue:failed, queue:depth or gewe' })
  subject!: string;
  @ApiProperty({ type: Number, nullable: true }) robotId!: number | null;
  @ApiProperty({ enum: ALERT_STATES }) state!: string;
  @ApiProperty({ enum: ['warning', 'critical'] }) severity!: string;
  @ApiProperty({ description: 'English, as stored' }) summary!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The summary as a code for people (ALERT_*)' })
  summaryCode!: string | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  })
  summaryParams!: Record<string, string | number> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  details!: Record<string, unknown> | null;
  @ApiProperty({ type: String, format: 'date-time', description: 'When the condition started (or was first seen)' })
  since!: string;
  @ApiProperty({ type: String, format: 'date-time' }) lastSeenAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) firedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) resolvedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) notifiedFiredAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) notifiedResolvedAt!: string | null;
  @ApiProperty({ type: [AlertDeliveryDto] }) deliveries!: AlertDeliveryDto[];
}

export class AlertListResponseDto {
  @ApiProperty({ type: [AlertResponseDto] }) items!: AlertResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}

/** The `[alerts]` settings in effect. Durations in milliseconds. */
export class AlertConfigResponseDto {
  @ApiProperty({ description: 'alerts.enabled (config file only)' }) enabled!: boolean;
  @ApiProperty({ description: 'alerts.evaluate_interval (config file only)' }) evaluateIntervalMs!: number;
  @ApiProperty({ enum: ALERT_RULES, isArray: true }) rules!: string[];
  @ApiProperty() robotOfflineAfterMs!: number;
  @ApiProperty() noCallbackAfterMs!: number;
  @ApiProperty() failedJobsThreshold!: number;
  @ApiProperty() queueDepthThreshold!: number;
  @ApiProperty() geweErrorRatePercent!: number;
  @ApiProperty() geweErrorRateWindowMs!: number;
  @ApiProperty() geweErrorRateMinCalls!: number;
  @ApiProperty() resolveAfterMs!: number;
  @ApiProperty({ description: 'Empty: no webhook' }) webhookUrl!: string;
  @ApiProperty({ description: 'Masked as ******** when set' }) webhookSecret!: string;
  @ApiProperty() webhookTimeoutMs!: number;
  @ApiProperty() webhookAttempts!: number;
  @ApiProperty() webhookBackoffMs!: number;
  @ApiProperty({ description: '0: no WeChat channel' }) wechatRobotId!: number;
  @ApiProperty({ type: [String] }) wechatTo!: string[];
  @ApiProperty({ type: [String], description: 'Fields whose value is a runtime setting (not the config file)' })
  runtime!: string[];
}

/**
 * A change of the runtime-settable `[alerts]` settings: fields left out keep their value, `null` resets one to the
 * config file's value, and `********` keeps the webhook secret.
 */
export class AlertConfigUpdateDto {
  @ApiPropertyOptional({ enum: ALERT_RULES, isArray: true, nullable: true })
  @Optional()
  @Nullable()
  @IsArray({ message: 'rules must be a list of rule names' })
  @IsIn(ALERT_RULES, { each: true, message: `rules may only list ${ALERT_RULES.join(', ')}` })
  rules?: string[] | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: A.robot_offline_after.min })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(A.robot_offline_after.min)
  @Max(MAX_MS)
  robotOfflineAfterMs?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: A.no_callback_after.min })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(A.no_callback_after.min)
  @Max(MAX_MS)
  noCallbackAfterMs?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1 })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(A.failed_jobs_threshold.min)
  @Max(A.failed_jobs_threshold.max)
  failedJobsThreshold?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1 })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(A.queue_depth_threshold.min)
  @Max(A.queue_depth_threshold.max)
  queueDepthThreshold?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: 100 })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(A.gewe_error_rate_percent.min)
  @Max(A.gewe_error_rate_percent.max)
  geweErrorRatePercent?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: A.gewe_error_rate_window.min })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(A.gewe_error_rate_window.min)
  @Max(3_600_000)
  geweErrorRateWindowMs?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1 })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(A.gewe_error_rate_min_calls.min)
  @Max(A.gewe_error_rate_min_calls.max)
  geweErrorRateMinCalls?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0 })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(A.resolve_after.min)
  @Max(MAX_MS)
  resolveAfterMs?: number | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'An http(s) URL, or empty for none; link-local and cloud-metadata addresses are refused',
  })
  @Optional()
  @Nullable()
  @IsString()
  @MaxLength(1000)
  @IsOutboundUrl({ allowEmpty: true })
  webhookUrl?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: '******** keeps the current secret' })
  @Optional()
  @Nullable()
  @IsString()
  @MaxLength(200)
  webhookSecret?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: A.webhook_timeout.min })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(A.webhook_timeout.min)
  @Max(120_000)
  webhookTimeoutMs?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: 10 })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(A.webhook_attempts.min)
  @Max(A.webhook_attempts.max)
  webhookAttempts?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: A.webhook_backoff.min })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(A.webhook_backoff.min)
  @Max(600_000)
  webhookBackoffMs?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, description: '0 for none' })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  wechatRobotId?: number | null;

  @ApiPropertyOptional({ type: [String], nullable: true, description: 'wxids of people or groups (…@chatroom)' })
  @Optional()
  @Nullable()
  @IsArray({ message: 'wechatTo must be a list of wxids' })
  @ArrayMaxSize(50)
  @Matches(/^[A-Za-z0-9_@.-]{1,100}$/, {
    each: true,
    message: 'wechatTo must list wxids such as wxid_abc or 123@chatroom',
  })
  wechatTo?: string[] | null;
}

export class AlertTestResponseDto {
  @ApiProperty({ description: 'true when every channel accepted the test alert' }) ok!: boolean;
  @ApiProperty({ type: [AlertDeliveryDto] }) deliveries!: AlertDeliveryDto[];
}
