import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installFailureLines } from '../../shared/setup/install-failure.js';
import { repoRoot } from '../harness/runner.js';

/**
 * Output of real failed installs (npm 11, pnpm 9.15, yarn 1.22), captured on out-of-sync lockfiles; yarn 4's as it
 * prints.
 */
const fixture = (name: string) => readFileSync(join(repoRoot, 'tests/fixtures/install-failures', name), 'utf8');

describe('installFailureLines: the lines of a failed install that say why', () => {
  it('npm ci on an out-of-sync lockfile: the cause and each package, not the ~90 lines of usage text after them', () => {
    const stderr = fixture('npm-ci-out-of-sync.stderr');
    expect(stderr.split('\n').length).toBeGreaterThan(90);
    expect(installFailureLines('npm', { stdout: '', stderr })).toEqual([
      '`npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.',
      '',
      'Missing: is-number@7.0.0 from lock file',
      "Invalid: lock file's zod@3.23.8 does not satisfy zod@3.24.0",
    ]);
  });

  it('npm before 10 (`npm ERR!`) the same way', () => {
    expect(installFailureLines('npm', { stdout: '', stderr: fixture('npm8-ci-out-of-sync.stderr') })).toEqual([
      '`npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.',
      '',
      'Missing: is-number@7.0.0 from lock file',
    ]);
  });

  it('npm errors without usage text are kept whole, minus the code and the debug-log pointer', () => {
    const stderr = [
      'npm warn deprecated inflight@1.0.6: This module is not supported',
      'npm error code E404',
      'npm error 404 Not Found - GET https://registry.npmjs.org/@acme%2fmissing - Not found',
      'npm error 404',
      "npm error 404  '@acme/missing@1.0.0' is not in this registry.",
      'npm error A complete log of this run can be found in: /home/runner/.npm/_logs/x-debug-0.log',
    ].join('\n');
    expect(installFailureLines('npm', { stdout: '', stderr })).toEqual([
      '404 Not Found - GET https://registry.npmjs.org/@acme%2fmissing - Not found',
      '404',
      "404  '@acme/missing@1.0.0' is not in this registry.",
    ]);
  });

  it('pnpm: the ERR_PNPM line and the failure reason it prints on stdout', () => {
    expect(
      installFailureLines('pnpm', {
        stdout: `Lockfile is up to date, resolution step is skipped\n${fixture('pnpm-outdated-lockfile.stdout')}`,
        stderr: '',
      }),
    ).toEqual([
      'ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with <ROOT>/package.json',
      '',
      'Note that in CI environments this setting is true by default. If you still need to run install in such cases, use "pnpm install --no-frozen-lockfile"',
      '',
      'Failure reason:',
      'specifiers in the lockfile ({"express":"4.21.2","zod":"3.23.8","typescript":"5.6.3"}) don\'t match specs in package.json ({"typescript":"5.6.3","express":"4.21.2","zod":"3.23.8","is-number":"7.0.0"})',
    ]);
  });

  it('yarn 1: its error lines, not the progress, the documentation link or Node deprecation warnings', () => {
    expect(
      installFailureLines('yarn', {
        stdout: fixture('yarn1-frozen-lockfile.stdout'),
        stderr: fixture('yarn1-frozen-lockfile.stderr'),
      }),
    ).toEqual(['Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.']);
  });

  it('yarn 2+: the lines with a YN code other than information, and the verdict', () => {
    expect(installFailureLines('yarn', { stdout: fixture('yarn-berry-immutable.stdout'), stderr: '' })).toEqual([
      'YN0085: + is-number@npm:7.0.0',
      'YN0028: The lockfile would have been modified by this install, which is explicitly forbidden.',
      'YN0000: Failed with errors in 0s 215ms',
    ]);
  });

  it('output in no known shape: its last lines; a long cause is cut with a count', () => {
    expect(installFailureLines('npm', { stdout: 'one\ntwo\n', stderr: '' })).toEqual(['one', 'two']);
    expect(
      installFailureLines('yarn', {
        stdout: '',
        stderr: '(node:1) [DEP0040] DeprecationWarning: punycode\nSegmentation fault\n',
      }),
    ).toEqual(['Segmentation fault']);
    const many = Array.from({ length: 50 }, (_, i) => `npm error Missing: pkg-${i}@1.0.0 from lock file`).join('\n');
    const lines = installFailureLines('npm', { stdout: '', stderr: many });
    expect(lines).toHaveLength(31);
    expect(lines.at(-1)).toBe("… and 20 more lines (see the install's log above)");
  });
});
