// An app's brand as the CLI and the management API take it (one option of a client's registration, client-input.ts),
// and as it is stored in the registration: the client metadata `brand`, in registration names. Colours are checked
// for WCAG AA contrast here (brand-colors.ts); the logo is resolved to a stored one by the clients service
// (brand-logos.ts), since that may mean fetching it.
import { z } from 'zod';
import { colorProblems, HEX_COLOR } from './brand-colors.ts';
import { LOGO_NAME, LOGO_PATH, MAX_LOGO_BYTES } from './brand-logo-bytes.ts';

const isHttps = (v: string) => {
  const url = URL.parse(v);
  return url?.protocol === 'https:' && !url.username && !url.password;
};

const displayName = z.string().trim().min(1).max(80).describe('The name the hosted pages and mails show for the app');
// Three ways to give a logo; which one it is, and whether it can be used, the logo store decides (brand-logos.ts).
const logo = z
  .string()
  .max(Math.ceil((MAX_LOGO_BYTES * 4) / 3) + 100)
  .regex(/^(https?:\/\/|data:image\/|\/branding\/logo\/)/, {
    message: 'must be an https URL to fetch the logo from once, an uploaded image as a data: URL, or the path of a logo stored here (/branding/logo/…)',
  })
  .describe(
    'https URL (fetched once, now: PNG, JPEG, WebP or SVG, at most 256 KiB), a data: URL with the image, or the path of a logo ' +
      'already stored here (/branding/logo/<name>, as read back). Served from our origin: the pages need no other image source',
  );
const color = (what: string) =>
  z
    .string()
    .regex(HEX_COLOR, { message: 'must be a colour written #rrggbb, e.g. #1f5fbf' })
    .transform((v) => v.toLowerCase())
    .describe(what);
const supportUri = z
  .string()
  .max(2000)
  .refine(isHttps, { message: 'must be an https URL without credentials' })
  .describe('Where customers get help: linked from the hosted pages and mails');

const fields = {
  displayName,
  logo,
  primaryColor: color('Buttons and links (#rrggbb); the text on buttons is white or dark, whichever reads better, and must reach 4.5:1'),
  backgroundColor: color('The page around the sign-in card (#rrggbb); the text on it must reach 4.5:1'),
  supportUri,
};

/** What text on the colours reads like, refused below WCAG AA with the ratio reached. */
function contrast(v: { primaryColor?: string; backgroundColor?: string }, ctx: z.RefinementCtx): void {
  for (const p of colorProblems(v)) ctx.addIssue({ code: 'custom', path: [p.field], message: p.message });
}

export const brandInputSchema = z
  .strictObject({
    displayName: fields.displayName.optional(),
    logo: fields.logo.optional(),
    primaryColor: fields.primaryColor.optional(),
    backgroundColor: fields.backgroundColor.optional(),
    supportUri: fields.supportUri.optional(),
  })
  .superRefine(contrast)
  .describe("The app's look on the hosted pages and in mails; what it leaves out comes from the operator's brand");
export type BrandInput = z.input<typeof brandInputSchema>;

/** A change to a brand: merged field by field (null removes a field; the whole brand is removed with brand: null). */
export const brandPatchSchema = z
  .strictObject({
    displayName: fields.displayName.nullable().optional(),
    logo: fields.logo.nullable().optional(),
    primaryColor: fields.primaryColor.nullable().optional(),
    backgroundColor: fields.backgroundColor.nullable().optional(),
    supportUri: fields.supportUri.nullable().optional(),
  })
  .describe('Merged field by field into the brand: a field set to null is removed; brand: null removes the whole brand');
export type BrandPatch = z.input<typeof brandPatchSchema>;

/** The brand as stored in a registration (client metadata `brand`); `logo` is a stored logo's name. */
export interface BrandRegistration {
  display_name?: string;
  logo?: string;
  primary_color?: string;
  background_color?: string;
  support_uri?: string;
}

const NAMES = {
  displayName: 'display_name',
  logo: 'logo',
  primaryColor: 'primary_color',
  backgroundColor: 'background_color',
  supportUri: 'support_uri',
} as const satisfies Record<keyof typeof fields, keyof BrandRegistration>;

/** The registration form of a parsed brand input (its logo still as given: the clients service stores it); undefined when empty. */
export function brandRegistration(input: z.output<typeof brandInputSchema> | undefined): BrandRegistration | undefined {
  if (!input) return undefined;
  const out = Object.fromEntries(Object.entries(NAMES).flatMap(([option, name]) => (input[option as keyof typeof NAMES] === undefined ? [] : [[name, input[option as keyof typeof NAMES]]])));
  return Object.keys(out).length ? (out as BrandRegistration) : undefined;
}

/** A stored brand as input (and as the API shows it): the logo as the path it is served at. */
export function brandOfRegistration(stored: unknown): BrandInput | undefined {
  if (!stored || typeof stored !== 'object') return undefined;
  const s = stored as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [option, name] of Object.entries(NAMES)) {
    const value = s[name];
    if (typeof value === 'string') out[option] = option === 'logo' ? `${LOGO_PATH}${value}` : value;
  }
  return Object.keys(out).length ? out : undefined;
}

/** `current` with `patch` merged in (JSON merge patch); undefined when nothing is left. */
export function mergeBrand(current: unknown, patch: BrandPatch | null): BrandInput | undefined {
  if (patch === null) return undefined;
  const merged: Record<string, unknown> = { ...(current && typeof current === 'object' ? current : {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return Object.keys(merged).length ? (merged as BrandInput) : undefined;
}

/** Why a stored brand is not one (client metadata validation: what reaches the database was checked here); undefined if it is. */
export function brandRegistrationProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'brand must be an object';
  const v = value as Record<string, unknown>;
  const unknown = Object.keys(v).filter((k) => !(Object.values(NAMES) as string[]).includes(k));
  if (unknown.length) return `brand has unknown fields: ${unknown.join(', ')}`;
  const str = (k: string) => v[k] === undefined || typeof v[k] === 'string';
  if (!Object.values(NAMES).every(str)) return 'brand fields must be strings';
  if (v.display_name !== undefined && !/^\S(.{0,78}\S)?$/su.test(v.display_name as string)) return 'brand.display_name must be 1-80 characters';
  if (v.logo !== undefined && !LOGO_NAME.test(v.logo as string)) return 'brand.logo must name a stored logo';
  for (const k of ['primary_color', 'background_color']) if (v[k] !== undefined && !/^#[0-9a-f]{6}$/.test(v[k] as string)) return `brand.${k} must be #rrggbb`;
  if (v.support_uri !== undefined && !isHttps(v.support_uri as string)) return 'brand.support_uri must be an https URL';
  const problems = colorProblems({ primaryColor: v.primary_color as string | undefined, backgroundColor: v.background_color as string | undefined });
  return problems.length ? `brand: ${problems.map((p) => p.message).join('; ')}` : undefined;
}
