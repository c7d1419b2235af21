import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class WebhookAnswerDto {
  @ApiProperty({ enum: ['success', 'ok'] }) status!: 'success' | 'ok';
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ description: 'The callback had been received before' }) duplicate?: boolean;
}
