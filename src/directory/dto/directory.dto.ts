import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsString, MaxLength } from 'class-validator';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { Optional } from '../../common/validation';
import { CONTACT_KINDS } from '../contact.entity';
import { SYNC_STATES } from '../directory-sync.entity';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class ContactListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: CONTACT_KINDS })
  @Optional()
  @IsIn(CONTACT_KINDS, { message: 'kind must be one of friend, group, official, stranger' })
  kind?: (typeof CONTACT_KINDS)[number];

  @ApiPropertyOptional({ maxLength: 100, description: 'Part of the wxid, nickname, remark or WeChat id' })
  @Optional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ description: 'Also list removed friends and groups the robot left' })
  @Optional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'deleted must be true or false' })
  deleted?: boolean;
}

export class MemberListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ maxLength: 100, description: 'Part of the wxid, nickname or group display name' })
  @Optional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class ContactResponseDto {
  @ApiProperty({ description: 'wxid, group id (…@chatroom) or official account id (gh_…)' }) wxid!: string;
  @ApiProperty({ enum: CONTACT_KINDS }) kind!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The remark, else the nickname (a group: its name)' })
  name!: string | null;
  @ApiProperty({ type: String, nullable: true }) nickname!: string | null;
  @ApiProperty({ type: String, nullable: true }) remark!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The WeChat id they chose (微信号)' }) alias!:
    string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Avatar URL (Gewe/WeChat CDN)' }) avatar!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "A group's owner" }) ownerWxid!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: "A group's member count" }) memberCount!: number | null;
  @ApiProperty({ description: 'No longer a friend, or a group the robot left' }) deleted!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'When its details were last fetched from Gewe' })
  syncedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;
}

export class ContactListResponseDto {
  @ApiProperty({ type: [ContactResponseDto] }) items!: ContactResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}

export class MemberResponseDto {
  @ApiProperty() wxid!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The group display name, else the nickname' })
  name!: string | null;
  @ApiProperty({ type: String, nullable: true }) nickname!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Their name card in this group (群昵称)' })
  displayName!: string | null;
  @ApiProperty({ type: String, nullable: true }) avatar!: string | null;
  @ApiProperty({ type: String, nullable: true }) inviterWxid!: string | null;
}

export class MemberListResponseDto {
  @ApiProperty({ type: [MemberResponseDto] }) items!: MemberResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}

export class DirectorySyncResponseDto {
  @ApiProperty() robotId!: number;
  @ApiProperty({ enum: [...SYNC_STATES, 'never'] }) state!: string;
  @ApiProperty({ enum: ['list', 'contacts', 'groups', 'done'], description: 'Where the sync is' }) phase!: string;
  @ApiProperty({ description: 'Entries to fetch' }) total!: number;
  @ApiProperty({ description: 'Entries fetched' }) done!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Why it failed (a stable code)' })
  errorCode!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) startedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({ description: 'Contacts and groups in the directory now' }) entries!: number;
}
