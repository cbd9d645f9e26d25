// A logo's type comes from its bytes, not from what a server or a file name calls it; SVG that could act is refused.
import { checkLogo, fromDataUrl, MAX_LOGO_BYTES, sniffLogo } from '../../../src/services/brand-logo-bytes.ts';
import { PNG } from '../../support/logos.ts';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x1a, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
const SVG = Buffer.from('<?xml version="1.0"?>\n<!-- logo -->\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#1f5fbf"/></svg>');

it('tells PNG, JPEG, WebP and SVG from their first bytes, and nothing else', () => {
  expect([PNG, JPEG, WEBP, SVG].map(sniffLogo)).toEqual(['png', 'jpg', 'webp', 'svg']);
  for (const other of ['<html><body>hi</body></html>', 'GIF89a....', '%PDF-1.7', '{"logo":true}', '']) expect(sniffLogo(Buffer.from(other))).toBeUndefined();
});

it('names a logo by the hash of its bytes and its type', () => {
  const logo = checkLogo(PNG, 'image/png');
  expect(logo).toMatchObject({ ext: 'png', name: expect.stringMatching(/^[0-9a-f]{64}\.png$/) });
  expect(checkLogo(PNG)).toEqual(logo);
  expect(checkLogo(PNG, 'application/octet-stream')).toEqual(logo);
});

it('refuses bytes whose label says otherwise, too large ones, and SVG with script, handlers or embedded HTML', () => {
  expect(checkLogo(PNG, 'text/html; charset=utf-8')).toEqual({ problem: 'is labelled text/html but is image/png' });
  expect(checkLogo(SVG, 'image/png')).toEqual({ problem: 'is labelled image/png but is image/svg+xml' });
  expect(checkLogo(Buffer.concat([PNG, Buffer.alloc(MAX_LOGO_BYTES)]))).toEqual({ problem: 'is larger than 256 KiB' });
  expect(checkLogo(Buffer.from('<html>not an image</html>'), 'image/png')).toEqual({ problem: 'is not a PNG, JPEG, WebP or SVG image' });
  for (const active of [
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><iframe/></foreignObject></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><text>x</text></a></svg>',
  ]) {
    expect(checkLogo(Buffer.from(active))).toEqual({ problem: expect.stringMatching(/^is an SVG with scripts/) });
  }
});

it('reads an uploaded logo from a base64 data: URL', () => {
  expect(fromDataUrl(`data:image/png;base64,${PNG.toString('base64')}`)).toEqual({ type: 'image/png', bytes: PNG });
  expect(fromDataUrl('https://cdn.example/logo.png')).toBeUndefined();
  expect(fromDataUrl('data:image/svg+xml,<svg/>')).toBeUndefined();
});
