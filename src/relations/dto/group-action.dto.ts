import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsNotEmpty,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { Optional } from '../../common/validation';

/** A wxid as Gewe spells them (no commas: the list goes out as one comma-separated string). */
const WXID = /^[^,\s]{1,100}$/;

export class GroupMembersDto {
  @ApiProperty({ type: [String], minItems: 1, maxItems: 40, example: ['wxid_friend1'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(40)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(WXID, { each: true })
  wxids!: string[];
}

export class GroupInviteDto extends GroupMembersDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'The text WeChat shows with an invitation (groups of 40+)' })
  @Optional()
  @IsString()
  @MaxLength(200)
  reason?: string;
}

export class GroupRenameDto {
  @ApiProperty({ maxLength: 30, example: '产品讨论群' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(30)
  name!: string;
}

export class GroupAnnouncementSetDto {
  @ApiProperty({ maxLength: 2000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  content!: string;
}

export class GroupInviteResponseDto {
  @ApiProperty({ example: '123456789@chatroom' })
  chatId!: string;

  @ApiProperty({ type: [String] })
  wxids!: string[];

  @ApiProperty({ type: Number, nullable: true, description: 'Members before the invite (null: Gewe did not say)' })
  memberCount!: number | null;

  @ApiProperty({
    enum: ['direct', 'invitation'],
    description:
      'direct: the group had fewer than 40 members, WeChat adds the people at once; invitation: 40 or more, ' +
      'WeChat sends them an invitation link they must accept',
  })
  mode!: 'direct' | 'invitation';
}

export class GroupMembersResultDto {
  @ApiProperty()
  chatId!: string;

  @ApiProperty({ type: [String] })
  wxids!: string[];
}

export class GroupOkResponseDto {
  @ApiProperty()
  chatId!: string;

  @ApiProperty({ example: true })
  ok!: boolean;
}

export class GroupAnnouncementResponseDto {
  @ApiProperty()
  chatId!: string;

  @ApiProperty({ description: 'The announcement text ("" when there is none)' })
  content!: string;

  @ApiProperty({ type: String, nullable: true, description: "The author's wxid" })
  editor!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'When it was published' })
  publishedAt!: string | null;
}

export class GroupQrCodeResponseDto {
  @ApiProperty()
  chatId!: string;

  @ApiProperty({ description: 'The QR code image as a data URL (data:image/jpeg;base64,…), valid 7 days' })
  dataUrl!: string;

  @ApiProperty({ type: String, nullable: true, description: "Gewe's tip shown with it" })
  tips!: string | null;
}
