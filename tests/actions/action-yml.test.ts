import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionDir, readActionYml, repoRoot } from '../harness/runner.js';

const names = readdirSync(join(repoRoot, 'actions')).filter((n) => existsSync(join(repoRoot, 'actions', n, 'action.yml')));

describe.each(names)('actions/%s/action.yml', (name) => {
  const yml = readActionYml(name) as unknown as Record<string, any>;

  it('has name, description, author and branding', () => {
    for (const key of ['name', 'description', 'author']) expect(typeof yml[key], key).toBe('string');
    expect(yml.branding?.icon).toBeTruthy();
    expect(yml.branding?.color).toBeTruthy();
  });

  it('describes every input with required and default, and every output', () => {
    for (const [input, spec] of Object.entries<any>(yml.inputs ?? {})) {
      expect(spec.description, input).toBeTruthy();
      expect(typeof spec.required, `${input}.required`).toBe('boolean');
      if (!spec.required) expect('default' in spec, `${input}.default`).toBe(true);
    }
    for (const [output, spec] of Object.entries<any>(yml.outputs ?? {})) expect(spec.description, output).toBeTruthy();
  });

  const composite = yml.runs.using === 'composite';

  it.runIf(composite)('is a composite: suite actions at the release tag, bash run: steps, inputs through env:', () => {
    const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
    for (const step of yml.runs.steps as Record<string, any>[]) {
      if (step.uses) {
        // A composite cannot reach a sibling as ./actions/x (the caller's workspace): `npm run release` pins these.
        expect(step.uses).toMatch(new RegExp(`^org/deploy-actions/[\\w./-]+@v${version.replace(/\./g, '\\.')}$`));
        const path = step.uses.replace(/^org\/deploy-actions\/|@.*$/g, '');
        expect(existsSync(join(repoRoot, path, 'action.yml')), step.uses).toBe(true);
      } else {
        expect(step.shell, step.run).toBe('bash');
        expect(step.run, 'no ${{ }} inside a script: values go through env:').not.toContain('${{');
      }
    }
    const stepOutput = /^\$\{\{ steps\.[\w-]+\.outputs\.[\w-]+ \}\}$/;
    for (const [output, spec] of Object.entries<any>(yml.outputs ?? {})) expect(spec.value, output).toMatch(stepOutput);
  });

  it.runIf(composite)('uses every input it declares', () => {
    const steps = JSON.stringify(yml.runs.steps);
    for (const input of Object.keys(yml.inputs ?? {})) expect(steps, input).toContain(`inputs.${input} }}`);
  });

  it.skipIf(composite)('runs its committed bundle on node24', () => {
    expect(yml.runs.using).toBe('node24');
    const main = resolve(actionDir(name), yml.runs.main);
    expect(main).toBe(join(repoRoot, 'dist', name, 'index.js'));
    expect(existsSync(main)).toBe(true);
    if (yml.runs.post) expect(resolve(actionDir(name), yml.runs.post)).toBe(main);
  });

  it.skipIf(composite)('reads every input it declares', () => {
    const bundle = readFileSync(join(repoRoot, 'dist', name, 'index.js'), 'utf8');
    // The one-step deploy takes the smoke test's and the gate's inputs under a prefix, names composed at run time:
    // tests/actions/deploy-stages.test.ts sees each of them arrive at its stage.
    const composed = (input: string) => name === 'deploy' && /^(smoke|health)-/.test(input);
    for (const input of Object.keys(yml.inputs ?? {}).filter((i) => !composed(i))) expect(bundle.includes(`"${input}"`) || bundle.includes(`'${input}'`) || bundle.includes(`${input}:`), input).toBe(true);
  });
});
