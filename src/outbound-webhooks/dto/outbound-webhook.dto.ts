import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { EVENT_KINDS } from '../../callback/events';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { Optional } from '../../common/validation';

export const DELIVERY_STATUSES = ['pending', 'delivering', 'delivered', 'dead'] as const;

export class OutboundWebhookCreateDto {
  @ApiProperty({ example: 'https://n8n.example.com/webhook/wechat', maxLength: 2000 })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @Optional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({
    type: [String],
    enum: EVENT_KINDS,
    description: 'Event kinds to deliver (those of the message log); empty or left out: all',
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(EVENT_KINDS.length)
  @IsString({ each: true })
  eventKinds?: string[];

  @ApiPropertyOptional({ type: [Number], description: 'Only these robots; empty or left out: all' })
  @Optional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(2_147_483_647, { each: true })
  robotIds?: number[];

  @ApiPropertyOptional({ type: [String], description: 'Only these chats (wxid or …@chatroom); empty or left out: all' })
  @Optional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  chatIds?: string[];

  @ApiPropertyOptional({ default: true })
  @Optional()
  @IsBoolean()
  active?: boolean;
}

export class OutboundWebhookUpdateDto {
  @ApiPropertyOptional({ maxLength: 2000 })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @Optional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ type: [String], enum: EVENT_KINDS })
  @Optional()
  @IsArray()
  @ArrayMaxSize(EVENT_KINDS.length)
  @IsString({ each: true })
  eventKinds?: string[];

  @ApiPropertyOptional({ type: [Number] })
  @Optional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(2_147_483_647, { each: true })
  robotIds?: number[];

  @ApiPropertyOptional({ type: [String] })
  @Optional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  chatIds?: string[];

  @ApiPropertyOptional()
  @Optional()
  @IsBoolean()
  active?: boolean;
}

export class OutboundWebhookResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() url!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: [String], description: 'Empty: all kinds' }) eventKinds!: string[];
  @ApiProperty({ type: [Number], description: 'Empty: all robots' }) robotIds!: number[];
  @ApiProperty({ type: [String], description: 'Empty: all chats' }) chatIds!: string[];
  @ApiProperty() active!: boolean;
  @ApiProperty({ description: 'The start of the secret (whsec_ and 4 characters), to tell secrets apart' })
  secretHint!: string;
  @ApiProperty({ type: String, nullable: true }) createdBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ description: 'Deliveries in the dead-letter list' }) deadLetters!: number;
}

export class OutboundWebhookListResponseDto {
  @ApiProperty({ type: [OutboundWebhookResponseDto] }) items!: OutboundWebhookResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}

/** The answer of a create and of a rotation: the only times the secret is shown. */
export class OutboundWebhookSecretResponseDto extends OutboundWebhookResponseDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Shown once: keep it now' })
  secret!: string;
}

export class OutboundTestResponseDto {
  @ApiProperty({ description: 'The delivery queued (see its log)' }) deliveryId!: number;
  @ApiProperty({ description: 'Its webhook-id header' }) eventId!: string;
}

export class OutboundAttemptResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() deliveryId!: number;
  @ApiProperty() eventType!: string;
  @ApiProperty() attempt!: number;
  @ApiProperty({ type: Number, nullable: true }) statusCode!: number | null;
  @ApiProperty() latencyMs!: number;
  @ApiProperty({ type: String, nullable: true, description: 'The first 500 characters of the answer' })
  response!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'HTTP_<status>, TIMEOUT, ECONNREFUSED, EOUTBOUNDREFUSED…' })
  errorCode!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
}

export class OutboundAttemptListResponseDto {
  @ApiProperty({ type: [OutboundAttemptResponseDto] }) items!: OutboundAttemptResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}

export class OutboundDeliveryQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @Optional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: (typeof DELIVERY_STATUSES)[number];
}

export class OutboundDeliveryResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() webhookId!: number;
  @ApiProperty({ description: 'The webhook-id header' }) eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ type: Number, nullable: true }) messageId!: number | null;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: Number, nullable: true }) lastStatus!: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) nextAttemptAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export class OutboundDeliveryListResponseDto {
  @ApiProperty({ type: [OutboundDeliveryResponseDto] }) items!: OutboundDeliveryResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}

export class OutboundReplayResponseDto {
  @ApiProperty({ description: 'Dead letters queued again' }) replayed!: number;
}
