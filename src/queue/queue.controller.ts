import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth.decorators';
import { badRequest, notFound } from '../common/domain-error';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { PaginationQueryDto } from '../common/dto/pagination.dto';
import { StatusResponseDto } from '../common/dto/status-response.dto';
import { SendGovernor } from '../sending/send-governor';
import { CallbackQueue } from './callback-queue';
import { FailedJobListResponseDto, QueueDepthResponseDto } from './dto/queue.dto';
import { Audit } from '../audit/audit.decorator';

/** Failed-job ids: a database id (simple queue) or a BullMQ job id, which is a dedup key (`<robot>-<id or hash>`). */
function jobId(id: string): string {
  if (!/^[\w-]{1,120}$/.test(id))
    throw badRequest('INVALID_ID', 'job_id must be 1-120 letters, digits, _ or -', { name: 'job_id' });
  return id;
}

@ApiTags('queue')
@ApiBearerAuth()
@Controller('queue')
export class QueueController {
  constructor(
    private readonly queue: CallbackQueue,
    private readonly governor: SendGovernor,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Queue depth (waiting, active, retrying, failed callbacks) and what the send governor delayed',
  })
  @ApiOkResponse({ type: QueueDepthResponseDto })
  async depth(): Promise<QueueDepthResponseDto> {
    return { type: this.queue.type, ...(await this.queue.depth()), sends: this.governor.report() };
  }

  @Get('failed')
  @ApiOperation({ summary: 'Callbacks that failed every attempt (dead letters), newest first' })
  @ApiOkResponse({ type: FailedJobListResponseDto })
  failed(@Query() q: PaginationQueryDto): Promise<FailedJobListResponseDto> {
    return this.queue.failed(q.page, q.limit);
  }

  @AdminOnly()
  @Post('failed/:job_id/retry')
  @Audit('queue.retry', { target: 'job' })
  @HttpCode(200)
  @ApiOperation({ summary: 'Process a failed callback again' })
  @ApiOkResponse({ type: StatusResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto })
  async retry(@Param('job_id') id: string): Promise<StatusResponseDto> {
    if (!(await this.queue.retry(jobId(id)))) throw notFound('JOB_NOT_FOUND', `No failed job ${id}`, { id });
    return StatusResponseDto.ok('Job queued again');
  }

  @AdminOnly()
  @Delete('failed/:job_id')
  @Audit('queue.discard', { target: 'job' })
  @ApiOperation({ summary: 'Discard a failed callback' })
  @ApiOkResponse({ type: StatusResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto })
  async discard(@Param('job_id') id: string): Promise<StatusResponseDto> {
    if (!(await this.queue.discard(jobId(id)))) throw notFound('JOB_NOT_FOUND', `No failed job ${id}`, { id });
    return StatusResponseDto.ok('Job discarded');
  }
}
