import { Injectable } from '@nestjs/common';

/** Wall-clock time for key grace periods (replaceable in tests, to step past a grace period without waiting). */
@Injectable()
export class WebhookClock {
  now(): number {
    return Date.now();
  }
}
