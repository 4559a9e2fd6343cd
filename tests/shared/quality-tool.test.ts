import { describe, expect, it } from 'vitest';
import { programOf, toolOf } from '../../shared/quality/tool.js';

describe('toolOf: the tool behind a command line or script', () => {
  it.each([
    ['eslint src', 'eslint'],
    ['vitest run', 'vitest'],
    ['./node_modules/.bin/tsc --noEmit', 'tsc'],
    // What a real project's test script says (ESM under Jest).
    ['NODE_OPTIONS=--experimental-vm-modules NODE_NO_WARNINGS=1 npx jest', 'jest'],
    ['CI=true FORCE_COLOR=0 vitest run --coverage', 'vitest'],
    ['env NODE_ENV=test jest --ci', 'jest'],
    ['env -u HOME -i PATH=/usr/bin NODE_ENV=test jest', 'jest'],
    ['env -S "NODE_OPTIONS=--experimental-vm-modules jest"', 'jest'],
    ['cross-env NODE_ENV=test TZ=UTC jest --runInBand', 'jest'],
    ['npx --yes prettier --check .', 'prettier'],
    ['npx -y eslint .', 'eslint'],
    ['npx --no-install tsc -p .', 'tsc'],
    ['npx -p jest@29 jest', 'jest'],
    ['npx jest@29.7.0 --ci', 'jest'],
    ['pnpm exec vitest run', 'vitest'],
    ['pnpm dlx eslint .', 'eslint'],
    ['pnpm --filter web exec jest', 'jest'],
    ['pnpm jest', 'jest'],
    ['yarn jest --ci', 'jest'],
    ['yarn run eslint .', 'eslint'],
    ['yarn --cwd packages/web exec tsc', 'tsc'],
    ['npm exec -- jest --ci', 'jest'],
    ['npm x --yes -- eslint .', 'eslint'],
    ['NODE_OPTIONS=--experimental-vm-modules npm exec -- jest', 'jest'],
    ['node --experimental-vm-modules node_modules/jest/bin/jest.js', 'jest'],
    ['node --require ./setup.cjs node_modules/.bin/vitest run', 'vitest'],
    ['tsc --noEmit && eslint .', 'tsc'],
  ])('%s → %s', (command, tool) => expect(toolOf(command)).toBe(tool));

  it.each([
    // `npm exec` without `--` takes the flags added after the program for itself: no report could be asked for.
    'npm exec jest',
    'npm test',
    'npx -c "jest --ci"',
    'node -e "require(\'jest\')"',
    'mocha test/',
    'NODE_ENV=test',
    'eslint . && prettier --check .',
    'jest | tee out.txt',
    'echo "unclosed',
  ])('%s → other', (command) => expect(toolOf(command)).toBe('other'));

  it('programOf names the program, not its runner', () => {
    expect(programOf(['A=1', 'B=2', 'npx', '--yes', '--', 'jest'])).toBe('jest');
    expect(programOf(['env', '-C', '/tmp', 'FOO=bar', '/usr/bin/make', 'test'])).toBe('/usr/bin/make');
    expect(programOf(['npm', 'exec', '--workspace', 'web'])).toBeUndefined();
    expect(programOf([])).toBeUndefined();
  });
});
