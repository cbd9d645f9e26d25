// A brand's colours and whether text on them can be read: WCAG 2.x relative luminance and contrast ratio, and the
// text colour the hosted pages put on each brand colour. The text colour is ours to choose (white or the pages' dark
// text, whichever reads better), so a colour is refused only when neither reaches WCAG AA for normal text (4.5:1):
// mid-tones such as #808080. Refused, not quietly adjusted: the operator chose the colour and should hear that it
// does not work (and by how much), rather than see a different one on the pages than the one they set.

/** A colour as the CLI, the API and the configuration take it: #rrggbb. */
export const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
/** WCAG 2.x success criterion 1.4.3 (AA) for normal-size text. */
export const AA_TEXT_RATIO = 4.5;

/** The pages' own text colours (views/assets/app.css): light text, dark text, and the card behind body text. */
export const LIGHT_TEXT = '#ffffff';
export const DARK_TEXT = '#1b1f24';
const LIGHT_CARD = '#ffffff';
const DARK_CARD = '#1c1f24';
const DARK_CARD_TEXT = '#e8eaed';

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of #rrggbb (0 black … 1 white). */
export function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return 0.2126 * channel((n >> 16) & 0xff) + 0.7152 * channel((n >> 8) & 0xff) + 0.0722 * channel(n & 0xff);
}

/** WCAG contrast ratio of two colours, 1 … 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** A ratio as people read it, never rounded up (4.499 must not read as the 4.5 it misses): "4.49:1". */
export const formatRatio = (ratio: number): string => `${(Math.floor(ratio * 100) / 100).toFixed(2)}:1`;

/** The text colour that reads best on `background`, and how well. */
export function textOn(background: string): { color: string; ratio: number } {
  const light = contrastRatio(background, LIGHT_TEXT);
  const dark = contrastRatio(background, DARK_TEXT);
  return light >= dark ? { color: LIGHT_TEXT, ratio: light } : { color: DARK_TEXT, ratio: dark };
}

export interface BrandColors {
  primaryColor?: string;
  backgroundColor?: string;
}

/** Why a brand's colours cannot be used, one sentence per colour naming the ratio reached; [] when they read well. */
export function colorProblems(colors: BrandColors): { field: keyof BrandColors; message: string }[] {
  const problems: { field: keyof BrandColors; message: string }[] = [];
  const check = (field: keyof BrandColors, what: string) => {
    const color = colors[field];
    if (color === undefined || !HEX_COLOR.test(color)) return;
    const best = textOn(color);
    if (best.ratio >= AA_TEXT_RATIO) return;
    problems.push({
      field,
      message:
        `${what} on ${color.toLowerCase()} reaches at most ${formatRatio(best.ratio)} (white ${formatRatio(contrastRatio(color, LIGHT_TEXT))}, ` +
        `dark ${formatRatio(contrastRatio(color, DARK_TEXT))}); WCAG AA needs ${AA_TEXT_RATIO}:1: choose a darker or a lighter colour`,
    });
  };
  check('primaryColor', 'button text');
  check('backgroundColor', 'text');
  return problems;
}

/** The custom properties of views/assets/app.css a brand sets, light and dark colour scheme apart where they differ. */
export interface ThemeProperties {
  light: Record<string, string>;
  dark: Record<string, string>;
}

/**
 * What the pages use for a brand's colours: buttons in the primary colour with the text that reads on it; links in
 * the primary colour where it reads on the card (light and dark scheme each), else in the card's text colour; the
 * page around the card (not --bg, which tints surfaces inside it) with the text that reads on it (the brand header).
 */
export function themeProperties(colors: BrandColors): ThemeProperties {
  const light: Record<string, string> = {};
  const dark: Record<string, string> = {};
  const primary = colors.primaryColor?.toLowerCase();
  if (primary) {
    const accentText = textOn(primary).color;
    Object.assign(light, { '--accent': primary, '--accent-text': accentText });
    Object.assign(dark, { '--accent': primary, '--accent-text': accentText });
    light['--link'] = contrastRatio(primary, LIGHT_CARD) >= AA_TEXT_RATIO ? primary : DARK_TEXT;
    dark['--link'] = contrastRatio(primary, DARK_CARD) >= AA_TEXT_RATIO ? primary : DARK_CARD_TEXT;
  }
  const background = colors.backgroundColor?.toLowerCase();
  if (background) {
    const onBackground = textOn(background).color;
    Object.assign(light, { '--page-bg': background, '--on-page-bg': onBackground });
    Object.assign(dark, { '--page-bg': background, '--on-page-bg': onBackground });
  }
  return { light, dark };
}
