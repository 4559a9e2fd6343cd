import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditCommand, auditFailure, parseAudit } from '../../shared/quality/audit.js';
import {
  parseEslintJson,
  parseJestJson,
  parseJunitXml,
  parsePrettierOutput,
  parseTscOutput,
} from '../../shared/quality/parsers.js';

const workspace = mkdtempSync(join(tmpdir(), 'quality-unit-'));
const base = { workspace, projectDir: join(workspace, 'app') };
mkdirSync(join(base.projectDir, 'src'), { recursive: true });
writeFileSync(join(base.projectDir, 'src/a.ts'), '');
const file = (name: string, content: string) => {
  const path = join(workspace, name);
  writeFileSync(path, content);
  return path;
};

describe('tool reports → annotations at file and line (paths relative to the workspace)', () => {
  it('ESLint JSON: errors and warnings with rule, line and column', () => {
    const report = file(
      'eslint.json',
      JSON.stringify([
        {
          filePath: join(base.projectDir, 'src/a.ts'),
          messages: [
            { ruleId: 'no-unused-vars', severity: 2, message: "'x' is unused", line: 3, column: 7 },
            { ruleId: null, severity: 1, message: 'Parsing warning', line: 1, column: 1 },
          ],
        },
      ]),
    );
    expect(parseEslintJson(report, base)).toEqual([
      {
        level: 'error',
        file: 'app/src/a.ts',
        line: 3,
        column: 7,
        title: 'ESLint no-unused-vars',
        message: "'x' is unused",
      },
      { level: 'warning', file: 'app/src/a.ts', line: 1, column: 1, title: 'ESLint', message: 'Parsing warning' },
    ]);
    expect(parseEslintJson(join(workspace, 'missing.json'), base)).toBeUndefined();
  });

  it('tsc diagnostics, plain and --pretty', () => {
    const out =
      "src/a.ts(12,5): error TS2322: Type 'number' is not assignable to type 'string'.\n\x1b[96msrc/b.ts\x1b[0m:\x1b[93m4\x1b[0m:\x1b[93m2\x1b[0m - \x1b[91merror\x1b[0m\x1b[90m TS2304: \x1b[0mCannot find name 'y'.";
    expect(parseTscOutput(out, base)).toEqual([
      {
        level: 'error',
        file: 'app/src/a.ts',
        line: 12,
        column: 5,
        title: 'TypeScript TS2322',
        message: "Type 'number' is not assignable to type 'string'.",
      },
      {
        level: 'error',
        file: 'app/src/b.ts',
        line: 4,
        column: 2,
        title: 'TypeScript TS2304',
        message: "Cannot find name 'y'.",
      },
    ]);
  });

  it('jest JSON: the assertion location, else the test file line in the stack; a file that failed to load', () => {
    const testFile = join(base.projectDir, 'src/a.test.ts');
    const report = file(
      'jest.json',
      JSON.stringify({
        testResults: [
          {
            name: testFile,
            status: 'failed',
            assertionResults: [
              {
                fullName: 'math adds',
                title: 'adds',
                status: 'failed',
                failureMessages: [
                  'Error: expect(received).toBe(expected)\n    at Object.<anonymous> (' + testFile + ':14:20)',
                ],
                location: null,
              },
              {
                fullName: 'math subtracts',
                title: 'subtracts',
                status: 'failed',
                failureMessages: ['boom'],
                location: { line: 20, column: 3 },
              },
              { fullName: 'math passes', title: 'passes', status: 'passed' },
            ],
          },
          {
            name: join(base.projectDir, 'src/b.test.ts'),
            status: 'failed',
            message: 'SyntaxError: Unexpected token',
            assertionResults: [],
          },
        ],
      }),
    );
    const found = parseJestJson(report, base)!;
    expect(found.map((a) => [a.file, a.line, a.title])).toEqual([
      ['app/src/a.test.ts', 14, 'Test failed: math adds'],
      ['app/src/a.test.ts', 20, 'Test failed: math subtracts'],
      ['app/src/b.test.ts', undefined, 'Test file failed'],
    ]);
    expect(found[2].message).toBe('SyntaxError: Unexpected token');
  });

  it('JUnit XML: file/line attributes (jest-junit) or the line from the failure stack (vitest); entities decoded', () => {
    const xml = file(
      'junit.xml',
      `<?xml version="1.0"?>
<testsuites><testsuite name="s">
  <testcase classname="math" name="adds &amp; carries" file="src/a.test.ts" line="7"><failure message="expected 1 &lt; 0" type="AssertionError"/></testcase>
  <testcase classname="src/b.test.ts" name="b fails"><failure message="nope">AssertionError: nope
 ❯ src/b.test.ts:31:9</failure></testcase>
  <testcase classname="src/c.test.ts" name="c passes"></testcase>
  <testcase classname="src/d.test.ts" name="d errors"><error message="TypeError: x is undefined"></error></testcase>
</testsuite></testsuites>`,
    );
    expect(parseJunitXml(xml, base)).toEqual([
      {
        level: 'error',
        file: 'app/src/a.test.ts',
        line: 7,
        title: 'Test failed: adds & carries',
        message: 'expected 1 < 0',
      },
      { level: 'error', file: 'app/src/b.test.ts', line: 31, title: 'Test failed: b fails', message: 'nope' },
      {
        level: 'error',
        file: 'app/src/d.test.ts',
        line: undefined,
        title: 'Test failed: d errors',
        message: 'TypeError: x is undefined',
      },
    ]);
  });

  it('Prettier --check and --list-different: only files that exist', () => {
    const check =
      '[warn] src/a.ts\n[warn] Code style issues found in the above file. Run Prettier with --write to fix.';
    expect(parsePrettierOutput(check, base).map((a) => a.file)).toEqual(['app/src/a.ts']);
    expect(parsePrettierOutput('src/a.ts\nsrc/gone.ts\n', base).map((a) => a.file)).toEqual(['app/src/a.ts']);
  });
});

