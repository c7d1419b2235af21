import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { Optional } from '../../common/validation';
import { LOG_LEVELS } from '../../config/config-schema';
import type { LogLevel } from '../../config/config-schema';
import { ROBOT_STATUSES } from '../../coordination/robot-state.store';
import type { RobotStatus } from '../../coordination/robot-state.store';
import { ACCEPTED_LEVELS, toLevel } from '../../logging/log-levels';
import { PLUGIN_FAILURE_KINDS } from '../event-bus';
import type { PluginFailureKind } from '../event-bus';

export class EventsQueryDto {
  @ApiPropertyOptional({
    name: 'access_token',
    description:
      'The access token, for EventSource (which cannot send headers). Accepted on this route only; prefer the ' +
      'Authorization header where you can. Never logged.',
  })
  @Optional()
  @IsString()
  @MaxLength(4096)
  access_token?: string;

  @ApiPropertyOptional({
    description: 'Resume after this event id (a new EventSource cannot send the Last-Event-ID header)',
    example: '1767225600000000',
  })
  @Optional()
  @Matches(/^\d{1,16}$/, { message: 'lastEventId must be an event id (digits)' })
  lastEventId?: string;

  @ApiPropertyOptional({
    enum: LOG_LEVELS,
    description:
      'Also stream log lines at or above this level (`log` events; INFO, warning… accepted). Admins only: for ' +
      'other users the stream carries no log lines. Without it: no log lines.',
  })
  @Optional()
  @Transform(toLevel)
  @IsIn(LOG_LEVELS, { message: `logLevel must be one of ${ACCEPTED_LEVELS.join(', ')}` })
  logLevel?: LogLevel;
}

/** `event: robot.status` */
export class RobotStatusEventDto {
  @ApiProperty() robotId!: number;
  @ApiProperty({ enum: ROBOT_STATUSES }) status!: RobotStatus;
  @ApiProperty({ enum: ROBOT_STATUSES, nullable: true }) previous!: RobotStatus | null;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
}

/** `event: message` */
export class MessageEventDto {
  @ApiProperty({ description: 'Message log id (GET /api/messages/{message_id})' }) id!: number;
  @ApiProperty() robotId!: number;
  @ApiProperty({ example: 'text' }) kind!: string;
  @ApiProperty({ type: String, nullable: true }) chatId!: string | null;
  @ApiProperty() isGroup!: boolean;
  @ApiProperty({ type: String, nullable: true }) senderWxid!: string | null;
  @ApiProperty() isSelf!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'The text, cut to 200 characters' }) text!: string | null;
  @ApiProperty({ type: String, nullable: true, description: '64-bit id, as a string' }) newMsgId!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) receivedAt!: string;
}

/** `event: alert` (an alert fired or resolved; the whole incident is in GET /api/alerts) */
export class AlertEventDto {
  @ApiProperty({ description: 'Alert id (GET /api/alerts)' }) id!: number;
  @ApiProperty({ example: 'robot_offline' }) rule!: string;
  @ApiProperty({ example: 'robot:3' }) subject!: string;
  @ApiProperty({ type: Number, nullable: true }) robotId!: number | null;
  @ApiProperty({ enum: ['firing', 'resolved'] }) state!: string;
  @ApiProperty({ enum: ['warning', 'critical'] }) severity!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
}

/** `event: plugin.failure` */
export class PluginFailureEventDto {
  @ApiProperty() plugin!: string;
  @ApiProperty({
    enum: PLUGIN_FAILURE_KINDS,
    description:
      'error: a handler threw; timeout: it ran past plugins.handler_timeout; disabled: the plugin was disabled ' +
      'automatically (max_consecutive_failures); job_error: a scheduled job threw',
  })
  kind!: PluginFailureKind;
  @ApiProperty({ type: String, nullable: true }) handler!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The scheduled job (job_error)' }) job!: string | null;
  @ApiProperty({ type: Number, nullable: true }) robotId!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The message the handler was given' })
  messageId!: number | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'The failure came from Gewe, not the plugin (not counted toward auto-disable)' })
  gewe!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
}

/** `event: queue.depth` */
export class QueueDepthEventDto {
  @ApiProperty({ enum: ['simple', 'advanced'] }) type!: 'simple' | 'advanced';
  @ApiProperty() waiting!: number;
  @ApiProperty() active!: number;
  @ApiProperty({ description: 'Waiting for a retry' }) delayed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
}

/** `event: log` (admins whose stream asked with ?logLevel=) */
export class LogEventDto {
  @ApiProperty({ type: String, format: 'date-time' }) time!: string;
  @ApiProperty({ enum: LOG_LEVELS }) level!: LogLevel;
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The component that logged it' }) source!: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The other fields, as persisted (redacted)' })
  details!: Record<string, unknown>;
  @ApiProperty({ description: 'Lines of the instance left out just before this one (too many at once)' })
  dropped!: number;
}

/** `event: ready` (first event of every stream, without an id) */
export class ReadyEventDto {
  @ApiProperty({ description: 'Id of the newest event so far' }) lastEventId!: string;
  @ApiProperty({ description: 'Events replayed after Last-Event-ID' }) replayed!: number;
  @ApiPropertyOptional({
    enum: LOG_LEVELS,
    nullable: true,
    description: 'When ?logLevel= was given: the level of the log lines this stream gets, or null (not an admin)',
  })
  logLevel?: LogLevel | null;
}

/** `event: resync` / `event: end` */
export class StreamNoticeEventDto {
  @ApiPropertyOptional({
    enum: ['EVENTS_UNKNOWN', 'EVENTS_SKIPPED'],
    description:
      'resync: EVENTS_UNKNOWN — the events since Last-Event-ID are no longer held (or the id is not this ' +
      "instance's); EVENTS_SKIPPED — messages were not published while no stream was open (on any instance), and " +
      'this stream resumed from before that or opened just as it happened. Either way: reload what is shown.',
  })
  code?: 'EVENTS_UNKNOWN' | 'EVENTS_SKIPPED';
  @ApiPropertyOptional({
    description: 'resync: the same in English, for a log; end: token_expired, session_ended or shutdown',
  })
  reason?: string;
}
