import { createServer } from 'node:net';

/**
 * Whether this process could listen on `host:port` now: null when it could (the test socket is closed again at
 * once), else the error code (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`…). For a clear message before any work,
 * instead of a raw listen error after it.
 */
export function portProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

/** What to tell the operator when `portProblem` found one. */
export function portProblemMessage(host: string, port: number, code: string, holder?: string): string {
  const where = `port ${port} on ${host}`;
  const change = 'set backend.port in the config file or OPENGEWE__BACKEND__PORT to a free port';
  switch (code) {
    case 'EADDRINUSE':
      return (
        `${where} is already in use${holder ? ` by ${holder}` : ' (another OpenGewe Backend already running?)'}.` +
        `\n  Stop the program listening there first${holder ? '' : ' (`ss -ltnp` or `lsof -i :' + port + '` shows it)'}, or ${change}.`
      );
    case 'EACCES':
      return `${where} needs privileges this process does not have (ports below 1024 do).\n  ${change[0].toUpperCase()}${change.slice(1)} (above 1023).`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine.\n  Set backend.host (OPENGEWE__BACKEND__HOST) to one of its addresses, or 0.0.0.0 for all.`;
    default:
      return `cannot listen on ${where}: ${code}.\n  Check backend.host and backend.port.`;
  }
}