const advisory = {
  id: 1096460,
  module_name: 'minimist',
  severity: 'critical',
  title: 'Prototype Pollution in minimist',
  url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
  github_advisory_id: 'GHSA-xvch-5gv4-984h',
  vulnerable_versions: '<1.2.6',
  patched_versions: '>=1.2.6',
};

describe('audit reports of pnpm and yarn', () => {
  it('the audit command of each package manager', () => {
    expect(auditCommand('npm', '10.9.0')).toEqual(['npm', 'audit', '--json']);
    expect(auditCommand('pnpm', '9.15.9')).toEqual(['pnpm', 'audit', '--json']);
    expect(auditCommand('yarn', '1.22.22')).toEqual(['yarn', 'audit', '--json']);
    expect(auditCommand('yarn', '4.5.0')).toEqual(['yarn', 'npm', 'audit', '--json', '--recursive']);
  });

  it('pnpm: advisories keyed by id, paths starting with the importer', () => {
    const report = parseAudit(
      JSON.stringify({
        actions: [],
        advisories: {
          1096460: { ...advisory, findings: [{ version: '1.2.0', paths: ['.>minimist'] }] },
          2: {
            ...advisory,
            id: 2,
            module_name: 'debug',
            severity: 'low',
            title: 'ReDoS',
            url: 'https://github.com/advisories/GHSA-gxpj-cx7g-858c',
            github_advisory_id: 'GHSA-gxpj-cx7g-858c',
            patched_versions: '<0.0.0',
            findings: [{ version: '2.6.8', paths: ['.>express>debug'] }],
          },
        },
        muted: [],
        metadata: { vulnerabilities: { critical: 1, low: 1 } },
      }),
    );
    expect(report).toEqual({
      counts: { info: 0, low: 1, moderate: 0, high: 0, critical: 1, total: 2 },
      findings: [
        expect.objectContaining({
          package: 'minimist',
          severity: 'critical',
          id: 'GHSA-xvch-5gv4-984h',
          fix: 'yes (minimist@>=1.2.6)',
          via: 'direct',
        }),
        expect.objectContaining({ package: 'debug', severity: 'low', fix: 'no', via: 'via express' }),
      ],
    });
  });

  it('yarn 1: one auditAdvisory line per path, counted once; the summary line ignored', () => {
    const line = (path: string) =>
      JSON.stringify({
        type: 'auditAdvisory',
        data: {
          resolution: { id: 1096460, path, dev: false },
          advisory: { ...advisory, findings: [{ version: '1.2.0', paths: ['minimist', 'mkdirp>minimist'] }] },
        },
      });
    const report = parseAudit(
      [
        line('minimist'),
        line('mkdirp>minimist'),
        JSON.stringify({ type: 'auditSummary', data: { vulnerabilities: { critical: 2 } } }),
      ].join('\n'),
    );
    expect(report).toMatchObject({
      counts: { critical: 1, total: 1 },
      findings: [{ package: 'minimist', via: 'direct' }],
    });
  });

  it('yarn 1 on a clean project prints only its summary line: a clean report', () => {
    expect(
      parseAudit(
        JSON.stringify({
          type: 'auditSummary',
          data: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0 }, dependencies: 2 },
        }) + '\n',
      ),
    ).toEqual({ counts: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 }, findings: [] });
  });

  it('a registry without an audit endpoint is an error, not a clean report', () => {
    expect(
      parseAudit(
        JSON.stringify({
          error: { code: 'ENOAUDIT', summary: 'Your configured registry does not support audit requests.' },
        }),
      ),
    ).toEqual({ error: 'Your configured registry does not support audit requests.' });
    expect(parseAudit(JSON.stringify({ type: 'error', data: 'Request failed "404 Not Found"' }) + '\n')).toEqual({
      error: 'Request failed "404 Not Found"',
    });
    // What yarn 1.22.22 prints against a registry that answers 405 (its error goes to stderr).
    const info = JSON.stringify({
      type: 'info',
      data: 'Visit https://yarnpkg.com/en/docs/cli/audit for documentation about this command.',
    });
    const stderr = JSON.stringify({
      type: 'error',
      data: 'Error: https://registry.yarnpkg.com/-/npm/v1/security/audits: Request "https://registry.yarnpkg.com/-/npm/v1/security/audits" returned a 405\n    at params.callback (cli.js:66689:18)',
    });
    expect(parseAudit(info + '\n', stderr + '\n')).toEqual({
      error:
        'the audit printed no report (no auditSummary line): Error: https://registry.yarnpkg.com/-/npm/v1/security/audits: Request "https://registry.yarnpkg.com/-/npm/v1/security/audits" returned a 405',
    });
    expect(parseAudit('')).toMatchObject({ error: expect.stringContaining('no JSON report') });
  });

  it("pnpm's error names the endpoint and status, not just its code", () => {
    // What pnpm 9.15.9 prints against a registry that answers 405.
    const out = JSON.stringify({
      error: {
        code: 'ERR_PNPM_AUDIT_BAD_RESPONSE',
        message:
          'The audit endpoint (at http://127.0.0.1:4873/-/npm/v1/security/audits) responded with 405: {"error":"method not allowed"}',
      },
    });
    expect(parseAudit(out)).toEqual({
      error:
        'The audit endpoint (at http://127.0.0.1:4873/-/npm/v1/security/audits) responded with 405: {"error":"method not allowed"}',
    });
  });
});

