import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Optional } from '../../common/validation';

/** GET /api/plugins/{plugin_name}/records: filters and the page's cursor (newest first). */
export class PluginRecordQueryDto {
  @ApiPropertyOptional({ description: 'Only records of this kind (GET …/records/kinds lists them)', maxLength: 64 })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  kind?: string;

  @ApiPropertyOptional({ minimum: 1, description: 'Only records of this robot' })
  @Optional()
  @Type(() => Number)
  @IsInt({ message: 'robotId must be an integer' })
  @Min(1)
  @Max(2_147_483_647)
  robotId?: number;

  @ApiPropertyOptional({ description: 'Only records of this chat (group id or peer wxid)', maxLength: 100 })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  chatId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 20 })
  @Optional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(200)
  limit: number = 20;

  @ApiPropertyOptional({
    minimum: 1,
    description: "Records older than this id: the previous page's nextBefore",
  })
  @Optional()
  @Type(() => Number)
  @IsInt({ message: 'before must be an integer' })
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  before?: number;
}

export class PluginRecordResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'declined' }) kind!: string;
  @ApiProperty({ type: Number, nullable: true }) robotId!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Group id or peer wxid' }) chatId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The plugin's JSON (at most 16 KiB)" })
  data!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export class PluginRecordPageResponseDto {
  @ApiProperty({ type: [PluginRecordResponseDto], description: 'Newest first' })
  items!: PluginRecordResponseDto[];

  @ApiProperty() limit!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Pass as `before` for the next (older) page; null when there is none',
  })
  nextBefore!: number | null;
}

export class PluginRecordKindDto {
  @ApiProperty({ example: 'declined' }) kind!: string;
  @ApiProperty({ description: 'Records of this kind (the newest 1 000 are kept)' }) count!: number;
}

export class PluginRecordKindsResponseDto {
  @ApiProperty({ type: [PluginRecordKindDto] })
  items!: PluginRecordKindDto[];
}
