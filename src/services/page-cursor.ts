// The cursor of a list read a page at a time in (time, id) order: where the last row of a page stood, opaque to the
// caller (base64url of [milliseconds, id]). One codec for every such list (customers, audit events).
import { badRequest } from '../errors.ts';

export interface PagePosition {
  at: Date;
  id: string;
}

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.at.getTime(), position.id])).toString('base64url');
}

/** The position a cursor names; a 400 for anything this API did not give. */
export function decodeCursor(cursor: string): PagePosition {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'number' && Number.isFinite(at) && typeof id === 'string' && id.length <= 100) return { at: new Date(at), id };
  } catch {
    // Answered below.
  }
  throw badRequest('The cursor is not one this API gave');
}
