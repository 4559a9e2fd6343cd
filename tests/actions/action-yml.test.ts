import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionDir, readActionYml, repoRoot } from '../harness/runner.js';

const names = readdirSync(join(repoRoot, 'actions')).filter((n) => existsSync(join(repoRoot, 'actions', n, 'action.yml')));

describe.each(names)('actions/%s/action.yml', (name) => {
  // As the YAML parser gives it; expect() checks each field.
  const yml = readActionYml(name) as unknown as Record<string, ReturnType<typeof JSON.parse>>;

  it('has name, description, author and branding', () => {
    for (const key of ['name', 'description', 'author']) expect(typeof yml[key], key).toBe('string');
    expect(yml.branding?.icon).toBeTruthy();
    expect(yml.branding?.color).toBeTruthy();
  });

  it('describes every input with required and default, and every output', () => {
    for (const [input, spec] of Object.entries<ReturnType<typeof JSON.parse>>(yml.inputs ?? {})) {
      expect(spec.description, input).toBeTruthy();
      expect(typeof spec.required, `${input}.required`).toBe('boolean');
      if (!spec.required) expect('default' in spec, `${input}.default`).toBe(true);
    }
    for (const [output, spec] of Object.entries<ReturnType<typeof JSON.parse>>(yml.outputs ?? {})) expect(spec.description, output).toBeTruthy();
  });

  it('runs its committed bundle on node24', () => {
    expect(yml.runs.using).toBe('node24');
    const main = resolve(actionDir(name), yml.runs.main);
    expect(main).toBe(join(repoRoot, 'dist', name, 'index.js'));
    expect(existsSync(main)).toBe(true);
    if (yml.runs.post) expect(resolve(actionDir(name), yml.runs.post)).toBe(main);
  });

  it('reads every input it declares', () => {
    const bundle = readFileSync(join(repoRoot, 'dist', name, 'index.js'), 'utf8');
    // The one-step deploy takes the smoke test's and the gate's inputs under a prefix, names composed at run time:
    // tests/actions/deploy-stages.test.ts sees each of them arrive at its stage.
    const composed = (input: string) => name === 'deploy' && /^(smoke|health)-/.test(input);
    for (const input of Object.keys(yml.inputs ?? {}).filter((i) => !composed(i))) expect(bundle.includes(`"${input}"`) || bundle.includes(`'${input}'`) || bundle.includes(`${input}:`), input).toBe(true);
  });
});
