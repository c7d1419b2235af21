import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { AuditTrail } from './audit.service';
import { AuditListQueryDto, AuditListResponseDto } from './dto/audit.dto';

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin' })
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditTrail) {}

  @Get()
  @ApiOperation({ summary: 'The audit log of admin actions, newest first' })
  @ApiOkResponse({ type: AuditListResponseDto })
  list(@Query() q: AuditListQueryDto): Promise<AuditListResponseDto> {
    return this.audit.list(q);
  }
}
