// An app's brand on the command line: --brand-* options of `clients create` and `clients update` (each sets one field
// of the registration's `brand`, brand-input.ts), and what `--unset` removes of it. A logo file is read here and
// handed on as an upload (a data: URL); a logo URL is fetched by the clients service, once.
import { readFile } from 'node:fs/promises';
import { LOGO_TYPES, MAX_LOGO_BYTES, sniffLogo } from '../../services/brand-logo-bytes.ts';
import type { BrandInput } from '../../services/brand-input.ts';
import type { ClientPatch } from '../../services/client-patch.ts';
import { optionalString, UsageError, type Values } from '../args.ts';

export const BRAND_OPTIONS = {
  'brand-name': { type: 'string' },
  'brand-logo': { type: 'string' },
  'brand-logo-file': { type: 'string' },
  'brand-primary-color': { type: 'string' },
  'brand-background-color': { type: 'string' },
  'brand-support-url': { type: 'string' },
} as const;

export const BRAND_USAGE =
  '        [--brand-name NAME] [--brand-logo https://…/logo.png | --brand-logo-file PATH] [--brand-primary-color #rrggbb]\n' +
  '        [--brand-background-color #rrggbb] [--brand-support-url https://…]   (its look on the hosted pages and in mails;\n' +
  '        colours must reach WCAG AA contrast 4.5:1; a logo URL is fetched once: PNG, JPEG, WebP or SVG, at most 256 KiB)';

/** Each option and the brand field it sets; --unset takes these and `brand` (the whole brand). */
const FIELDS = {
  'brand-name': 'displayName',
  'brand-logo': 'logo',
  'brand-primary-color': 'primaryColor',
  'brand-background-color': 'backgroundColor',
  'brand-support-url': 'supportUri',
} as const satisfies Record<string, keyof BrandInput>;

export const BRAND_UNSETTABLE = ['brand', ...Object.keys(FIELDS)];

async function logoFile(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new UsageError(`--brand-logo-file: cannot read ${path} (${(err as Error).message})`);
  }
  if (bytes.length > MAX_LOGO_BYTES) throw new UsageError(`--brand-logo-file: ${path} is larger than ${MAX_LOGO_BYTES / 1024} KiB`);
  const ext = sniffLogo(bytes);
  if (!ext) throw new UsageError(`--brand-logo-file: ${path} is not a PNG, JPEG, WebP or SVG image`);
  return `data:${LOGO_TYPES[ext]};base64,${bytes.toString('base64')}`;
}

/** The brand fields the options given set (checked by the clients service), or undefined when none is given. */
export async function brandFields(values: Values): Promise<BrandInput | undefined> {
  if (values['brand-logo'] !== undefined && values['brand-logo-file'] !== undefined) throw new UsageError('give either --brand-logo or --brand-logo-file, not both');
  const brand: Record<string, string> = {};
  for (const [option, field] of Object.entries(FIELDS)) {
    const value = optionalString(values, option);
    if (value !== undefined) brand[field] = value;
  }
  const file = optionalString(values, 'brand-logo-file');
  if (file !== undefined) brand.logo = await logoFile(file);
  return Object.keys(brand).length ? brand : undefined;
}

/** Applies `--unset <name>` to the patch when `name` is part of the brand; false when it is not. */
export function unsetBrand(patch: ClientPatch, name: string): boolean {
  if (name === 'brand') {
    if (patch.brand) throw new UsageError('give either --brand-… options or --unset brand, not both');
    patch.brand = null;
    return true;
  }
  const field = (FIELDS as Record<string, keyof BrandInput>)[name];
  if (!field) return false;
  if (patch.brand === null) throw new UsageError(`--unset brand removes the whole brand: --unset ${name} is not needed`);
  const brand = (patch.brand ??= {});
  if (brand[field] !== undefined && brand[field] !== null) throw new UsageError(`give either --${name} or --unset ${name}, not both`);
  brand[field] = null;
  return true;
}
