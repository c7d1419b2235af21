import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Nullable, Optional } from '../../common/validation';
import { IsOutboundUrl } from '../../gewe/gewe-url.validator';
import { ID_MODES, TRANSPORTS } from '../onebot.types';
import type { ClientRole, IdMode, Transport } from '../onebot.types';

const WS_URL = /^wss?:\/\/\S+$/i;

/** A reverse WebSocket target in a PUT: a stored access token is kept when `accessToken` is left out. */
export class ReverseWsTargetDto {
  @ApiProperty({ example: 'ws://127.0.0.1:8080/onebot/v11/ws', description: 'ws:// or wss:// URL the robot dials' })
  @IsString({ message: 'url must be a string' })
  @MaxLength(2048, { message: 'url must be at most 2048 characters' })
  @Matches(WS_URL, { message: 'url must be a ws:// or wss:// URL' })
  url!: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    writeOnly: true,
    description: 'Sent as Authorization: Bearer …; left out: the stored one is kept; null: none',
  })
  @Optional()
  @Nullable()
  @IsString({ message: 'accessToken must be a string' })
  @MaxLength(512, { message: 'accessToken must be at most 512 characters' })
  accessToken?: string | null;

  @ApiPropertyOptional({ default: 3000, minimum: 500, maximum: 600000 })
  @Optional()
  @IsInt({ message: 'reconnectIntervalMs must be an integer' })
  @Min(500, { message: 'reconnectIntervalMs must be at least 500' })
  @Max(600_000, { message: 'reconnectIntervalMs must be at most 600000' })
  reconnectIntervalMs?: number;
}

/** An HTTP POST target in a PUT: a stored secret is kept when `secret` is left out. */
export class HttpPostTargetDto {
  @ApiProperty({ example: 'http://127.0.0.1:8080/onebot/v11/http', description: 'http(s) URL events are POSTed to' })
  @IsString({ message: 'url must be a string' })
  @IsOutboundUrl()
  url!: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    writeOnly: true,
    description: 'HMAC-SHA1 key of X-Signature; left out: the stored one is kept; null: no signature',
  })
  @Optional()
  @Nullable()
  @IsString({ message: 'secret must be a string' })
  @MaxLength(512, { message: 'secret must be at most 512 characters' })
  secret?: string | null;

  @ApiPropertyOptional({ default: 5000, minimum: 500, maximum: 60000 })
  @Optional()
  @IsInt({ message: 'timeoutMs must be an integer' })
  @Min(500, { message: 'timeoutMs must be at least 500' })
  @Max(60_000, { message: 'timeoutMs must be at most 60000' })
  timeoutMs?: number;
}

/** PUT /api/robots/{robot_id}/onebot: the fields given are changed, the rest kept. */
export class OneBotSettingsUpdateDto {
  @ApiPropertyOptional()
  @Optional()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;

  @ApiPropertyOptional({ enum: ID_MODES, description: 'alias: integer ids (NoneBot needs them); string: raw wxids' })
  @Optional()
  @IsIn(ID_MODES, { message: `idMode must be one of ${ID_MODES.join(', ')}` })
  idMode?: IdMode;

  @ApiPropertyOptional({ description: 'Accept forward WebSocket clients at /onebot/v11/{robot_id}' })
  @Optional()
  @IsBoolean({ message: 'forwardWs must be true or false' })
  forwardWs?: boolean;

  @ApiPropertyOptional({ type: [ReverseWsTargetDto] })
  @Optional()
  @IsArray({ message: 'reverseWs must be a list' })
  @ArrayMaxSize(8, { message: 'reverseWs may list at most 8 targets' })
  @ValidateNested({ each: true })
  @Type(() => ReverseWsTargetDto)
  reverseWs?: ReverseWsTargetDto[];

  @ApiPropertyOptional({ type: [HttpPostTargetDto] })
  @Optional()
  @IsArray({ message: 'httpPost must be a list' })
  @ArrayMaxSize(8, { message: 'httpPost may list at most 8 targets' })
  @ValidateNested({ each: true })
  @Type(() => HttpPostTargetDto)
  httpPost?: HttpPostTargetDto[];

