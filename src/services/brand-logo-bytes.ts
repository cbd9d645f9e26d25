// What a logo may be, judged from its bytes: a PNG, JPEG, WebP or SVG image of at most 256 KiB. The type is sniffed
// from the content (the magic numbers; for SVG, markup that opens with <svg>), never taken from a header or a file
// name alone, so that nothing else is ever served from our origin as a logo. SVG is accepted, since it is what most
// brands have, and kept harmless three ways: markup that could act (scripts, event handlers, foreignObject, javascript:
// URLs) is refused here, browsers never run script in an <img>, and the logo route serves it under its own
// Content-Security-Policy (default-src 'none'; style-src 'unsafe-inline'; sandbox) with X-Content-Type-Options:
// nosniff, so that even opened on its own it runs nothing and loads nothing.
import { createHash } from 'node:crypto';

export const MAX_LOGO_BYTES = 256 * 1024;

/** Each logo type by the file extension its served name carries. */
export const LOGO_TYPES = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', svg: 'image/svg+xml' } as const;
export type LogoExt = keyof typeof LOGO_TYPES;

/** A stored logo's name: the SHA-256 of its bytes and its type, so that the URL changes whenever the logo does. */
export const LOGO_NAME = /^[0-9a-f]{64}\.(png|jpg|webp|svg)$/;
/** Where logos are served (src/http/branding.ts). */
export const LOGO_PATH = '/branding/logo/';

export interface LogoBytes {
  name: string;
  ext: LogoExt;
  bytes: Buffer;
}

const startsWith = (bytes: Buffer, prefix: number[], at = 0) => prefix.every((b, i) => bytes[at + i] === b);

// An optional byte-order mark, XML declaration, comments and doctype, then the root element.
const SVG_ROOT = /^\uFEFF?\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i;
// What a logo never needs and an attacker would: script, event handlers, embedded HTML, script URLs, entities.
const SVG_ACTIVE = /<script|<foreignObject|\son[a-z]+\s*=|javascript:|<!ENTITY/i;

/** The type the bytes are, or undefined for anything that is not one of the four. */
export function sniffLogo(bytes: Buffer): LogoExt | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpg';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  const head = bytes.subarray(0, 4096).toString('utf8');
  if (SVG_ROOT.test(head) && !bytes.includes(0)) return 'svg';
  return undefined;
}

/** The logo `bytes` make, or why they cannot be one. `declared`: the type a server or a data: URL named, if any. */
export function checkLogo(bytes: Buffer, declared?: string): LogoBytes | { problem: string } {
  if (bytes.length === 0) return { problem: 'is empty' };
  if (bytes.length > MAX_LOGO_BYTES) return { problem: `is larger than ${MAX_LOGO_BYTES / 1024} KiB` };
  const ext = sniffLogo(bytes);
  if (!ext) return { problem: 'is not a PNG, JPEG, WebP or SVG image' };
  const type = declared?.split(';')[0]?.trim().toLowerCase();
  // A server that calls the file something else is misconfigured or up to something: the bytes and the label must agree.
  if (type && type !== 'application/octet-stream' && type !== LOGO_TYPES[ext] && !(ext === 'jpg' && type === 'image/jpg')) {
    return { problem: `is labelled ${type} but is ${LOGO_TYPES[ext]}` };
  }
  if (ext === 'svg' && SVG_ACTIVE.test(bytes.toString('utf8'))) return { problem: 'is an SVG with scripts, event handlers, embedded HTML or entities, which a logo does not need' };
  return { name: `${createHash('sha256').update(bytes).digest('hex')}.${ext}`, ext, bytes };
}

/** The bytes and declared type of an uploaded logo given as a data: URL (base64), or undefined when it is not one. */
export function fromDataUrl(value: string): { bytes: Buffer; type: string } | undefined {
  const match = /^data:([a-z]+\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]*)$/i.exec(value);
  if (!match) return undefined;
  return { type: match[1]!, bytes: Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64') };
}
