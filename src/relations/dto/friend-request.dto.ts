import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { Optional } from '../../common/validation';
import { FRIEND_REQUEST_STATUSES } from '../friend-request.entity';
import type { FriendRequestStatus } from '../friend-request.entity';

export class FriendRequestListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: FRIEND_REQUEST_STATUSES, description: 'Only requests in this state (default: all)' })
  @Optional()
  @IsIn(FRIEND_REQUEST_STATUSES)
  status?: FriendRequestStatus;
}

export class FriendRequestAcceptDto {
  @ApiPropertyOptional({
    maxLength: 2000,
    description: 'A text sent to the new friend after accepting (waits its turn in the send governor)',
  })
  @Optional()
  @IsString()
  @MaxLength(2000)
  greeting?: string;
}

export class FriendRequestResponseDto {
  @ApiProperty()
  id!: number;

  @ApiProperty()
  robotId!: number;

  @ApiProperty({ description: "The asker's wxid" })
  wxid!: string;

  @ApiProperty({ type: String, nullable: true })
  nickname!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The asker's avatar URL" })
  avatar!: string | null;

  @ApiProperty({ description: 'The verification text the asker wrote' })
  content!: string;

  @ApiProperty({ type: Number, nullable: true, description: 'How the asker found the robot (WeChat scene number)' })
  scene!: number | null;

  @ApiProperty({ enum: FRIEND_REQUEST_STATUSES })
  status!: FriendRequestStatus;

  @ApiProperty({ description: 'When the (latest) request arrived' })
  receivedAt!: string;

  @ApiProperty({ type: String, nullable: true })
  handledAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Who answered it: a user name, plugin:FriendGate, or wechat (accepted elsewhere)',
  })
  handledBy!: string | null;
}

export class FriendRequestListResponseDto {
  @ApiProperty({ type: [FriendRequestResponseDto] })
  items!: FriendRequestResponseDto[];

  @ApiProperty()
  total!: number;

  @ApiProperty()
  page!: number;

  @ApiProperty()
  limit!: number;
}

export class FriendRequestAcceptResponseDto {
  @ApiProperty({ type: FriendRequestResponseDto })
  request!: FriendRequestResponseDto;

  @ApiProperty({
    enum: ['sent', 'failed', 'none'],
    description: 'The greeting: sent, failed (the request stays accepted; see greetingError), or none asked',
  })
  greeting!: 'sent' | 'failed' | 'none';

  @ApiProperty({ type: String, nullable: true, description: "The code of the greeting's failure" })
  greetingError!: string | null;
}
