// An HTTP server on 127.0.0.1 that knows how many requests it is still working on: a load generator stopped on time
// abandons its last requests, but the server finishes them, and their database commands must not be counted in the
// next phase. The port is known before the application is built, so the issuer can name it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface BenchServer {
  url: string;
  /** Requests the application has finished handling (whether or not the client was still there). */
  readonly handled: number;
  readonly inFlight: number;
  serve(handler: Handler): void;
  /** Resolves true once no request is in flight, false if that took longer than maxMs. */
  idle(maxMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function listen(): Promise<BenchServer> {
  let handler: Handler = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  let handled = 0;
  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    Promise.resolve()
      .then(() => handler(req, res))
      .finally(() => {
        inFlight--;
        handled++;
      });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get handled() {
      return handled;
    },
    get inFlight() {
      return inFlight;
    },
    serve(next) {
      handler = next;
    },
    async idle(maxMs) {
      const deadline = Date.now() + maxMs;
      while (inFlight > 0) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
      return true;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
