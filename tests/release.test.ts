/**
 * `npm run release` (scripts/release.mjs) against a temporary git repository
 * shaped like this one: package.json with bundle:check/docs:check, a lockfile,
 * a CHANGELOG.md, workflows with self-references, and real commits and tags.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from './harness/runner.js';

const script = join(repoRoot, 'scripts/release.mjs');
const checkout = 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0';

let repo: string;

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Release Test',
  GIT_AUTHOR_EMAIL: 'release@test.invalid',
  GIT_COMMITTER_NAME: 'Release Test',
  GIT_COMMITTER_EMAIL: 'release@test.invalid',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: gitEnv }).trim();
const write = (file: string, text: string) => {
  mkdirSync(join(repo, file, '..'), { recursive: true });
  writeFileSync(join(repo, file), text);
};
const read = (file: string) => readFileSync(join(repo, file), 'utf8');
const commit = (message: string, file = 'src.txt') => {
  write(file, `${message}\n`);
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', '--short', 'HEAD');
};
const release = (...args: string[]) => {
  const r = spawnSync(process.execPath, [script, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: gitEnv,
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const workflow = (ref: string) => `on: workflow_call
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: ${checkout}
      - uses: org/deploy-actions/deploy@${ref}
      - uses: org/deploy-actions/actions/smoke-test@${ref}
      - uses: someone-else/other-actions/deploy@v3
`;

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'release-test-'));
  git('init', '-q', '-b', 'main');
  write(
    'package.json',
    `{
  "name": "deploy-actions",
  "version": "1.3.0",
  "private": true,
  "scripts": { "bundle:check": "node check-dist.mjs", "docs:check": "node -e 0" }
}
`,
  );
  // The stand-in for `npm run bundle:check`: dist/ is stale when dist/STALE exists.
  write(
    'check-dist.mjs',
    `import { existsSync } from 'node:fs';\nif (existsSync('dist/STALE')) { console.error('dist/ is stale: dist/x/index.js'); process.exit(1); }\n`,
  );
  write(
    'package-lock.json',
    `${JSON.stringify({ name: 'deploy-actions', version: '1.3.0', lockfileVersion: 3, packages: { '': { name: 'deploy-actions', version: '1.3.0' } } }, null, 2)}\n`,
  );
  write('CHANGELOG.md', '# Changelog\n\n## v1.3.0 - 2026-01-01\n\n- older work (abc1234)\n');
  write('.github/workflows/deploy.yml', workflow('v1.3.0'));
  git('add', '-A');
  git('commit', '-q', '-m', 'chore: release v1.3.0');
  git('tag', '-a', 'v1.3.0', '-m', 'v1.3.0');
});

afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('npm run release -- X.Y.Z', () => {
  it('bumps the version, writes the CHANGELOG entry, updates self-references, commits and tags', () => {
    const feat = commit('feat: one-step deploy action');
    const fix = commit('fix(smoke): retry 503 on GET only');
    const other = commit('Document the demo');

    const r = release('1.4.0');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Prepared v1.4.0 (3 commit(s) since v1.3.0)');

    expect(JSON.parse(read('package.json')).version).toBe('1.4.0');
    expect(read('package.json')).toContain('"scripts": { "bundle:check"'); // formatting kept
    const lock = JSON.parse(read('package-lock.json'));
    expect([lock.version, lock.packages[''].version]).toEqual(['1.4.0', '1.4.0']);

    const changelog = read('CHANGELOG.md');
    const today = new Date().toISOString().slice(0, 10);
    expect(changelog).toContain(
      `## v1.4.0 - ${today}\n\n### Features\n\n- one-step deploy action (${feat})\n\n### Fixes\n\n- retry 503 on GET only (${fix})\n\n### Changes\n\n- Document the demo (${other})\n`,
    );
    expect(changelog.indexOf('## v1.4.0')).toBeLessThan(changelog.indexOf('## v1.3.0'));
    expect(changelog).not.toContain('release v1.3.0'); // commits before the last tag stay out

    const wf = read('.github/workflows/deploy.yml');
    expect(wf).toContain('uses: org/deploy-actions/deploy@v1.4.0');
    expect(wf).toContain('uses: org/deploy-actions/actions/smoke-test@v1.4.0');
    expect(wf).toContain(`uses: ${checkout}`);
    expect(wf).toContain('uses: someone-else/other-actions/deploy@v3');

    expect(git('log', '-1', '--format=%s')).toBe('Release v1.4.0');
    expect(git('rev-parse', 'v1.4.0^{commit}')).toBe(git('rev-parse', 'HEAD'));
    expect(git('cat-file', '-t', 'v1.4.0')).toBe('tag'); // annotated
    expect(git('status', '--porcelain')).toBe('');
    expect(git('show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual(
      ['.github/workflows/deploy.yml', 'CHANGELOG.md', 'package-lock.json', 'package.json'].sort(),
    );
  });

  it("points a composite action's references to the suite's actions at the new tag, and only those", () => {
    const composite = (ref: string) => `name: ci
runs:
  using: composite
  steps:
    - id: setup
      uses: org/deploy-actions/actions/setup@${ref}
    - uses: 'org/deploy-actions/actions/lint-test-scan@${ref}'
    - uses: ${checkout}
    - uses: someone-else/deploy-actions-fork/actions/setup@v9
    - shell: bash
      run: echo "org/deploy-actions/actions/setup@${ref} in a script is text, not a reference"
`;
    write('actions/ci/action.yml', composite('v1.3.0'));
    write('actions/setup/action.yml', "name: setup\nruns:\n  using: 'node24'\n  main: '../../dist/setup/index.js'\n");
    commit('feat: ci composite', 'actions/ci/README');

    const r = release('1.4.0');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ci = read('actions/ci/action.yml');
    expect(ci).toBe(
      composite('v1.4.0')
        .replace('actions/setup@v1.4.0 in a script', 'actions/setup@v1.3.0 in a script')
        .replace('deploy-actions-fork/actions/setup@v1.4.0', 'deploy-actions-fork/actions/setup@v9'),
    );
    expect(git('show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual(
      [
        '.github/workflows/deploy.yml',
        'CHANGELOG.md',
        'actions/ci/action.yml',
        'package-lock.json',
        'package.json',
      ].sort(),
    );
  });

  it('creates CHANGELOG.md when there is none and handles the first release', () => {
    rmSync(join(repo, 'CHANGELOG.md'));
    git('tag', '-d', 'v1.3.0');
    git('commit', '-qam', 'Remove changelog');
    const r = release('2.0.0');
    expect(r.code).toBe(0);
    const changelog = read('CHANGELOG.md');
    expect(changelog).toMatch(/^# Changelog\n/);
    expect(changelog).toContain('- chore: release v1.3.0');
    expect(changelog).toContain('- Remove changelog');
  });

  function expectNothingChanged(before: string) {
    expect(git('rev-parse', 'HEAD')).toBe(before);
    expect(git('tag', '--list')).toBe('v1.3.0');
    expect(JSON.parse(read('package.json')).version).toBe('1.3.0');
  }

  it('refuses a dirty tree (modified or untracked files)', () => {
    commit('feat: x');
    const head = git('rev-parse', 'HEAD');
    write('src.txt', 'edited\n');
    let r = release('1.4.0');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('release: the working tree is not clean');
    expect(r.stderr).toContain('src.txt');
    expectNothingChanged(head);

    git('checkout', '--', 'src.txt');
    write('notes.tmp', 'x');
    r = release('1.4.0');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('?? notes.tmp');
    expectNothingChanged(head);
  });

  it('refuses a stale dist/ (npm run bundle:check fails)', () => {
    commit('feat: x', 'dist/STALE');
    const head = git('rev-parse', 'HEAD');
    const r = release('1.4.0');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('npm run bundle:check failed');
    expect(r.stderr).toContain('dist/ is stale: dist/x/index.js');
    expectNothingChanged(head);
  });

  it.each([
    ['1.3.0', 'tag v1.3.0 already exists'],
    ['1.2.9', 'version 1.2.9 is not above package.json version 1.3.0'],
    ['1.3.0-rc.1', 'version 1.3.0-rc.1 is not above package.json version 1.3.0'],
    ['banana', 'usage: npm run release -- X.Y.Z'],
    ['', 'usage: npm run release -- X.Y.Z'],
  ])('refuses version %j', (version, message) => {
    commit('feat: x');
    const head = git('rev-parse', 'HEAD');
    const r = release(...(version ? [version] : []));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expectNothingChanged(head);
  });

  it('refuses a version not above the latest tag even when package.json lags', () => {
    commit('feat: x');
    git('tag', '-a', 'v1.5.0', '-m', 'v1.5.0');
    commit('feat: y');
    const r = release('1.4.0');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('version 1.4.0 is not above tag v1.5.0');
  });

  it('refuses when nothing was committed since the last release', () => {
    const r = release('1.3.1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no commits since v1.3.0: nothing to release');
  });
});

describe('release.yml helpers', () => {
  it('--notes lists the commits from the previous version to the tag, with a compare link', () => {
    commit('feat: smoke flows');
    expect(release('1.4.0').code).toBe(0);
    commit('fix: later work, not in v1.4.0');
    const r = spawnSync(process.execPath, [script, '--notes', 'v1.4.0'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...gitEnv, GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'org/deploy-actions' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('- smoke flows (');
    expect(r.stdout).toContain('- Release v1.4.0 (');
    expect(r.stdout).not.toContain('later work');
    expect(r.stdout).not.toContain('release v1.3.0');
    expect(r.stdout).toContain('Full list: https://github.com/org/deploy-actions/compare/v1.3.0...v1.4.0');
  });

  it('a stable release takes its notes from the previous stable release, skipping prereleases', () => {
    commit('feat: a');
    expect(release('1.4.0-rc.1').code).toBe(0);
    commit('fix: b');
    expect(release('1.4.0').code).toBe(0);
    const r = release('--notes', 'v1.4.0');
    expect(r.stdout).toContain('- a (');
    expect(r.stdout).toContain('- b (');
  });

  const majorTarget = (tag: string, released: string[]) => {
    const r = spawnSync(process.execPath, [script, '--major-target', tag], {
      cwd: repo,
      encoding: 'utf8',
      env: gitEnv,
      input: released.join('\n'),
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  it('--major-target points the major tag at the highest released stable version, never back', () => {
    commit('feat: a');
    expect(release('1.4.0').code).toBe(0);
    expect(majorTarget('v1.4.0', ['v1.3.0', 'v1.4.0'])).toBe('v1 v1.4.0');
    commit('fix: b');
    expect(release('1.4.1').code).toBe(0);
    // v1.4.1's run finished first; v1.4.0's run, finishing later, must leave v1 on v1.4.1.
    expect(majorTarget('v1.4.0', ['v1.4.1', 'v1.4.0', 'v1.3.0'])).toBe('v1 v1.4.1');
    // A patch of an older line, tagged and released later.
    git('tag', 'v1.3.1', 'v1.3.0');
    expect(majorTarget('v1.3.1', ['v1.3.1', 'v1.4.1'])).toBe('v1 v1.4.1');
    // A tag not yet released (its run still queued) is not a target; neither is another major.
    git('tag', 'v1.5.0');
    git('tag', 'v2.0.0');
    expect(majorTarget('v1.4.1', ['v1.4.1', 'v2.0.0'])).toBe('v1 v1.4.1');
    expect(majorTarget('v2.0.0', ['v1.4.1', 'v2.0.0'])).toBe('v2 v2.0.0');
  });

  it('--major-target moves nothing for a prerelease, and ignores released prereleases', () => {
    commit('feat: a');
    expect(release('2.0.0-rc.1').code).toBe(0);
    expect(majorTarget('v2.0.0-rc.1', ['v2.0.0-rc.1'])).toBe('');
    expect(majorTarget('v1.3.0', ['v1.3.0', 'v2.0.0-rc.1'])).toBe('v1 v1.3.0');
  });

  it('--check-on-main refuses a tag whose commit is not on main', () => {
    git('checkout', '-q', '-b', 'topic');
    commit('feat: unreviewed');
    git('tag', 'v1.9.0');
    git('checkout', '-q', 'main');
    const off = release('--check-on-main', 'v1.9.0', 'main');
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/tag v1\.9\.0 \([0-9a-f]{12}\) is not on main: releases are made from main only/);
    git('merge', '-q', '--ff-only', 'topic');
    const on = release('--check-on-main', 'v1.9.0', 'main');
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toContain('v1.9.0 is on main');
  });

  it('--check-tag fails unless the tag is package.json version', () => {
    expect(release('--check-tag', 'v1.3.0').code).toBe(0);
    const r = release('--check-tag', 'v1.3.1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tag v1.3.1 does not match package.json version 1.3.0');
  });
});
