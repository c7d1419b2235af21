import type { GeweClient } from './gewe-client';

/** The names of an object type's methods (public ones: TypeScript's `keyof` sees no private member). */
export type MethodName<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

/** What a caller can use of a class: its public methods, without the private state that makes a class nominal. */
export type ApiSurface<T> = Pick<T, MethodName<T>>;

/** The client's API modules (`login`, `message`, `contact`, `group`, `personal`): its public non-method objects. */
export type GeweModuleName = {
  [K in keyof GeweClient]-?: GeweClient[K] extends (...args: never[]) => unknown
    ? never
    : GeweClient[K] extends object
      ? K
      : never;
}[keyof GeweClient];

/**
 * A robot's Gewe client as plugins get it: every module and member of GeweClient, by shape. The send governor's
 * wrapper (src/messaging/governed-gewe-client.ts) is one; a GeweClient itself is another.
 */
export type RobotClient = { readonly [K in GeweModuleName]: ApiSurface<GeweClient[K]> } & Pick<
  GeweClient,
  'appId' | 'isGewe' | 'baseUrl' | 'call' | 'setAppId'
>;

type Empty<T extends never> = T;
/** Fails the typecheck when GeweClient gains a public member that RobotClient does not carry. */
export type RobotClientCoversGeweClient = Empty<Exclude<keyof GeweClient, keyof RobotClient>>;
