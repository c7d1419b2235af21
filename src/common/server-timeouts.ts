import type { Server } from 'node:http';
import { AppConfig } from '../config/app-config';

/**
 * The Node HTTP server's timeouts, set from `[backend]` rather than left to Node's defaults (60 s for headers, 5 min
 * for a request, 5 s keep-alive, no idle limit). Applied in createApp, so the service and the e2e tests run the same
 * server. Node checks the header and request timeouts every 30 s (connectionsCheckingInterval), so a slow client is
 * cut off within that much after its deadline.
 */
export function applyServerTimeouts(server: Server, backend: AppConfig['backend']): void {
  // Headers are a few hundred bytes: 20 s is generous even on a bad mobile link, and a client that trickles them
  // (slowloris) holds a connection for no longer than that.
  server.headersTimeout = backend.headers_timeout;
  // The largest body (a 2 MB callback) takes seconds on a slow link; past a minute it is a client holding the
  // connection open on purpose. Only receiving the request counts: an answer, or the live event stream, goes on.
  server.requestTimeout = backend.request_timeout;
  // Longer than the proxy's upstream idle timeout (nginx and most load balancers close idle upstream connections
  // after 60 s): the proxy closes first, so it never sends a request on a connection Node is closing (a 502).
  server.keepAliveTimeout = backend.keep_alive_timeout;
  // A connection with no bytes either way (a client that stopped reading its answer) is closed. Live events write a
  // heartbeat every 15 s, so they stay open.
  server.timeout = backend.idle_timeout;
  // maxHeadersCount stays Node's: past it Node drops headers silently rather than refusing the request, and the
  // header bytes are bounded anyway (16 KB, maxHeaderSize).
}
