import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertWebhookBody } from '../../src/alert/alert-notifier';

/** A local HTTP receiver standing in for the operator's alert webhook: keeps every JSON body it is sent. */
export class AlertReceiver {
  readonly bodies: AlertWebhookBody[] = [];
  private server?: Server;
  url = '';

  constructor(private readonly path = '/alerts') {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        this.bodies.push(JSON.parse(text) as AlertWebhookBody);
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.path}`;
  }

  /** The alerts received, as "state rule subject", test alerts left out. */
  alerts(): string[] {
    return this.bodies.filter((b) => !b.test).flatMap((b) => b.alerts.map((a) => `${a.state} ${a.rule} ${a.subject}`));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}
