import { Controller, Get, HttpStatus, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../common/auth.decorators';
import { DomainError, notFound } from '../common/domain-error';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { METRICS_CONTENT_TYPE, MetricsScrapeService } from './metrics-scrape.service';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * GET /metrics (outside /api, like Prometheus expects it): the Prometheus text format. Not a JSON API route, so not
 * in the OpenAPI document; it has its own credential, `metrics.token`, not a user's JWT, so a scraper needs no
 * account. Off (`metrics.enabled = false`) it answers 404.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly expected: Buffer | null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scrape: MetricsScrapeService,
  ) {
    this.expected = config.metrics.token ? digest(config.metrics.token) : null;
  }

  @Public()
  @Get()
  async metrics(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    if (!this.config.metrics.enabled)
      throw notFound('METRICS_DISABLED', 'Metrics are disabled (set metrics.enabled = true)');
    if (this.expected) {
      const header = req.headers.authorization ?? '';
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      // compared as digests: equal lengths for timingSafeEqual, and no timing hint about the token's length
      if (!m || !timingSafeEqual(digest(m[1]), this.expected))
        throw new DomainError(
          m ? 'METRICS_TOKEN_INVALID' : 'METRICS_TOKEN_MISSING',
          m ? 'The metrics token is wrong' : 'Send the metrics token as Authorization: Bearer <metrics.token>',
          HttpStatus.UNAUTHORIZED,
          { 'WWW-Authenticate': 'Bearer realm="metrics"' },
        );
    }
    const text = await this.scrape.render();
    // set here, not by @Header(): an error above must keep the JSON error body's content type
    res.setHeader('Content-Type', METRICS_CONTENT_TYPE);
    res.setHeader('Cache-Control', 'no-store');
    return text;
  }
}
