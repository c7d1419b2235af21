/** The part of a robot its callback key depends on. */
export interface KeyedRobot {
  id: number;
  token: string | null;
}

/**
 * Where the key of a robot's callback URL comes from: the robot's webhook endpoint (src/webhook, which owns keys,
 * rotation and what arrived). The robot module shows and registers the URL; this port lets it do so without
 * importing the webhook module, which depends on robots (WebhookEndpointModule provides it, globally).
 */
export abstract class CallbackKeys {
  /**
   * The current key of each robot (null: it cannot be shown, e.g. sealed with another backend.secret_key). A robot
   * without an endpoint yet gets one here, from the key its URL had before endpoints existed.
   */
  abstract keysOf(robots: readonly KeyedRobot[]): Promise<Map<number, string | null>>;
  /**
   * Gives a new robot its endpoint: the key of one of `sameToken` (robots with its token: Gewe holds one callback URL
   * per token), else a random one.
   */
  abstract issue(robot: KeyedRobot, sameToken: readonly number[]): Promise<void>;
}
