import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Injection token of this service instance's id (lock owner among instances sharing Redis). */
export const INSTANCE_ID = Symbol('INSTANCE_ID');

/** One per application instance (not per process: tests run two instances in one process). */
export function makeInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
