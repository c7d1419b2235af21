import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/auth.decorators';
import { HealthResponseDto } from './dto/system.dto';
import { SystemService } from './system.service';

@ApiTags('system')
@Controller('health')
export class HealthController {
  constructor(private readonly system: SystemService) {}

  @Public()
  @Get()
  @ApiOperation({
    summary:
      'Liveness/readiness probe: 200 when the database answers (and its file is still there), 503 with a code otherwise',
  })
  @ApiOkResponse({ type: HealthResponseDto })
  @ApiServiceUnavailableResponse({ type: HealthResponseDto })
  async health(@Res({ passthrough: true }) res: Response): Promise<HealthResponseDto> {
    const db = await this.system.databaseHealth();
    const up = db.status === 'up';
    res.status(up ? 200 : 503);
    return {
      status: up ? 'ok' : 'error',
      database: up ? 'up' : 'down',
      ...(db.code ? { code: db.code } : {}),
      uptimeSeconds: Math.floor(process.uptime()),
    };
  }
}
