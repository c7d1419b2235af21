import { ApiProperty } from '@nestjs/swagger';

export class SendGovernorStatsDto {
  @ApiProperty() robotId!: number;
  @ApiProperty({ description: 'Sends waiting for their turn now' }) queued!: number;
  @ApiProperty() sent!: number;
  @ApiProperty({ description: 'Sends the governor held back' }) delayed!: number;
  @ApiProperty({ description: 'Total time sends were held back' }) totalDelayMs!: number;
}

export class QueueDepthResponseDto {
  @ApiProperty({ enum: ['simple', 'advanced'] }) type!: 'simple' | 'advanced';
  @ApiProperty() waiting!: number;
  @ApiProperty() active!: number;
  @ApiProperty({ description: 'Waiting for a retry' }) delayed!: number;
  @ApiProperty({ description: 'Dead letters: GET /api/queue/failed' }) failed!: number;
  @ApiProperty({ type: [SendGovernorStatsDto], description: 'What the send governor did per robot (this instance)' })
  sends!: SendGovernorStatsDto[];
}

export class FailedJobDto {
  @ApiProperty() id!: string;
  @ApiProperty() robotId!: number;
  @ApiProperty() dedupKey!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) failedAt!: string | null;
}

export class FailedJobListResponseDto {
  @ApiProperty({ type: [FailedJobDto] }) items!: FailedJobDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}
