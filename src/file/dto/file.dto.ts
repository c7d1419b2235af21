import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, MaxLength, Min } from 'class-validator';
import { IsDateTime } from '../../common/date-time';
import { Optional } from '../../common/validation';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { FILE_STATUSES } from '../file.entity';
import type { FileStatus } from '../file.entity';
import { MEDIA_KINDS } from '../../config/media-kinds';
import type { MediaKind } from '../../config/media-kinds';

export class FileListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional()
  @Optional()
  @Type(() => Number)
  @IsInt({ message: 'robotId must be an integer' })
  @Min(1)
  robotId?: number;

  @ApiPropertyOptional({ enum: MEDIA_KINDS })
  @Optional()
  @IsIn(MEDIA_KINDS, { message: `kind must be one of ${MEDIA_KINDS.join(', ')}` })
  kind?: MediaKind;

  @ApiPropertyOptional({ description: 'Group id or peer wxid' })
  @Optional()
  @IsString()
  @MaxLength(100)
  chatId?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Created at or after' })
  @Optional()
  @IsDateTime('since')
  since?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Created before' })
  @Optional()
  @IsDateTime('until')
  until?: Date;

  @ApiPropertyOptional({ description: 'Part of the original file name (case-insensitive on most collations)' })
  @Optional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @ApiPropertyOptional({ enum: FILE_STATUSES })
  @Optional()
  @IsIn(FILE_STATUSES, { message: `status must be one of ${FILE_STATUSES.join(', ')}` })
  status?: FileStatus;
}

export class FileResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() robotId!: number;
  @ApiProperty({ description: 'The message it came with (GET /api/messages/{id})' }) messageId!: number;
  @ApiProperty({ type: String, nullable: true, description: '64-bit id, as a string' }) newMsgId!: string | null;
  @ApiProperty({ enum: MEDIA_KINDS }) kind!: MediaKind;
  @ApiProperty({ type: String, nullable: true }) chatId!: string | null;
  @ApiProperty({ type: String, nullable: true }) senderWxid!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The chat's name from the robot's directory" })
  chatName!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The sender's name (a group display name first)" })
  senderName!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The name the sender gave (file messages)' })
  originalName!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The stored name, <sha256>.<ext>, once downloaded: GET /api/files/{filename}',
  })
  filename!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The download path, once downloaded' })
  url!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Sniffed from the content' })
  contentType!: string | null;
  @ApiProperty({ type: Number, nullable: true }) size!: number | null;
  @ApiProperty({ type: String, nullable: true }) md5!: string | null;
  @ApiProperty({ type: String, nullable: true }) sha256!: string | null;
  @ApiProperty({ enum: FILE_STATUSES }) status!: FileStatus;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why it failed (or why a done image is only the inline thumbnail)',
  })
  error!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'error as a code for people (DOWNLOAD_FAILED…)' })
  errorCode!: string | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  })
  errorParams!: Record<string, string | number> | null;
  @ApiProperty({ description: 'Download tries so far' }) attempts!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When a pending retry is due' })
  nextAttemptAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;
}

export class FileListResponseDto {
  @ApiProperty({ type: [FileResponseDto] }) items!: FileResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}
