import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { IsDateTime } from '../../common/date-time';
import { Optional } from '../../common/validation';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';

export class AuditListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'A username, `user:<id>` or `token:<id>`' })
  @Optional()
  @IsString()
  @MaxLength(100)
  actor?: string;

  @ApiPropertyOptional({ description: 'An action (`robot.update`), or an area (`robot`: every robot.* action)' })
  @Optional()
  @Matches(/^[a-z_]{1,32}(\.[a-z_]{1,31})?$/, { message: 'action must look like robot or robot.update' })
  action?: string;

  @ApiPropertyOptional({ description: 'robot, user, plugin, message, job, file, token, setting…' })
  @Optional()
  @Matches(/^[a-z_]{1,32}$/, { message: 'targetType must be lower-case letters or _' })
  targetType?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(191)
  targetId?: string;

  @ApiPropertyOptional({ enum: ['ok', 'failed'] })
  @Optional()
  @IsIn(['ok', 'failed'], { message: 'result must be ok or failed' })
  result?: 'ok' | 'failed';

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'At or after' })
  @Optional()
  @IsDateTime('since')
  since?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Before' })
  @Optional()
  @IsDateTime('until')
  until?: Date;
}

export class AuditEntryResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'The user who acted' }) actorUserId!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Their username (or the one tried, for a failed login)' })
  actorUsername!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The API token that acted' }) actorTokenId!: number | null;
  @ApiProperty({ example: 'robot.update' }) action!: string;
  @ApiProperty({ type: String, nullable: true, example: 'robot' }) targetType!: string | null;
  @ApiProperty({ type: String, nullable: true }) targetId!: string | null;
  @ApiProperty({ enum: ['ok', 'failed'] }) result!: 'ok' | 'failed';
  @ApiProperty({ type: Number, nullable: true, description: 'The HTTP status of the answer' }) status!: number | null;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The chat (a contact or group) the action was about, for a robot's action (a send, a group action)",
  })
  chatId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "That chat's name from the robot's directory" })
  chatName!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The request fields (secrets masked), a config diff, the error message…',
  })
  details!: Record<string, unknown> | null;
}

export class AuditListResponseDto {
  @ApiProperty({ type: [AuditEntryResponseDto] }) items!: AuditEntryResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}
