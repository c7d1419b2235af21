import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsDateTime } from '../../common/date-time';
import { Optional } from '../../common/validation';
import { EVENT_KINDS } from '../../callback/events';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { FileResponseDto } from '../../file/dto/file.dto';

export class MessageListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional()
  @Optional()
  @Type(() => Number)
  @IsInt({ message: 'robotId must be an integer' })
  @Min(1)
  robotId?: number;

  @ApiPropertyOptional({ enum: EVENT_KINDS })
  @Optional()
  @IsIn(EVENT_KINDS, { message: 'kind must be one of the event kinds' })
  kind?: string;

  @ApiPropertyOptional({ description: 'Group id or peer wxid' })
  @Optional()
  @IsString()
  @MaxLength(100)
  chatId?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(100)
  senderWxid?: string;

  @ApiPropertyOptional()
  @Optional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'isGroup must be true or false' })
  isGroup?: boolean;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @Optional()
  @IsDateTime('since')
  since?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Received before' })
  @Optional()
  @IsDateTime('until')
  until?: Date;

  @ApiPropertyOptional({ description: 'Part of the text (case-insensitive on most collations)' })
  @Optional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export const SENT_VIA = ['onebot', 'api', 'plugin'] as const;

/** Who had the robot send a message (a message the service sent, logged by recordSent). */
export class SentByDto {
  @ApiProperty({ enum: SENT_VIA }) via!: (typeof SENT_VIA)[number];
  @ApiProperty({ type: String, nullable: true, description: 'The client: a OneBot connection id, a plugin, a token' })
  client!: string | null;
  @ApiPropertyOptional({ description: 'The OneBot transport it came through (forward-ws, reverse-ws, http-api)' })
  transport?: string;
  @ApiPropertyOptional({ description: "The client's address, or the reverse WebSocket's URL" })
  remote?: string;
}

export class MessageResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() robotId!: number;
  @ApiProperty({ type: String, nullable: true, description: '64-bit id, as a string' }) newMsgId!: string | null;
  @ApiProperty({ type: String, nullable: true }) msgId!: string | null;
  @ApiProperty({ enum: EVENT_KINDS }) kind!: string;
  @ApiProperty() typeName!: string;
  @ApiProperty({ type: String, nullable: true }) chatId!: string | null;
  @ApiProperty() isGroup!: boolean;
  @ApiProperty({ type: String, nullable: true }) senderWxid!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "The chat's name from the robot's directory (a remark, a nickname, a group's name); null when not known",
  })
  chatName!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The sender's name: in a group their group display name first, then the remark or nickname",
  })
  senderName!: string | null;
  @ApiProperty() isSelf!: boolean;
  @ApiProperty() mentionsSelf!: boolean;
  @ApiProperty({ type: String, nullable: true }) text!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'For a message that is not plain text: its gist as WeChat sent it (file name, link title, place, card nickname…), null when the kind says it all; a client shows its own label for the kind before it',
  })
  summary!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Unix seconds' }) createTime!: number | null;
  @ApiProperty({ type: String, format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ description: 'Plugins have run for it' }) handled!: boolean;
  @ApiProperty({
    type: SentByDto,
    nullable: true,
    description: 'Who had the robot send it, for a message the service sent (a OneBot client, the API, a plugin)',
  })
  sentBy!: SentByDto | null;
}

export class HandlerOutcomeDto {
  @ApiProperty() plugin!: string;
  @ApiProperty() handler!: string;
  @ApiProperty({ enum: ['ok', 'stopped', 'error', 'timeout'] }) status!: string;
  @ApiProperty() durationMs!: number;
  @ApiPropertyOptional() error?: string;
  @ApiPropertyOptional({
    description: 'The failure came from Gewe (unreachable, refusing a send): it does not count toward auto-disable',
  })
  gewe?: boolean;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description:
      "What the handler (or the deferred work) attached with ctx.note: a model call's model, tokens, latencyMs, error",
  })
  notes?: Record<string, unknown>[];
  @ApiPropertyOptional({
    description: 'Work the handler deferred (ctx.defer); `handler` is `<handler>/<name>`',
  })
  deferred?: boolean;
  @ApiPropertyOptional({ description: "The deferred outcome's notes were too large to keep" })
  notesDropped?: boolean;
}

export class MessageDetailResponseDto extends MessageResponseDto {
  @ApiProperty({ description: 'The callback as received (inline media omitted)' }) raw!: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiProperty({ type: [HandlerOutcomeDto], nullable: true }) results!: unknown[] | null;
  @ApiProperty({
    type: [HandlerOutcomeDto],
    nullable: true,
    description:
      'The outcomes of work the handlers deferred (ctx.defer), in the order they ended; null: none ended yet',
  })
  deferredResults!: unknown[] | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({
    type: [FileResponseDto],
    description: 'The media of the message and its download state (pending, downloading, done, failed with reason)',
  })
  files!: FileResponseDto[];
}

export class MessageListResponseDto {
  @ApiProperty({ type: [MessageResponseDto] }) items!: MessageResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}

export class ReplayDto {
  @ApiPropertyOptional({ description: 'Only this plugin' })
  @Optional()
  @IsString()
  @MaxLength(100)
  plugin?: string;
}

export class ReplayResponseDto {
  @ApiProperty() messageId!: number;
  @ApiProperty({ type: [HandlerOutcomeDto] }) results!: HandlerOutcomeDto[];
}

export class MessageRateQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 180, default: 30, description: 'How many whole minutes back' })
  @Optional()
  @Type(() => Number)
  @IsInt({ message: 'minutes must be an integer' })
  @Min(1, { message: 'minutes must be between 1 and 180' })
  @Max(180, { message: 'minutes must be between 1 and 180' })
  minutes: number = 30;

  @ApiPropertyOptional({ description: 'Only this robot' })
  @Optional()
  @Type(() => Number)
  @IsInt({ message: 'robotId must be an integer' })
  @Min(1)
  robotId?: number;
}

export class MessageRateBucketDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'Start of the minute' }) at!: string;
  @ApiProperty({ description: 'Messages logged in that minute' }) count!: number;
}

export class MessageRateResponseDto {
  @ApiProperty() minutes!: number;
  @ApiProperty({
    type: [MessageRateBucketDto],
    description: 'One bucket per minute, oldest first; the last one is the current, still running minute',
  })
  buckets!: MessageRateBucketDto[];
  @ApiProperty({ description: 'Sum of the buckets' }) total!: number;
}
