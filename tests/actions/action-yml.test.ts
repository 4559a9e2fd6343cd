import { findProvider, providerNames } from '../../shared/providers/index.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { actionDir, inputVar, readActionYml, repoRoot, runAction } from '../harness/runner.js';

const PROVIDERS = ['docker', 'kubernetes', 'command'];
const RECORDER = pathToFileURL(join(repoRoot, 'tests/harness/record-inputs.mjs')).href;
// A control character: no input of any kind takes it.
const BAD_VALUE = 'bad\u0007value';

const names = readdirSync(join(repoRoot, 'actions')).filter((n) =>
  existsSync(join(repoRoot, 'actions', n, 'action.yml')),
);

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
    for (const [output, spec] of Object.entries<ReturnType<typeof JSON.parse>>(yml.outputs ?? {}))
      expect(spec.description, output).toBeTruthy();
  });

  const composite = yml.runs.using === 'composite';

  it.runIf(composite)('is a composite: suite actions at the release tag, bash run: steps, inputs through env:', () => {
    const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
    for (const step of yml.runs.steps as { uses?: string; shell?: string; run?: string }[]) {
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
    for (const [output, spec] of Object.entries<{ value?: string }>(yml.outputs ?? {}))
      expect(spec.value, output).toMatch(stepOutput);
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

  it.skipIf(composite)(
    'reads every input it declares, and none it does not (INPUT_* lookups recorded in the bundle)',
    async () => {
      const declared = Object.keys(yml.inputs ?? {});
      const read = new Set<string>();
      // Every provider reads its own inputs; one bad value (every input gets one) fails the step once all are read.
      for (const provider of declared.includes('provider') ? PROVIDERS : [undefined]) {
        const file = join(mkdtempSync(join(tmpdir(), 'inputs-read-')), 'read');
        const inputs = Object.fromEntries(declared.map((input) => [input, BAD_VALUE]));
        if (provider) inputs.provider = provider;
        const run = await runAction(name, {
          inputs,
          post: false,
          env: { NODE_OPTIONS: `--import=${RECORDER}`, RECORD_INPUTS: file },
        });
        expect(run.code, run.stdout).toBe(1);
        expect(run.errors.join('\n'), `${provider ?? ''} ${run.stdout}`).toMatch(
          /^Invalid inputs:\n {2}- "[\w-]+": expected /,
        );
        for (const variable of readFileSync(file, 'utf8').split('\n').filter(Boolean)) read.add(variable);
      }
      expect(
        declared.filter((input) => !read.has(inputVar(input))),
        'declared, never read',
      ).toEqual([]);
      // An action with a provider parses the provider's whole settings schema: the inputs it does not declare
      // arrive empty and take the schema's defaults (the runtime options in rollback and teardown, say).
      const providerSettings = declared.includes('provider')
        ? providerNames().flatMap((p) => Object.keys(findProvider(p)!.inputs.shape))
        : [];
      const known = [...declared, ...providerSettings];
      expect(
        [...read].filter((v) => !known.some((input) => inputVar(input) === v)),
        'read, not declared',
      ).toEqual([]);
    },
  );
});