describe('auditFailure: what failed when an audit could not run', () => {
  it('a registry without the audit API: which registry answered what to which endpoint, never "point npm at the registry" it already uses', () => {
    // npm 11's message against a mirror that answers 405 to the bulk endpoint.
    expect(
      auditFailure(
        'npm audit --json',
        '405 Method Not Allowed - POST https://npm.acme.internal/-/npm/v1/security/advisories/bulk',
      ),
    ).toBe(
      "npm audit --json could not audit the dependencies: the registry https://npm.acme.internal answered 405 Method Not Allowed to its bulk advisory endpoint (POST /-/npm/v1/security/advisories/bulk): this registry does not serve npm's audit API, as private registries and mirrors often do not. Have it proxy /-/npm/v1/security/ to the public registry, or set audit-level: none to skip the scan",
    );
    expect(
      auditFailure(
        'pnpm audit --json',
        'The audit endpoint (at http://127.0.0.1:4873/-/npm/v1/security/audits) responded with 404: {}',
      ),
    ).toMatch(
      /^pnpm audit --json could not audit the dependencies: the registry http:\/\/127\.0\.0\.1:4873 answered 404 to its audit endpoint \(\/-\/npm\/v1\/security\/audits\): this registry does not serve npm's audit API/,
    );
    expect(
      auditFailure(
        'yarn audit --json',
        'the audit printed no report (no auditSummary line): Error: https://npm.acme.internal/-/npm/v1/security/audits: Request "https://npm.acme.internal/-/npm/v1/security/audits" returned a 405',
      ),
    ).toMatch(
      /the registry https:\/\/npm\.acme\.internal answered 405 to its audit endpoint \(\/-\/npm\/v1\/security\/audits\): this registry does not serve/,
    );
  });

  it('the public registry answering 404 is told as it is; refusals and outages get their own meaning', () => {
    const npmjs = auditFailure(
      'npm audit --json',
      '404 Not Found - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
    );
    expect(npmjs).toBe(
      'npm audit --json could not audit the dependencies: the registry https://registry.npmjs.org answered 404 Not Found to its bulk advisory endpoint (POST /-/npm/v1/security/advisories/bulk)',
    );
    expect(
      auditFailure(
        'npm audit --json',
        '401 Unauthorized - POST https://npm.acme.internal/-/npm/v1/security/advisories/bulk',
      ),
    ).toMatch(
      /answered 401 Unauthorized .*: the registry refused the request; the audit needs the same credentials as an install from it/,
    );
    expect(
      auditFailure(
        'npm audit --json',
        '503 Service Unavailable - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      ),
    ).toMatch(/answered 503 Service Unavailable .*: the audit service failed or is busy; run the job again later$/);
  });

  it("a failure that is not an answer of the registry keeps the tool's own reason", () => {
    expect(
      auditFailure(
        'npm audit --json',
        'request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org',
      ),
    ).toBe(
      'npm audit --json could not audit the dependencies: request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org',
    );
  });
});
