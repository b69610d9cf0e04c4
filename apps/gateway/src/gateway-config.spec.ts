import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigValidationError, documentVariables } from '@app/config';
import { gatewayConfig, loadGatewayConfig } from './gateway-config';

/** The README's `| variable | default | meaning |` rows: each names one or more variables and their default(s). */
function readmeVariables(): Map<string, string> {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const documented = new Map<string, string>();
  let inTable = false;
  for (const line of readme.split('\n')) {
    if (/^\| variable \| default \| meaning \|/.test(line)) inTable = true;
    else if (!line.startsWith('|')) inTable = false;
    else if (inTable && !line.startsWith('|---')) {
      const [names, defaults] = line.split(/(?<!\\)\|/).slice(1, 3).map((cell) => cell.trim());
      const variables = [...names.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1]);
      // `A`, `B` | x, y: one default each when the cell splits as the names do; else the cell is every one's
      const separator = names.includes(' / ') ? ' / ' : ', ';
      const parts = defaults.split(separator);
      variables.forEach((name, index) => documented.set(name, parts.length === variables.length ? parts[index] : defaults));
    }
  }
  return documented;
}

const plain = (text: string) => text.replace(/`/g, '').replace(/\s+/g, ' ').trim();

describe('the gateway configuration', () => {
  const variables = documentVariables(gatewayConfig.slices);

  it('is documented in the README: the same variables, each default as the schema gives it', () => {
    const readme = readmeVariables();
    const row = (variable: (typeof variables)[number]) => `| \`${variable.name}\` | ${variable.default} | ${variable.description} |`;
    // a missing row is printed ready to paste
    expect(variables.filter((variable) => !readme.has(variable.name)).map(row)).toEqual([]);
    expect([...readme.keys()].filter((name) => !variables.some((variable) => variable.name === name))).toEqual([]);
    const wrongDefaults = variables.filter((variable) => {
      const documented = plain(readme.get(variable.name) ?? '');
      return !(documented === variable.default || documented.startsWith(`${variable.default} `) || documented.startsWith(`${variable.default};`));
    });
    expect(wrongDefaults.map((variable) => `${variable.name}: README says "${readme.get(variable.name)}", the schema ${variable.default}`)).toEqual([]);
  });

  it('describes every variable in one line', () => {
    expect(variables.filter((variable) => !variable.description || variable.description.includes('\n')).map((variable) => variable.name)).toEqual([]);
  });

  it('names every bad variable of every slice in one error, secrets redacted', () => {
    let error: ConfigValidationError | undefined;
    try {
      loadGatewayConfig({ PORT: 'eighty', COINDESK_API_KEY: 'k', COINGECKO_API_KEY: 'cg-secret', COINGECKO_PLAN: 'gold', SPREADS_POLL_MS: '5', DEX_BATCH_DELAY_MS: '-1', CAPITAL_FLOW_INGEST: 'maybe' });
    } catch (caught) {
      error = caught as ConfigValidationError;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error?.problems.map((problem) => problem.split('=')[0])).toEqual(
      expect.arrayContaining(['PORT', 'COINGECKO_PLAN', 'SPREADS_POLL_MS', 'DEX_BATCH_DELAY_MS', 'CAPITAL_FLOW_INGEST']),
    );
    expect(error?.problems).toHaveLength(5);
    expect(error?.message).not.toContain('cg-secret');
  });
});
