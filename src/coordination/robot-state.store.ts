/** Where a robot is in its life: login progress, online, or why not. */
export const ROBOT_STATUSES = [
  'offline',
  'awaiting_scan',
  'scanned',
  'need_captcha',
  'online',
  'reconnecting',
  'expired',
  'error',
  'logged_out',
] as const;
export type RobotStatus = (typeof ROBOT_STATUSES)[number];

/** Statuses of a QR login in progress (a poller is, or should be, running). */
export const LOGIN_PENDING: readonly RobotStatus[] = ['awaiting_scan', 'scanned', 'need_captcha'];

/** Live state of one robot, shared by every service instance. Times are ISO strings. */
export interface RobotLiveState {
  robotId: number;
  status: RobotStatus;
  /** Why the robot is in an error/expired/offline state, in words an operator understands. */
  reason: string | null;
  /** Pending QR login. */
  uuid: string | null;
  qrcodeUrl: string | null;
  qrImageBase64: string | null;
  expiresAt: string | null;
  /** Who scanned the QR (before confirming on the phone). */
  scannedNickname: string | null;
  scannedAvatarUrl: string | null;
  /** A security code submitted for the pending login, sent with the next checkLogin. */
  captchaCode: string | null;
  /** Last time Gewe confirmed the robot online. */
  lastSeenAt: string | null;
  /** Last callback received from Gewe for this robot. */
  lastCallbackAt: string | null;
  /** Outcome of registering the callback URL with Gewe after login. */
  callbackRegistered: boolean | null;
  callbackError: string | null;
  reconnectAttempts: number;
  updatedAt: string;
}

export type RobotStatePatch = Partial<Omit<RobotLiveState, 'robotId' | 'updatedAt'>>;

export interface RobotStatusEvent {
  robotId: number;
  status: RobotStatus;
  previous: RobotStatus | null;
  reason: string | null;
  at: string;
}

export function emptyState(robotId: number, status: RobotStatus = 'offline'): RobotLiveState {
  return {
    robotId,
    status,
    reason: null,
    uuid: null,
    qrcodeUrl: null,
    qrImageBase64: null,
    expiresAt: null,
    scannedNickname: null,
    scannedAvatarUrl: null,
    captchaCode: null,
    lastSeenAt: null,
    lastCallbackAt: null,
    callbackRegistered: null,
    callbackError: null,
    reconnectAttempts: 0,
    updatedAt: new Date(0).toISOString(),
  };
}

/**
 * The robot state store port. Two adapters: in-memory (one process) and Redis (several instances: a hash per robot
 * refreshed with a TTL, a pub/sub event on every status change, and locks so only one instance polls a robot).
 */
export abstract class RobotStateStore {
  abstract get(robotId: number): Promise<RobotLiveState | null>;
  /** Merges `patch` into the state (created from `emptyState` if absent) and announces a status change. */
  abstract update(robotId: number, patch: RobotStatePatch): Promise<RobotLiveState>;
  abstract remove(robotId: number): Promise<void>;
  /**
   * Takes the named lock for `owner` for `ttlMs`, or extends it if `owner` already holds it. false when another owner
   * holds it. Locks expire by themselves, so a crashed instance never blocks a robot for longer than the TTL.
   */
  abstract acquire(lock: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock only if `owner` holds it. */
  abstract release(lock: string, owner: string): Promise<void>;
  /** The current holder of a lock, or null. */
  abstract holder(lock: string): Promise<string | null>;
  /** Calls `listener` on every status change, from any instance. Returns an unsubscribe function. */
  abstract onStatus(listener: (event: RobotStatusEvent) => void): () => void;
  abstract close(): Promise<void>;
}
