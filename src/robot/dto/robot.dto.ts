import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { Nullable, Optional } from '../../common/validation';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { MEDIA_KINDS } from '../../config/media-kinds';
import type { MediaKind } from '../../config/media-kinds';
import { IsGeweUrl } from '../../gewe/gewe-url.validator';
import { ROBOT_STATUSES } from '../../coordination/robot-state.store';
import { CALLBACK_URL_WARNING_CODES } from '../callback-url';
import type { CallbackUrlWarningCode } from '../callback-url';
import type { RobotStatus } from '../../coordination/robot-state.store';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const APP_ID = /^[\w-]{1,100}$/;

/** Per-robot settings kept in the `config` column (JSON). */
export class RobotConfigDto {
  @ApiPropertyOptional({ description: 'Paid GeWeAPI: province code of the login region, e.g. "320000"' })
  @Optional()
  @Matches(/^\d{6}$/, { message: 'config.regionId must be a 6-digit province code' })
  regionId?: string;

  @ApiPropertyOptional({ enum: ['ipad', 'mac'], description: 'Paid GeWeAPI: device type to log in as' })
  @Optional()
  @IsIn(['ipad', 'mac'], { message: 'config.loginType must be ipad or mac' })
  loginType?: 'ipad' | 'mac';

  @ApiPropertyOptional({
    description: "Paid GeWeAPI: socks5 proxy in the phone's province, e.g. socks5://user:pw@host:port",
  })
  @Optional()
  @Matches(/^socks5h?:\/\/\S+$/, { message: 'config.proxyIp must be a socks5:// URL' })
  proxyIp?: string;

  @ApiPropertyOptional({
    enum: MEDIA_KINDS,
    isArray: true,
    description:
      'Media kinds downloaded automatically for this robot, instead of [files].auto_download ([] = none; plugins can still ask)',
  })
  @Optional()
  @IsArray({ message: 'config.autoDownload must be a list of media kinds' })
  @ArrayMaxSize(MEDIA_KINDS.length)
  @IsIn(MEDIA_KINDS, { each: true, message: `config.autoDownload may only list ${MEDIA_KINDS.join(', ')}` })
  autoDownload?: MediaKind[];
}

export class RobotCreateDto {
  @ApiProperty({ example: '客服机器人', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({
    example: 'http://192.168.1.10:2531/v2/api',
    description: 'Gewe API base URL; defaults to the gewe.base_url setting',
  })
  @Optional()
  @Transform(trim)
  @IsGeweUrl()
  baseUrl?: string;

  @ApiPropertyOptional({
    description: 'X-GEWE-TOKEN (write-only); defaults to the gewe.token setting',
    writeOnly: true,
  })
  @Optional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  token?: string;

  @ApiPropertyOptional({ description: 'An existing Gewe device (appId); omit for a new device created at first login' })
  @Optional()
  @Transform(trim)
  @Matches(APP_ID, { message: 'appId must be 1-100 letters, digits, _ or -' })
  appId?: string;

  @ApiPropertyOptional({
    example: 'http://192.168.1.10:2532/download',
    description:
      'Gewechat file download base URL ("" for none). Defaults to the gewe.download_url setting on that setting\'s Gewe, else for a self-hosted Gewechat at http://host:2531/v2/api to http://host:2532/download',
  })
  @Optional()
  @Transform(trim)
  @IsGeweUrl({ allowEmpty: true })
  downloadUrl?: string;

  @ApiPropertyOptional({ description: 'true: paid GeWeAPI; false: self-hosted Gewechat. Defaults to gewe.is_gewe' })
  @Optional()
  @IsBoolean()
  isGewe?: boolean;

  @ApiPropertyOptional({ type: RobotConfigDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => RobotConfigDto)
  config?: RobotConfigDto;
}

export class RobotUpdateDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @Optional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({
    description:
      'Another host (scheme, host or port) needs `token` in the same request (400 TOKEN_REQUIRED_FOR_NEW_HOST): the stored token is only sent where it was saved for',
  })
  @Optional()
  @Transform(trim)
  @IsGeweUrl()
  baseUrl?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'A new token (the client is rebuilt)' })
  @Optional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  token?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'null forgets the device (next login creates one)',
  })
  @Optional()
  @Nullable()
  @Transform(trim)
  @Matches(APP_ID, { message: 'appId must be 1-100 letters, digits, _ or -' })
  appId?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @Optional()
  @Nullable()
  @Transform(trim)
  @IsGeweUrl({ allowEmpty: true })
  downloadUrl?: string | null;

  @ApiPropertyOptional()
  @Optional()
  @IsBoolean()
  isGewe?: boolean;

  @ApiPropertyOptional({ type: RobotConfigDto, description: 'Replaces the whole config object' })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => RobotConfigDto)
  config?: RobotConfigDto;
}

