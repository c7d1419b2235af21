import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, MaxLength } from 'class-validator';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { Optional } from '../../common/validation';

export class ChatListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ maxLength: 100, description: 'Part of the chat id or of its name (case ignored)' })
  @Optional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class ChatResponseDto {
  @ApiProperty({ example: '123456789@chatroom', description: 'A group id (…@chatroom) or a contact wxid' })
  chatId!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The group's name or the contact's remark or nickname, when known (from Gewe, cached)",
  })
  name!: string | null;

  @ApiProperty()
  isGroup!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'When the last message of the chat was received' })
  lastMessageAt!: string | null;

  @ApiProperty({ description: 'Messages of the chat in the message log' })
  messages!: number;

  @ApiProperty({ description: 'Some plugin has settings for this chat' })
  hasSettings!: boolean;
}

export class ChatListResponseDto {
  @ApiProperty({ type: [ChatResponseDto] })
  items!: ChatResponseDto[];

  @ApiProperty()
  total!: number;

  @ApiProperty()
  page!: number;

  @ApiProperty()
  limit!: number;
}
