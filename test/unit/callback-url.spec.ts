import type { NetworkInterfaceInfo } from 'node:os';
import { callbackUrlWarning, guessWebhookBase, isPrivateIPv4 } from '../../src/robot/callback-url';

function host(address: string | null, inContainer: boolean) {
  const lo = { address: '127.0.0.1', family: 'IPv4', internal: true } as NetworkInterfaceInfo;
  const eth = address ? [{ address, family: 'IPv4', internal: false } as NetworkInterfaceInfo] : [];
  return { interfaces: () => ({ lo: [lo], eth0: eth }), inContainer: () => inContainer };
}

describe('the guessed callback URL', () => {
  it("is flagged when it is a container's private address (Docker's bridge network)", () => {
    const guess = guessWebhookBase(5433, host('172.18.0.5', true));
    expect(guess).toEqual({ url: 'http://172.18.0.5:5433/api/webhook', containerAddress: true });
    expect(callbackUrlWarning(guess.url, { keyUnknown: false, guessedContainerAddress: guess.containerAddress })).toBe(
      'CALLBACK_URL_CONTAINER_ADDRESS',
    );
  });

  it('is not flagged for a LAN address outside a container, nor for a public address in one', () => {
    expect(guessWebhookBase(5433, host('192.168.1.20', false)).containerAddress).toBe(false);
    expect(guessWebhookBase(5433, host('203.0.113.7', true)).containerAddress).toBe(false);
  });

  it('falls back to loopback, which has its own warning', () => {
    const guess = guessWebhookBase(8080, host(null, true));
    expect(guess).toEqual({ url: 'http://127.0.0.1:8080/api/webhook', containerAddress: false });
    expect(callbackUrlWarning(guess.url, { keyUnknown: false, guessedContainerAddress: false })).toBe(
      'CALLBACK_URL_LOOPBACK',
    );
  });

  it('an unknown key comes first; a reachable URL has no warning', () => {
    expect(callbackUrlWarning('http://172.18.0.5/x', { keyUnknown: true, guessedContainerAddress: true })).toBe(
      'CALLBACK_KEY_SEALED',
    );
    expect(
      callbackUrlWarning('https://bot.example.com/api/webhook', { keyUnknown: false, guessedContainerAddress: false }),
    ).toBeUndefined();
  });

  it.each([
    ['10.0.0.1', true],
    ['172.16.0.1', true],
    ['172.31.255.1', true],
    ['172.32.0.1', false],
    ['192.168.0.1', true],
    ['100.64.0.1', true],
    ['8.8.8.8', false],
  ])('%s private: %s', (a, expected) => expect(isPrivateIPv4(a)).toBe(expected));
});
