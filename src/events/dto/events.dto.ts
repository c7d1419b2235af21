import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ROBOT_STATUSES } from '../../robot/state/robot-state.store';
import type { RobotStatus } from '../../robot/state/robot-state.store';

export class EventsQueryDto {
  @ApiPropertyOptional({
    name: 'access_token',
    description:
      'The access token, for EventSource (which cannot send headers). Accepted on this route only; prefer the ' +
      'Authorization header where you can. Never logged.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  access_token?: string;

  @ApiPropertyOptional({
    description: 'Resume after this event id (a new EventSource cannot send the Last-Event-ID header)',
    example: '1767225600000000',
  })
  @IsOptional()
  @Matches(/^\d{1,16}$/, { message: 'lastEventId must be an event id (digits)' })
  lastEventId?: string;
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

/** `event: ready` (first event of every stream, without an id) */
export class ReadyEventDto {
  @ApiProperty({ description: 'Id of the newest event so far' }) lastEventId!: string;
  @ApiProperty({ description: 'Events replayed after Last-Event-ID' }) replayed!: number;
}

/** `event: resync` / `event: end` */
export class StreamNoticeEventDto {
  @ApiPropertyOptional({ description: 'resync: why the missed events cannot be replayed' }) reason?: string;
}
