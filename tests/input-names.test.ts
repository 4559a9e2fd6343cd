/**
 * One name, one meaning: every action.yml and reusable workflow is read, and an
 * input that carries an old name, or a name that means something else in
 * another action, fails here. The one-step deploy takes other actions' inputs
 * under a prefix (`health-` for health-gate's, `smoke-` for smoke-test's), so a
 * prefixed name must be that action's input, documented as such.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './harness/runner.js';

interface Input {
  description: string;
  default?: string;
}
const actionFiles = [
  ...readdirSync(join(repoRoot, 'actions')).map((a) => `actions/${a}/action.yml`),
  'deploy/action.yml',
];
const inputsOf = (file: string) =>
  (parse(readFileSync(join(repoRoot, file), 'utf8')) as { inputs?: Record<string, Input> }).inputs ?? {};
const workflowFiles = readdirSync(join(repoRoot, '.github/workflows')).map((f) => `.github/workflows/${f}`);

/** Names retired before v1, and what replaced them. */
const RETIRED: Record<string, string> = {
  'health-probe-timeout': 'health-timeout (the gate of the one-step deploy)',
  'health-path': 'readiness-path (the start-up check of a new release)',
};
/** Names retired in some actions only (they still mean something else where they remain). */
const RETIRED_IN: Record<string, { files: string[]; now: string }> = {
  context: {
    files: [
      'actions/deploy-to-env/action.yml',
      'actions/rollback/action.yml',
      'actions/deploy/action.yml',
      'deploy/action.yml',
    ],
    now: "kube-context (context is build-push's build context)",
  },
  cache: { files: ['actions/build-push/action.yml'], now: "layer-cache (cache is setup's dependency cache)" },
};
/** Names whose meaning changed: they may exist, but only where they mean what they mean now. */
const MEANING: Record<string, { actions: string[]; description: RegExp }> = {
  'health-timeout': {
    actions: ['actions/deploy/action.yml', 'deploy/action.yml'],
    description: /^Health gate: Per-probe timeout/,
  },
};

/** Every input name used in a workflow: its own inputs, and the `with:` keys it passes to the suite's actions. */
function workflowNames(file: string): { name: string; where: string }[] {
  const wf = parse(readFileSync(join(repoRoot, file), 'utf8')) as {
    on?: { workflow_call?: { inputs?: Record<string, unknown> } };
    jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>;
  };
  const own = Object.keys(wf.on?.workflow_call?.inputs ?? {}).map((name) => ({ name, where: `${file} inputs` }));
  const passed = Object.values(wf.jobs).flatMap((job) =>
    (job.steps ?? [])
      .filter((s) => s.uses?.startsWith('org/deploy-actions/'))
      .flatMap((s) => Object.keys(s.with ?? {}).map((name) => ({ name, where: `${file} → ${s.uses}` }))),
  );
  return [...own, ...passed];
}

