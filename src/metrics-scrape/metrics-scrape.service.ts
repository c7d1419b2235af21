import { Injectable, Logger } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { ALERT_RULES } from '../config/alert-rules';
import { AlertService } from '../alert/alert.service';
import { SendGovernor } from '../sending/send-governor';
import { CallbackQueue } from '../queue/callback-queue';
import { RobotService } from '../robot/robot.service';
import { MetricsService } from '../metrics/metrics.service';

/** The Prometheus text format every scraper understands (version 0.0.4). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Renders GET /metrics: this instance's metrics (MetricsService), then the shared gauges read now from the shared
 * stores — queue depth from the queue (Redis or the database inbox) and robots by status from the database. Those
 * carry no `instance_id`: every instance answers the same value, so they can be scraped from any instance (or all,
 * then aggregated with max()). A source that cannot be read leaves its gauges out and sets
 * opengewe_metrics_collector_up{collector} to 0; the rest is still served.
 */
@Injectable()
export class MetricsScrapeService {
  private readonly logger = new Logger(MetricsScrapeService.name);
  /** One registry per shared source, so a source that cannot be read is left out rather than shown as zeros. */
  private readonly queueRegistry = new Registry();
  private readonly robotsRegistry = new Registry();
  private readonly alertsRegistry = new Registry();
  private readonly queueDepth: Gauge<'state'>;
  private readonly failedJobs: Gauge;
  private readonly robotsByStatus: Gauge<'status'>;
  private readonly alertsFiring: Gauge<'rule'>;

  constructor(
    private readonly metrics: MetricsService,
    private readonly queue: CallbackQueue,
    private readonly robots: RobotService,
    private readonly governor: SendGovernor,
    private readonly alerts: AlertService,
  ) {
    this.queueDepth = new Gauge({
      name: 'opengewe_queue_depth',
      help: 'Callbacks in the queue by state (waiting, active, delayed = waiting for a retry); shared by all instances.',
      labelNames: ['state'],
      registers: [this.queueRegistry],
    });
    this.failedJobs = new Gauge({
      name: 'opengewe_queue_failed_jobs',
      help: 'Callbacks that failed every attempt and are kept as failed jobs (dead letters); shared by all instances.',
      registers: [this.queueRegistry],
    });
    this.robotsByStatus = new Gauge({
      name: 'opengewe_robots',
      help: 'Robots by status (from the robots table); shared by all instances.',
      labelNames: ['status'],
      registers: [this.robotsRegistry],
    });
    this.alertsFiring = new Gauge({
      name: 'opengewe_alerts_firing',
      help: 'Alert incidents firing now, by rule (from the alerts table); shared by all instances.',
      labelNames: ['rule'],
      registers: [this.alertsRegistry],
    });
  }

  async render(): Promise<string> {
    const [queueOk, robotsOk, alertsOk] = await Promise.all([
      this.collectQueue(),
      this.collectRobots(),
      this.collectAlerts(),
    ]);
    this.metrics.governorQueued.reset();
    for (const s of this.governor.report()) this.metrics.governorQueued.set({ robot: String(s.robotId) }, s.queued);
    const parts = [await this.metrics.text()];
    if (queueOk) parts.push(await this.queueRegistry.metrics());
    if (robotsOk) parts.push(await this.robotsRegistry.metrics());
    if (alertsOk) parts.push(await this.alertsRegistry.metrics());
    return parts.map((p) => p.trimEnd()).join('\n') + '\n';
  }

  private async collectQueue(): Promise<boolean> {
    try {
      const d = await this.queue.depth();
      this.queueDepth.set({ state: 'waiting' }, d.waiting);
      this.queueDepth.set({ state: 'active' }, d.active);
      this.queueDepth.set({ state: 'delayed' }, d.delayed);
      this.failedJobs.set(d.failed);
      this.metrics.collectorUp.set({ collector: 'queue' }, 1);
      return true;
    } catch (err) {
      this.metrics.collectorUp.set({ collector: 'queue' }, 0);
      this.logger.warn({ error: (err as Error).message }, 'Metrics: could not read the queue depth');
      return false;
    }
  }

  private async collectRobots(): Promise<boolean> {
    try {
      const counts = await this.robots.countByStatus();
      for (const [status, n] of Object.entries(counts)) this.robotsByStatus.set({ status }, n);
      this.metrics.collectorUp.set({ collector: 'robots' }, 1);
      return true;
    } catch (err) {
      this.metrics.collectorUp.set({ collector: 'robots' }, 0);
      this.logger.warn({ error: (err as Error).message }, 'Metrics: could not count robots by status');
      return false;
    }
  }

  private async collectAlerts(): Promise<boolean> {
    try {
      const firing = await this.alerts.firingByRule();
      for (const rule of ALERT_RULES) this.alertsFiring.set({ rule }, firing.get(rule) ?? 0);
      this.metrics.collectorUp.set({ collector: 'alerts' }, 1);
      return true;
    } catch (err) {
      this.metrics.collectorUp.set({ collector: 'alerts' }, 0);
      this.logger.warn({ error: (err as Error).message }, 'Metrics: could not count firing alerts');
      return false;
    }
  }
}
