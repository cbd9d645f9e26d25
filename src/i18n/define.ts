// A message bundle: one feature's strings in every supported language. English is the reference: its keys are
// the bundle's keys, and a translation that misses one (or adds a stray one) fails the typecheck.
export type Translations<T> = { readonly [K in keyof T]: string };

export interface Bundle<T extends Record<string, string>> {
  en: T;
  de: Translations<T>;
  da: Translations<T>;
  pl: Translations<T>;
  fr: Translations<T>;
  es: Translations<T>;
  it: Translations<T>;
  nl: Translations<T>;
}

export function defineMessages<const T extends Record<string, string>>(bundle: Bundle<T>): Bundle<T> {
  return bundle;
}