describe('input names: one name, one meaning', () => {
  const everywhere = [
    ...actionFiles.flatMap((file) => Object.keys(inputsOf(file)).map((name) => ({ name, where: file }))),
    ...workflowFiles.flatMap(workflowNames),
  ];

  it('no action.yml or reusable workflow uses a retired name', () => {
    const used = everywhere.filter((n) => RETIRED[n.name]).map((n) => `${n.where}: ${n.name} → ${RETIRED[n.name]}`);
    const usedIn = everywhere
      .filter((n) => RETIRED_IN[n.name]?.files.some((f) => n.where.startsWith(f)))
      .map((n) => `${n.where}: ${n.name} → ${RETIRED_IN[n.name].now}`);
    expect([...used, ...usedIn]).toEqual([]);
  });

  it('no doc, script or test of this repository mentions a retired input', () => {
    const files = [
      'README.md',
      ...readdirSync(join(repoRoot, 'actions')).map((a) => `actions/${a}/usage.md`),
      'scripts/demo.mjs',
    ];
    const found: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(join(repoRoot, file), 'utf8');
      } catch {
        continue;
      }
      for (const name of Object.keys(RETIRED))
        if (new RegExp(`\\b${name}\\b`).test(text)) found.push(`${file}: ${name}`);
    }
    expect(found).toEqual([]);
  });

  it('a name whose meaning changed appears only where it means its new thing', () => {
    for (const [name, rule] of Object.entries(MEANING)) {
      for (const file of actionFiles) {
        const input = inputsOf(file)[name];
        if (!input) continue;
        expect(rule.actions, `${file} declares ${name}`).toContain(file);
        expect(input.description, `${file}: ${name}`).toMatch(rule.description);
      }
    }
  });

  it('readiness-* is the start-up check of a new release, documented as such wherever it appears', () => {
    const readiness = actionFiles.flatMap((file) =>
      Object.entries(inputsOf(file))
        .filter(([n]) => n.startsWith('readiness-'))
        .map(([n, i]) => ({ file, n, i })),
    );
    expect(readiness.map((r) => r.file)).toEqual(
      expect.arrayContaining([
        'actions/deploy-to-env/action.yml',
        'actions/rollback/action.yml',
        'actions/deploy/action.yml',
      ]),
    );
    for (const { file, n, i } of readiness) expect(i.description, `${file}: ${n}`).toMatch(/^Readiness check: /);
  });

  it.each([
    ['health-', 'actions/health-gate/action.yml', 'Health gate: '],
    ['smoke-', 'actions/smoke-test/action.yml', 'Smoke test: '],
  ])(
    'in the one-step deploy, every %s input is an input of %s, documented under that name',
    (prefix, source, label) => {
      const theirs = inputsOf(source);
      for (const file of ['actions/deploy/action.yml', 'deploy/action.yml']) {
        for (const [name, input] of Object.entries(inputsOf(file)).filter(([n]) => n.startsWith(prefix))) {
          const original = name.slice(prefix.length);
          expect(theirs[original], `${file}: ${name} is not ${source}'s ${original}`).toBeDefined();
          expect(input.description, `${file}: ${name}`).toMatch(new RegExp(`^${label}`));
          expect(input.default ?? '', `${file}: ${name} default`).toBe(theirs[original].default ?? '');
        }
      }
    },
  );

  it('a reusable workflow passes each input to the action input of the same name', () => {
    const renamed: string[] = [];
    for (const file of workflowFiles) {
      const wf = parse(readFileSync(join(repoRoot, file), 'utf8')) as {
        jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>;
      };
      for (const step of Object.values(wf.jobs)
        .flatMap((job) => job.steps ?? [])
        .filter((s) => s.uses?.startsWith('org/deploy-actions/')))
        for (const [key, value] of Object.entries(step.with ?? {})) {
          const source = /^\$\{\{ inputs\.([\w-]+) \}\}$/.exec(String(value))?.[1];
          if (source && source !== key) renamed.push(`${file}: ${key} ← inputs.${source}`);
        }
    }
    expect(renamed).toEqual([]);
  });

  it('an input shared by several actions has the same default in each (one meaning, one behaviour)', () => {
    const byName = new Map<string, { file: string; default: string }[]>();
    for (const file of actionFiles.filter((f) => f !== 'deploy/action.yml'))
      for (const [name, input] of Object.entries(inputsOf(file)))
        byName.set(name, [...(byName.get(name) ?? []), { file, default: input.default ?? '' }]);
    // Where a default differs on purpose, and why.
    const differs: Record<string, string> = {
      // smoke-test's per-request timeout and health-gate's per-probe one are both "one HTTP attempt", tuned to each
      // job.
      timeout: 'smoke-test and health-gate tune one attempt each',
    };
    const clashes = [...byName].filter(
      ([name, uses]) => !differs[name] && new Set(uses.map((u) => u.default)).size > 1,
    );
    expect(
      clashes.map(([name, uses]) => `${name}: ${uses.map((u) => `${u.file}=${JSON.stringify(u.default)}`).join(', ')}`),
    ).toEqual([]);
  });
});
