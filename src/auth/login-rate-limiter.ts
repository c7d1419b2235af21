import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { tooManyRequests } from '../common/domain-error';

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Fixed-window limits on logins: every attempt counts against the client IP, failed attempts count against the
 * username (a success clears that counter). Guessing one account's password from many IPs, or many accounts from one
 * IP, is throttled either way. In-process state: one instance per service process.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Counts an attempt from `ip` and throws 429 if the IP or the username is over its limit. */
  checkAttempt(ip: string, username: string, now = Date.now()): void {
    this.sweep(now);
    const b = this.config.backend;
    const userWindow = this.current(`user:${username.toLowerCase()}`, now);
    if (userWindow && userWindow.count >= b.login_max_failures_per_user)
      throw tooManyRequests(
        'LOGIN_LOCKED',
        'Too many failed logins for this username; try again later',
        Math.ceil((userWindow.resetAt - now) / 1000),
      );
    const ipWindow = this.bump(`ip:${ip}`, now);
    if (ipWindow.count > b.login_max_attempts_per_ip)
      throw tooManyRequests(
        'LOGIN_RATE_LIMITED',
        'Too many login attempts from this address; try again later',
        Math.ceil((ipWindow.resetAt - now) / 1000),
      );
  }

  /**
   * Counts a login request from `ip` whose body was refused before it could be read as an attempt (too large,
   * malformed, too deep): against the IP only, as an attempt would, with the same 429 once the IP is over its limit.
   */
  countRefusedBody(ip: string, now = Date.now()): void {
    this.sweep(now);
    const ipWindow = this.bump(`ip:${ip}`, now);
    if (ipWindow.count > this.config.backend.login_max_attempts_per_ip)
      throw tooManyRequests(
        'LOGIN_RATE_LIMITED',
        'Too many login attempts from this address; try again later',
        Math.ceil((ipWindow.resetAt - now) / 1000),
      );
  }

  recordFailure(username: string, now = Date.now()): void {
    this.bump(`user:${username.toLowerCase()}`, now);
  }

  recordSuccess(username: string): void {
    this.windows.delete(`user:${username.toLowerCase()}`);
  }

  private current(key: string, now: number): Window | undefined {
    const w = this.windows.get(key);
    return w && w.resetAt > now ? w : undefined;
  }

  private bump(key: string, now: number): Window {
    let w = this.current(key, now);
    if (!w) {
      w = { count: 0, resetAt: now + this.config.backend.login_window };
      this.windows.set(key, w);
    }
    w.count++;
    return w;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}
