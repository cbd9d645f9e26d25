// The configuration is described where operators look for it: every variable the schema reads is in the README's
// configuration table and in .env.example, and neither names a variable the schema does not read.
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES } from '../../src/config/index.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** The names in the first column of the README's "## Configuration" table (a row may name several). */
function readmeVariables(): Set<string> {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('\n## Configuration'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1));
  const names = new Set<string>();
  for (const row of section.split('\n').filter((line) => line.startsWith('| `'))) {
    const first = row.split('|')[1] ?? '';
    for (const match of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(match[1]!);
  }
  return names;
}

function envExampleVariables(): Set<string> {
  return new Set([...read('.env.example').matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
}

it('reads more than a handful of variables (the schema is where CONFIG_VARIABLES comes from)', () => {
  expect(CONFIG_VARIABLES.length).toBeGreaterThan(40);
  expect(CONFIG_VARIABLES).toContain('DATA_ENCRYPTION_KEY');
});

it.each([
  ['the README configuration table', readmeVariables],
  ['.env.example', envExampleVariables],
])('%s names every variable, and only those', (_where, names) => {
  const documented = names();
  expect(CONFIG_VARIABLES.filter((v) => !documented.has(v))).toEqual([]);
  expect([...documented].filter((v) => !CONFIG_VARIABLES.includes(v))).toEqual([]);
});
