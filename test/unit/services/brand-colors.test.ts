// Brand colours against WCAG 2.x: the contrast ratio as the standard defines it, the text colour the pages put on a
// brand colour, and the refusal (naming the ratio reached) of colours on which neither white nor dark text reads.
import { AA_TEXT_RATIO, colorProblems, contrastRatio, DARK_TEXT, formatRatio, LIGHT_TEXT, textOn, themeProperties } from '../../../src/services/brand-colors.ts';
import { brandInputSchema, brandRegistrationProblem } from '../../../src/services/brand-input.ts';

it('computes the WCAG contrast ratio (black on white 21:1, a colour on itself 1:1, symmetric)', () => {
  expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
  expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
  expect(contrastRatio('#1f5fbf', '#1f5fbf')).toBe(1);
  // Published reference values (WebAIM's checker): #767676 on white is the lightest grey passing AA, 4.54:1.
  expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
});

it('never rounds a ratio up: 4.499 reads as 4.49, not as the 4.5 it misses', () => {
  expect(formatRatio(4.499)).toBe('4.49:1');
  expect(formatRatio(21)).toBe('21.00:1');
});

it('puts white text on dark colours and dark text on light ones', () => {
  expect(textOn('#1f5fbf').color).toBe(LIGHT_TEXT);
  expect(textOn('#ffd700').color).toBe(DARK_TEXT);
  expect(textOn('#ffd700').ratio).toBeGreaterThanOrEqual(AA_TEXT_RATIO);
});

it('accepts colours that reach 4.5:1 with one of the two text colours, and refuses mid-tones naming the ratios', () => {
  expect(colorProblems({ primaryColor: '#1f5fbf', backgroundColor: '#f4f5f7' })).toEqual([]);
  expect(colorProblems({ primaryColor: '#ffd700', backgroundColor: '#0b1320' })).toEqual([]);
  const problems = colorProblems({ primaryColor: '#808080', backgroundColor: '#7a7a7a' });
  expect(problems.map((p) => p.field)).toEqual(['primaryColor', 'backgroundColor']);
  expect(problems[0]!.message).toMatch(/^button text on #808080 reaches at most \d\.\d\d:1 \(white 3\.94:1, dark \d\.\d\d:1\); WCAG AA needs 4\.5:1/);
  expect(problems[1]!.message).toMatch(/^text on #7a7a7a reaches at most/);
});

it('links take the primary colour only where it reads on the card, else the card text colour', () => {
  const dark = themeProperties({ primaryColor: '#1F5FBF' });
  expect(dark.light).toMatchObject({ '--accent': '#1f5fbf', '--accent-text': '#ffffff', '--link': '#1f5fbf' });
  // On the dark card, dark blue does not read: links use the dark scheme's text colour instead.
  expect(dark.dark['--link']).toBe('#e8eaed');
  const yellow = themeProperties({ primaryColor: '#ffd700', backgroundColor: '#0b1320' });
  expect(yellow.light).toMatchObject({ '--accent-text': DARK_TEXT, '--link': DARK_TEXT, '--page-bg': '#0b1320', '--on-page-bg': '#ffffff' });
  expect(yellow.dark['--link']).toBe('#ffd700');
});

it('checks a brand given to the CLI or the API, and a brand stored in a registration, the same way', () => {
  const refused = brandInputSchema.safeParse({ primaryColor: '#808080' });
  expect(refused.success).toBe(false);
  expect(refused.error?.issues[0]).toMatchObject({ path: ['primaryColor'], message: expect.stringMatching(/WCAG AA needs 4\.5:1/) });
  expect(brandInputSchema.safeParse({ primaryColor: 'blue' }).error?.issues[0]?.message).toMatch(/#rrggbb/);
  expect(brandInputSchema.safeParse({ supportUri: 'http://help.example.com' }).error?.issues[0]?.message).toMatch(/https/);
  expect(brandInputSchema.parse({ primaryColor: '#1F5FBF', displayName: ' Shop ' })).toEqual({ primaryColor: '#1f5fbf', displayName: 'Shop' });
  expect(brandRegistrationProblem({ primary_color: '#808080' })).toMatch(/WCAG AA/);
  expect(brandRegistrationProblem({ logo: 'https://cdn.example/logo.png' })).toMatch(/stored logo/);
  expect(brandRegistrationProblem({ colour: '#000000' })).toMatch(/unknown fields: colour/);
  expect(brandRegistrationProblem({ display_name: 'Shop', primary_color: '#1f5fbf', support_uri: 'https://help.shop.example' })).toBeUndefined();
});
