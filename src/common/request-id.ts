import { randomUUID } from 'node:crypto';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** A well-formed X-Request-Id from the caller is kept; anything else gets a fresh one (every route, the webhook too). */
export function requestIdOf(given: string | string[] | undefined): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}
