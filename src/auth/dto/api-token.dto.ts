import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { ID_SCHEMA } from '../../common/id-param.pipe';
import { IsDateTime } from '../../common/date-time';
import { Nullable, Optional } from '../../common/validation';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { TOKEN_SCOPE_NAMES } from '../api-token.scopes';

/** How many robots one token may be limited to. */
export const MAX_TOKEN_ROBOTS = 100;

export class ApiTokenCreateDto {
  @ApiProperty({ example: 'crm', description: 'What the token is for (1-100 characters)' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString({ message: 'name must be a string' })
  @Length(1, 100, { message: 'name must be 1-100 characters' })
  name!: string;

  @ApiProperty({ enum: TOKEN_SCOPE_NAMES, isArray: true, example: ['messages:send'] })
  @IsArray({ message: 'scopes must be a list of scopes' })
  @ArrayMinSize(1, { message: 'scopes must name at least one scope' })
  @ArrayMaxSize(TOKEN_SCOPE_NAMES.length)
  @ArrayUnique({ message: 'scopes must not repeat a scope' })
  @IsIn(TOKEN_SCOPE_NAMES, { each: true, message: `scopes must each be one of ${TOKEN_SCOPE_NAMES.join(', ')}` })
  scopes!: string[];

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the token stops working (in the future); absent or null: never',
  })
  @Optional()
  @Nullable()
  @IsDateTime('expiresAt')
  expiresAt?: Date | null;

  @ApiPropertyOptional({
    type: [Number],
    nullable: true,
    maxItems: MAX_TOKEN_ROBOTS,
    example: [3],
    description:
      'The robots the token may reach (ids of existing robots, at most 100); absent or null: every robot. A limited ' +
      'token is refused (403 ROBOT_NOT_ALLOWED) on the routes of other robots and sees only its robots in lists.',
  })
  @Optional()
  @Nullable()
  @IsArray({ message: 'robotIds must be a list of robot ids' })
  @ArrayMinSize(1, { message: 'robotIds must name at least one robot (null: every robot)' })
  @ArrayMaxSize(MAX_TOKEN_ROBOTS, { message: `robotIds may name at most ${MAX_TOKEN_ROBOTS} robots` })
  @ArrayUnique({ message: 'robotIds must not repeat a robot' })
  @IsInt({ each: true, message: 'robotIds must each be a positive integer' })
  @Min(ID_SCHEMA.minimum, { each: true, message: 'robotIds must each be a positive integer' })
  @Max(ID_SCHEMA.maximum, { each: true, message: 'robotIds must each be a positive integer' })
  robotIds?: number[] | null;
}

export class ApiTokenListQueryDto extends PaginationQueryDto {}

export class ApiTokenResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'ogw_AbCdEfGh', description: 'The first characters of the secret' }) prefix!: string;
  @ApiProperty({ enum: TOKEN_SCOPE_NAMES, isArray: true }) scopes!: string[];
  @ApiProperty({
    type: [Number],
    nullable: true,
    description: 'The robots the token may reach, ascending; null: every robot',
  })
  robotIds!: number[] | null;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] }) state!: 'active' | 'expired' | 'revoked';
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Updated at most once a minute' })
  lastUsedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastUsedIp!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The admin who created it' }) createdBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export class ApiTokenCreatedResponseDto extends ApiTokenResponseDto {
  @ApiProperty({
    example: 'ogw_AbCdEfGh…',
    description: 'The secret: shown this once, never again. Send it as Authorization: Bearer <token>.',
  })
  token!: string;
}

export class ApiTokenListResponseDto {
  @ApiProperty({ type: [ApiTokenResponseDto] }) items!: ApiTokenResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}
