import { ApiProperty } from '@nestjs/swagger';

/** A robot's webhook endpoint: its callback URL and what arrived through it. */
export class WebhookEndpointResponseDto {
  @ApiProperty() robotId!: number;
  @ApiProperty({
    description:
      'The URL Gewe must POST callbacks to, with its key — for callers who may change robots (a user, or an API token with robots:write); others get it without the key (see callbackKeyHidden)',
  })
  callbackUrl!: string;
  @ApiProperty({ description: 'True when callbackUrl is shown without its key' }) callbackKeyHidden!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the key was last rotated' })
  rotatedAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'Until when the key before the last rotation (the old callback URL) still works; null when it does not',
  })
  previousKeyValidUntil!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last callback with a right key' })
  lastCallbackAt!: string | null;
  @ApiProperty({ description: 'Callbacks stored' }) accepted!: number;
  @ApiProperty({ description: 'Callbacks received before (answered 200, stored once)' }) duplicates!: number;
  @ApiProperty({ description: 'Gewe connectivity probes ({testMsg}) answered' }) probes!: number;
  @ApiProperty({ description: 'Callbacks with a right key that were refused (400, 401, 413, 503)' }) rejected!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Refusals by reason code, e.g. {"UNKNOWN_APPID": 2, "MALFORMED_JSON": 1}',
  })
  rejectedByReason!: Record<string, number>;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastRejectedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Reason code of the last refusal' })
  lastRejection!: string | null;
}
