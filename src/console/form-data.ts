// The console's forms that carry a file (an app's logo) are sent as multipart/form-data; every other form of ours is
// urlencoded (http/form-body.ts, which refuses anything else). This reads such a form whole, up to a bound that fits
// the largest logo, and parses it with the platform's own parser (Node's fetch FormData: no dependency). A file
// arrives as its bytes and declared type; what it may be is decided by the logo checks (services/brand-logo-bytes.ts),
// never here. Repeated names become lists, as the urlencoded parser makes them.
import type { Middleware } from 'koa';
import { formBody, malformedBody, payloadTooLarge } from '../http/form-body.ts';
import { MAX_LOGO_BYTES } from '../services/brand-logo-bytes.ts';

/** A logo at its largest plus the form's other fields (a few KiB) and the multipart framing. */
export const MAX_UPLOAD_BYTES = MAX_LOGO_BYTES + 64 * 1024;

/** A file as a multipart form carried it; an empty file input is left out of the body. */
export interface UploadedFile {
  filename: string;
  /** What the browser said the file is (not believed: the logo checks sniff the bytes). */
  type: string;
  bytes: Buffer;
}

export const isUpload = (value: unknown): value is UploadedFile => typeof value === 'object' && value !== null && Buffer.isBuffer((value as UploadedFile).bytes);

async function readAll(stream: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw payloadTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The urlencoded form of every page, or a multipart one (with files) on the pages that take uploads. */
export function formOrUploadBody(): Middleware {
  const urlencoded = formBody();
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || !ctx.is('multipart/form-data')) return urlencoded(ctx, next);
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > MAX_UPLOAD_BYTES) throw payloadTooLarge();
    const raw = await readAll(ctx.req, MAX_UPLOAD_BYTES);
    let parsed: FormData;
    try {
      parsed = await new Response(raw, { headers: { 'content-type': ctx.get('content-type') } }).formData();
    } catch {
      throw malformedBody();
    }
    const body: Record<string, string | string[] | UploadedFile> = {};
    for (const [name, value] of parsed) {
      if (typeof value !== 'string') {
        if (value.size === 0) continue;
        body[name] = { filename: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
        continue;
      }
      const seen = body[name];
      body[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : typeof seen === 'string' ? [seen, value] : seen;
    }
    ctx.request.body = body;
    return next();
  };
}
