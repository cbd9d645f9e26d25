// The layers of src/ hold (.dependency-cruiser.cjs): services never import the entry points (interaction, account,
// oidc, http), the sign-in pages never import the account center, and no module depends on itself through others.
// A violation fails here, naming the import to move.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const root = fileURLToPath(new URL('../../', import.meta.url));
const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as IConfiguration;

async function violations(): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const result = await cruise(['src', 'adapters'], { ruleSet: config, ...config.options, validate: true }, undefined, { tsConfig: extractTSConfig('tsconfig.json') });
    const output = result.output as ICruiseResult;
    expect(output.summary.totalCruised).toBeGreaterThan(100);
    return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to}`);
  } finally {
    process.chdir(cwd);
  }
}

it('src keeps its layers and has no import cycles', async () => {
  expect(await violations()).toEqual([]);
}, 60_000);