export class RobotVerifyQueryDto {
  @ApiPropertyOptional({ default: true, description: 'Check the token with Gewe before saving' })
  @Optional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'false' || value === '0' ? false : value === 'true' || value === '1' ? true : value,
  )
  @IsBoolean({ message: 'verify must be true or false' })
  verify: boolean = true;
}

export class RobotListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: ROBOT_STATUSES })
  @Optional()
  @IsIn(ROBOT_STATUSES, { message: `status must be one of ${ROBOT_STATUSES.join(', ')}` })
  status?: RobotStatus;

  @ApiPropertyOptional({ description: 'Part of the name, appId, wxid or nickname' })
  @Optional()
  @IsString()
  @MaxLength(100)
  search?: string;
}

export class CaptchaDto {
  @ApiProperty({ example: '123456', description: 'The security code shown on the phone' })
  @Transform(trim)
  @Matches(/^[A-Za-z0-9]{4,12}$/, { message: 'code must be 4-12 letters or digits' })
  code!: string;
}

export class RobotStatusResponseDto {
  @ApiProperty() robotId!: number;
  @ApiProperty({ enum: ROBOT_STATUSES }) status!: RobotStatus;
  @ApiProperty({ type: String, nullable: true, description: 'Why the robot is in error/expired/offline' })
  reason!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The reason as a code for people (message-codes.ts)' })
  reasonCode!: string | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  })
  reasonParams!: Record<string, string | number> | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'QR content (http://weixin.qq.com/x/…) while a login waits',
  })
  qrcodeUrl!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'QR image as a data URI' }) qrImageBase64!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Who scanned, before confirming' })
  scannedNickname!: string | null;
  @ApiProperty({ type: String, nullable: true }) scannedAvatarUrl!: string | null;
  @ApiProperty({ type: String, nullable: true }) wxid!: string | null;
  @ApiProperty({ type: String, nullable: true }) nickname!: string | null;
  @ApiProperty({ type: String, nullable: true }) avatarUrl!: string | null;
  @ApiProperty({ type: String, nullable: true }) appId!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSeenAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastCallbackAt!: string | null;
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description: 'Callback URL registered with Gewe (null: paid GeWeAPI — paste it in the console)',
  })
  callbackRegistered!: boolean | null;
  @ApiProperty({ type: String, nullable: true }) callbackError!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'callbackError as a code for people' })
  callbackErrorCode!: string | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  })
  callbackErrorParams!: Record<string, string | number> | null;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;
}

export class RobotResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) appId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '********', description: 'Always masked' })
  token!: string | null;
  @ApiProperty() baseUrl!: string;
  @ApiProperty({ type: String, nullable: true }) downloadUrl!: string | null;
  @ApiProperty({
    description:
      'The full URL Gewe must POST callbacks to, including its key — for callers who may change robots (a user, or an API token with robots:write); others get it without the key (see callbackKeyHidden)',
  })
  callbackUrl!: string;
  @ApiProperty({
    description:
      'True when callbackUrl is shown without its key: the caller may not change robots (e.g. a robots:read token)',
  })
  callbackKeyHidden!: boolean;
  @ApiPropertyOptional({ description: 'Present when the callback URL is unlikely to be reachable by Gewe' })
  callbackUrlWarning?: string;
  @ApiPropertyOptional({
    enum: CALLBACK_URL_WARNING_CODES,
    description:
      'The stable code of callbackUrlWarning: CALLBACK_KEY_SEALED (rotate the key), CALLBACK_URL_LOOPBACK, CALLBACK_URL_CONTAINER_ADDRESS (guessed from a container’s private address: set gewe.callback_url)',
  })
  callbackUrlWarningCode?: CallbackUrlWarningCode;
  @ApiProperty() isGewe!: boolean;
  @ApiProperty({ enum: ROBOT_STATUSES }) status!: RobotStatus;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Why the robot is in its status (error, expired, reconnecting…), as GET …/status reports it; null when all is well',
  })
  statusReason!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'statusReason as a code for people (message-codes.ts)' })
  statusReasonCode!: string | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  })
  statusReasonParams!: Record<string, string | number> | null;
  @ApiProperty({ type: String, nullable: true }) wxid!: string | null;
  @ApiProperty({ type: String, nullable: true }) nickname!: string | null;
  @ApiProperty({ type: String, nullable: true }) avatarUrl!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) config!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;
}

export class RobotListResponseDto {
  @ApiProperty({ type: [RobotResponseDto] }) items!: RobotResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}

export class RobotProfileResponseDto {
  @ApiProperty({ type: String, nullable: true }) wxid!: string | null;
  @ApiProperty({ type: String, nullable: true }) nickname!: string | null;
  @ApiProperty({ type: String, nullable: true }) alias!: string | null;
  @ApiProperty({ type: String, nullable: true }) avatarUrl!: string | null;
  @ApiProperty({ type: String, nullable: true }) signature!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Everything Gewe returned (admins only; {} for other users and API tokens)',
  })
  raw!: Record<string, unknown>;
}
