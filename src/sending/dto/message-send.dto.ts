import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsString,
  IsUrl,
  Length,
  MaxLength,
  ValidateIf,
} from 'class-validator';

export const SEND_TYPES = ['text', 'image', 'file'] as const;
export type SendType = (typeof SEND_TYPES)[number];

/** The fields each type uses; any other type-specific field is refused (it would be silently ignored). */
export const SEND_FIELDS: Record<SendType, readonly string[]> = {
  text: ['content', 'ats'],
  image: ['imageUrl'],
  file: ['fileUrl', 'fileName'],
};

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class MessageSendDto {
  @ApiProperty({ enum: SEND_TYPES, description: 'text (content, ats), image (imageUrl) or file (fileUrl, fileName)' })
  @IsIn(SEND_TYPES, { message: `type must be one of ${SEND_TYPES.join(', ')}` })
  type!: SendType;

  @ApiProperty({ example: 'wxid_friend or 123456@chatroom', description: 'The person or group to send to' })
  @IsString({ message: 'toWxid must be a string' })
  @Length(1, 100, { message: 'toWxid must be 1-100 characters' })
  toWxid!: string;

  @ApiPropertyOptional({ description: 'type text: the text (to @ someone in a group, include "@<their name>")' })
  @ValidateIf((o: MessageSendDto) => o.type === 'text' || o.content !== undefined)
  @IsDefined({ message: 'content is required for type text' })
  @IsString({ message: 'content must be a string' })
  @Length(1, 10_000, { message: 'content must be 1-10000 characters' })
  content?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'type text in a group: wxids to @ (notify@all for everyone)',
    example: ['wxid_member'],
  })
  @ValidateIf((o: MessageSendDto) => o.ats !== undefined)
  @IsArray({ message: 'ats must be a list of wxids' })
  @ArrayMaxSize(100, { message: 'ats may name at most 100 wxids' })
  @IsString({ each: true, message: 'ats must be a list of wxids' })
  @Length(1, 100, { each: true, message: 'ats must each be 1-100 characters' })
  ats?: string[];

  @ApiPropertyOptional({ description: 'type image: an http(s) URL of the picture, which Gewe downloads' })
  @ValidateIf((o: MessageSendDto) => o.type === 'image' || o.imageUrl !== undefined)
  @IsDefined({ message: 'imageUrl is required for type image' })
  @MaxLength(2048, { message: 'imageUrl must be at most 2048 characters' })
  @IsUrl(URL_OPTIONS, { message: 'imageUrl must be an http(s) URL' })
  imageUrl?: string;

  @ApiPropertyOptional({ description: 'type file: an http(s) URL of the file, which Gewe downloads' })
  @ValidateIf((o: MessageSendDto) => o.type === 'file' || o.fileUrl !== undefined)
  @IsDefined({ message: 'fileUrl is required for type file' })
  @MaxLength(2048, { message: 'fileUrl must be at most 2048 characters' })
  @IsUrl(URL_OPTIONS, { message: 'fileUrl must be an http(s) URL' })
  fileUrl?: string;

  @ApiPropertyOptional({ description: 'type file: the name the chat shows, e.g. report.pdf' })
  @ValidateIf((o: MessageSendDto) => o.type === 'file' || o.fileName !== undefined)
  @IsDefined({ message: 'fileName is required for type file' })
  @IsString({ message: 'fileName must be a string' })
  @Length(1, 255, { message: 'fileName must be 1-255 characters' })
  fileName?: string;
}

export class MessageSentResponseDto {
  @ApiProperty() robotId!: number;
  @ApiProperty({ enum: SEND_TYPES }) type!: SendType;
  @ApiProperty() toWxid!: string;
  @ApiProperty({ description: "Gewe's msgId (a string)" }) msgId!: string;
  @ApiProperty({ description: 'The 64-bit newMsgId, as a string (needed to revoke it)' }) newMsgId!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Unix seconds' }) createTime!: number | null;
}
