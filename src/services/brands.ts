// Which brand a hosted page or a mail shows: the brand of the app whose sign-in it belongs to, field by field over the
// operator's (product name, logo, colours, support link from the configuration), and the operator's alone where no
// app is known (the account center, its mails, the operator's own actions) or the app has no brand of its own.
//
// Pages know their app from the interaction they render; mails are sent from deep inside use cases that should not
// carry an app around for the sake of a logo. So each request runs in a brand scope (src/http/branding.ts) holding
// the brand its pages use, which starts as the operator's and becomes the app's once the request's sign-in is
// loaded; the mailer reads the brand of the request that queues a mail from there.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Config } from '../config/index.ts';
import type { BrandRegistration } from './brand-input.ts';
import { LOGO_NAME, LOGO_PATH, type LogoExt } from './brand-logo-bytes.ts';

export interface Brand {
  /** The name the page header and mails show (an app's display name, else its client_name; the product name). */
  name: string;
  /** Its logo on our origin (/branding/logo/<name>), and the logo's type. */
  logo?: { path: string; ext: LogoExt };
  primaryColor?: string;
  backgroundColor?: string;
  supportUri?: string;
}

/** What the operator's brand is made of: the configuration's product name and branding. */
export type OperatorBrandConfig = Pick<Config, 'productName'> & Partial<Pick<Config, 'branding'>>;

function logoOf(name: unknown): Brand['logo'] {
  if (typeof name !== 'string' || !LOGO_NAME.test(name)) return undefined;
  return { path: `${LOGO_PATH}${name}`, ext: name.slice(name.lastIndexOf('.') + 1) as LogoExt };
}

const defined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

export function operatorBrand(config: OperatorBrandConfig): Brand {
  const b = config.branding;
  return defined({
    name: config.productName,
    logo: logoOf(b?.logo?.name),
    primaryColor: b?.primaryColor,
    backgroundColor: b?.backgroundColor,
    supportUri: b?.supportUri,
  });
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value : undefined);

/** An app's brand from its registration (oidc-provider's client.metadata()), over `fallback`; `fallback` when it has none. */
export function clientBrand(registration: { brand?: unknown; client_name?: unknown }, fallback: Brand): Brand {
  const own = registration.brand as BrandRegistration | undefined;
  if (!own || typeof own !== 'object') return fallback;
  return defined({
    name: text(own.display_name) ?? text(registration.client_name) ?? fallback.name,
    logo: logoOf(own.logo) ?? fallback.logo,
    primaryColor: own.primary_color ?? fallback.primaryColor,
    backgroundColor: own.background_color ?? fallback.backgroundColor,
    supportUri: own.support_uri ?? fallback.supportUri,
  });
}

/** What a request's brand scope holds: the brand of what it shows (the request's page state, src/http/state.ts). */
export interface BrandHolder {
  brand?: Brand;
}

const scope = new AsyncLocalStorage<BrandHolder>();

/** Runs `fn` (the rest of a request) with `holder` as its brand scope. */
export const inBrandScope = <T>(holder: BrandHolder, fn: () => T): T => scope.run(holder, fn);

/** The brand of the request in progress; undefined outside one (the CLI, start-up, timers). */
export const currentBrand = (): Brand | undefined => scope.getStore()?.brand;
