import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { sleep } from '../../support/wait';

/**
 * A TCP proxy between the service and a shared server (Redis, MariaDB) that a drill can cut and restore: the way to
 * take a dependency away from one service without touching the server other test suites use.
 *
 * `cut()` closes every open connection and stops listening, so new connections are refused by the kernel at once
 * (ECONNREFUSED, as when the server process is down — and independent of how busy this process is); `restore()`
 * listens on the same port again.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private listenPort = 0;
  /** Connections accepted in total. */
  readonly stats = { accepted: 0 };

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    await this.listen(0);
    return this.listenPort;
  }

  get port(): number {
    return this.listenPort;
  }

  get isOpen(): boolean {
    return this.server !== undefined;
  }

  cut(): void {
    const server = this.server;
    this.server = undefined;
    server?.close();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async restore(): Promise<void> {
    if (this.server) return;
    // the port was free a moment ago; an outgoing connection could take it meanwhile, so try a few times
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.listen(this.listenPort);
      } catch (err) {
        if (attempt >= 20) throw err;
        await sleep(50);
      }
    }
  }

  stop(): void {
    this.cut();
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    if (address && typeof address === 'object') this.listenPort = address.port;
  }

  private accept(client: Socket): void {
    this.stats.accepted++;
    const upstream = connect(this.target.port, this.target.host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const drop = () => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
