// An HTTP server on 127.0.0.1 for the tests' stand-ins of outside services: each request with its whole body read.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  base: string;
  close(): Promise<void>;
}

export async function localServer(handle: (req: IncomingMessage, res: ServerResponse, body: string, url: URL) => unknown): Promise<LocalServer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('request', (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => void handle(req, res, body, new URL(req.url ?? '/', base)));
  });
  return {
    base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The authorization step of an OAuth 2 provider that approves at once: back to redirect_uri with a code and the state. */
export function approve(res: ServerResponse, url: URL, code: string): void {
  const back = new URL(url.searchParams.get('redirect_uri') ?? '');
  back.search = new URLSearchParams({ code, state: url.searchParams.get('state') ?? '' }).toString();
  res.writeHead(302, { location: back.href }).end();
}
