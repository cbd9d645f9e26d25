// Runs a Koa app on 127.0.0.1 for the length of a test file.
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function serve(app: Koa): Promise<Served> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

// The `name=value` pairs of a response's Set-Cookie headers, ready for a Cookie request header.
export function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}
