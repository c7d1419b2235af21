import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsDateTime } from '../../common/date-time';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { Optional } from '../../common/validation';
import { FileResponseDto } from '../../file/dto/file.dto';
import { MessageResponseDto } from '../../message-log/dto/message.dto';
import { OUTGOING_STATES } from '../outgoing-message.entity';
import type { OutgoingState } from '../outgoing-message.entity';

export class ConversationListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ maxLength: 100, description: 'Part of the chat id or of its name (case ignored)' })
  @Optional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class ConversationResponseDto {
  @ApiProperty({ example: '123456789@chatroom' }) chatId!: string;
  @ApiProperty({ type: String, nullable: true, description: "The group's name, the contact's remark or nickname" })
  name!: string | null;
  @ApiProperty() isGroup!: boolean;
  @ApiProperty({ type: MessageResponseDto, description: 'The last message of the chat' })
  last!: MessageResponseDto;
  @ApiProperty({ type: String }) lastMessageAt!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: "Messages after the caller's read mark that are not the robot's own; null for an API token",
  })
  unread!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The id of the last message the caller read' })
  readUpTo!: number | null;
}

export class ConversationListResponseDto {
  @ApiProperty({ type: [ConversationResponseDto] }) items!: ConversationResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}

export class ReadMarkDto {
  @ApiPropertyOptional({ description: "The last message read (messages.id); default: the chat's newest message" })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  messageId?: number;
}

export class ReadMarkResponseDto {
  @ApiProperty() chatId!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'The id of the last message read; null: none yet' })
  readUpTo!: number | null;
  @ApiProperty() unread!: number;
}

export class ThreadQueryDto {
  @ApiPropertyOptional({ description: 'Messages older than this message id (the next page back)' })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 30 })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 30;
}

export class QuoteDto {
  @ApiProperty({ type: String, nullable: true, description: "The quoted message's NewMsgId" })
  quotedMsgId!: string | null;
  @ApiProperty({ type: String, nullable: true }) quotedSender!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The quoted author as WeChat shows them' })
  quotedDisplayName!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The quoted message's text or XML" })
  quotedContent!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: "The quoted message's WeChat type" })
  quotedType!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The quoted message in the log, when it is there' })
  quotedId!: number | null;
}

export class ThreadMessageDto extends MessageResponseDto {
  @ApiProperty({ type: [FileResponseDto], description: 'The media of the message (download by storedName)' })
  files!: FileResponseDto[];
  @ApiProperty({ type: QuoteDto, nullable: true, description: 'For a quote: what it quotes' })
  quote!: QuoteDto | null;
}

export class ThreadResponseDto {
  @ApiProperty() chatId!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty() isGroup!: boolean;
  @ApiProperty({ type: [ThreadMessageDto], description: 'Newest first' }) items!: ThreadMessageDto[];
  @ApiProperty({ type: Number, nullable: true, description: 'Pass as `before` for the older page; null: no more' })
  nextBefore!: number | null;
  @ApiProperty({ type: () => [OutgoingMessageDto], description: "The chat's sends still queued or failed" })
  outgoing!: OutgoingMessageDto[];
}

export class OutgoingMessageDto {
  @ApiProperty() id!: number;
  @ApiProperty() chatId!: string;
  @ApiProperty({ enum: ['text', 'image', 'file'] }) type!: string;
  @ApiProperty() content!: string;
  @ApiProperty({ enum: OUTGOING_STATES }) state!: OutgoingState;
  @ApiProperty({ type: String, nullable: true }) errorCode!: string | null;
  @ApiProperty({ type: String, nullable: true }) newMsgId!: string | null;
  @ApiProperty() createdAt!: string;
}

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export const EXPORT_LANGS = ['zh', 'en'] as const;

export class MessageExportQueryDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'csv' })
  @Optional()
  @IsIn(EXPORT_FORMATS)
  format: (typeof EXPORT_FORMATS)[number] = 'csv';

  @ApiPropertyOptional({ maxLength: 100, description: "One chat's messages; default: all the robot's" })
  @Optional()
  @IsString()
  @Matches(/^[^\s]{1,100}$/)
  chatId?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Received at or after' })
  @Optional()
  @IsDateTime('since')
  since?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Received before' })
  @Optional()
  @IsDateTime('until')
  until?: Date;

  @ApiPropertyOptional({ enum: EXPORT_LANGS, default: 'zh', description: 'The language of the CSV headers' })
  @Optional()
  @IsIn(EXPORT_LANGS)
  lang: (typeof EXPORT_LANGS)[number] = 'zh';
}
