// Logos for the branding tests, and a web server on 127.0.0.1 that serves them (and the ways a logo URL goes wrong),
// so that no test reaches the internet for a logo.
import { localServer, type LocalServer } from './local-server.ts';

/** A 1×1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
export const SVG = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="120" height="40" fill="#0b5d3b"/></svg>');

export interface LogoServer extends LocalServer {
  /** How many times each path was asked for. */
  hits: Map<string, number>;
}

export async function startLogoServer(): Promise<LogoServer> {
  const hits = new Map<string, number>();
  const server = await localServer((_req, res, _body, url) => {
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const send = (type: string, body: Buffer | string) => res.writeHead(200, { 'content-type': type }).end(body);
    switch (url.pathname) {
      case '/logo.png':
        return send('image/png', PNG);
      case '/logo.svg':
        return send('image/svg+xml', SVG);
      // 300 KiB that start like a PNG: refused by size, whatever they are.
      case '/huge.png':
        return send('image/png', Buffer.concat([PNG, Buffer.alloc(300 * 1024)]));
      // An HTML page a server calls a PNG.
      case '/page.png':
        return send('image/png', '<!doctype html><html><body>Not found</body></html>');
      // A real PNG a server calls HTML.
      case '/mislabelled':
        return send('text/html', PNG);
      case '/moved.png':
        return res.writeHead(302, { location: '/logo.png' }).end();
      default:
        return res.writeHead(404).end();
    }
  });
  return { ...server, hits };
}