  @ApiPropertyOptional({ description: "Post the robot's own messages as message_sent events" })
  @Optional()
  @IsBoolean({ message: 'postSelf must be true or false' })
  postSelf?: boolean;

  @ApiPropertyOptional({ minimum: 1000, maximum: 600000, description: 'Heartbeat meta event interval; 0 = none' })
  @Optional()
  @IsInt({ message: 'heartbeatIntervalMs must be an integer' })
  @Min(0, { message: 'heartbeatIntervalMs must be 0 or at least 1000' })
  @Max(600_000, { message: 'heartbeatIntervalMs must be at most 600000' })
  heartbeatIntervalMs?: number;
}

export class ReverseWsTargetResponseDto {
  @ApiProperty() url!: string;
  @ApiProperty({ description: 'An access token is stored (never answered)' }) accessTokenSet!: boolean;
  @ApiProperty() reconnectIntervalMs!: number;
}

export class HttpPostTargetResponseDto {
  @ApiProperty() url!: string;
  @ApiProperty({ description: 'A secret is stored (never answered)' }) secretSet!: boolean;
  @ApiProperty() timeoutMs!: number;
}

export class OneBotSettingsResponseDto {
  @ApiProperty() robotId!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: ID_MODES }) idMode!: IdMode;
  @ApiProperty() forwardWs!: boolean;
  @ApiProperty({ type: [ReverseWsTargetResponseDto] }) reverseWs!: ReverseWsTargetResponseDto[];
  @ApiProperty({ type: [HttpPostTargetResponseDto] }) httpPost!: HttpPostTargetResponseDto[];
  @ApiProperty() postSelf!: boolean;
  @ApiProperty() heartbeatIntervalMs!: number;
  @ApiProperty({
    description: 'Forward WebSocket path (universal; /api and /event below it)',
    example: '/onebot/v11/3',
  })
  wsPath!: string;
  @ApiProperty({ description: 'HTTP API base path: POST {httpPath}/{action}', example: '/onebot/v11/3' })
  httpPath!: string;
  @ApiProperty({ nullable: true, type: Number, description: "The robot's self_id (its alias), once it has a wxid" })
  selfId!: number | string | null;
}

/** An error of a transport, as the console lists it: a stable code with its parameters. */
export class OneBotErrorDto {
  @ApiProperty() at!: string;
  @ApiProperty({ example: 'ONEBOT_REVERSE_CONNECT_FAILED' }) code!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) params!: Record<string, unknown>;
  @ApiProperty({ description: 'The same in English, for logs' }) message!: string;
}

export class OneBotClientDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: TRANSPORTS }) transport!: Transport;
  @ApiProperty({ enum: ['universal', 'api', 'event'] }) role!: ClientRole;
  @ApiProperty({ description: "The peer's address, or the target's URL" }) remote!: string;
  @ApiProperty({ enum: ['connected', 'connecting', 'failing'] }) state!: 'connected' | 'connecting' | 'failing';
  @ApiProperty({ nullable: true, type: String }) connectedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) tokenName!: string | null;
  @ApiProperty() eventsSent!: number;
  @ApiProperty() actions!: number;
  @ApiProperty({ nullable: true, type: OneBotErrorDto }) lastError!: OneBotErrorDto | null;
}

export class OneBotStatusResponseDto {
  @ApiProperty() robotId!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: [OneBotClientDto], description: 'Connected clients and configured targets, on this instance' })
  clients!: OneBotClientDto[];
  @ApiProperty({ description: 'Events delivered in the last 60 s' }) eventsPerMinute!: number;
  @ApiProperty({ description: 'Actions answered in the last 60 s' }) actionsPerMinute!: number;
  @ApiProperty({ description: 'Refused handshakes and HTTP calls (bad or missing token) since start' })
  authFailures!: number;
  @ApiProperty({ description: "Sends waiting in the robot's send governor" }) sendBacklog!: number;
  @ApiProperty({ type: [OneBotErrorDto], description: 'The last errors, newest first (at most 20)' })
  lastErrors!: OneBotErrorDto[];
}
