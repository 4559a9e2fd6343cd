/**
 * Every input of every action.yml, tried with bad values through the bundle:
 * each must be refused at once by an `::error::` naming the input, with no
 * stack trace, no secret printed, no command run and no request sent.
 *
 * - Stand-ins for docker, kubectl, ssh, git, npm, corepack, … come first on
 *   PATH and record any invocation; every URL (inputs, GITHUB_API_URL, the Node
 *   mirror, the cache service) points at one local server that records requests.
 * - Secret values carry the word SECRET (the job token too); no visible output
 *   may contain it. Newline values carry `::warning::INJECTED`; no output line
 *   may start a workflow command other than error, add-mask and debug.
 * - A control run per action and provider, with the valid inputs alone, must
 *   reach a command or a request: it proves the valid inputs are valid and the
 *   stand-ins see what a bad run must not do.
 * - Bad values that inputs parsing refuses on its own are tried together, one
 *   value of each input per run (every input named in the error); the others
 *   (`alone`: files that must exist, inputs checked against each other) run
 *   one by one. The whole table runs through a pool of three processes.
 * - The time is the child's own (process.uptime and CPU time, written by a
 *   preloaded hook at exit), not the pool's wait.
 *
 * A new input in an action.yml fails the coverage test until it has a line in
 * the table. The root deploy/action.yml runs the same bundle as
 * actions/deploy/action.yml with the same inputs (checked below), so the table
 * of deploy is run once, through the root file users call.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LINE, MAX_TEXT } from '../../shared/inputs.js';
import { mapConcurrent } from '../../shared/pool.js';
import { readActionYml, repoRoot, runAction, visibleText, type ActionRun } from '../harness/runner.js';
import { json, startServer } from '../harness/server.js';

// ------------------------------------------------------------------ world

/** Stands for the URL of each run's own recording server (replaced in every value before the run). */
const SRV = 'http://127.0.0.1:65531';
const root = mkdtempSync(join(tmpdir(), 'bad-inputs-'));
const STANDINS = [
  'docker',
  'kubectl',
  'ssh',
  'scp',
  'git',
  'npm',
  'npx',
  'pnpm',
  'yarn',
  'corepack',
  'node',
  'tsc',
  'eslint',
  'curl',
  'wget',
  'tar',
  'sudo',
];
const bin = join(root, 'bin');
mkdirSync(bin);
for (const name of STANDINS) {
  writeFileSync(
    join(bin, name),
    `#!/bin/sh\nprintf '%s %s\\n' "${name}" "$*" >> "$STANDIN_LOG"\necho "${name} is a stand-in of the bad-inputs test" >&2\nexit 1\n`,
  );
  chmodSync(join(bin, name), 0o755);
}
const clock = join(root, 'clock.cjs');
writeFileSync(
  clock,
  `process.on('exit', () => require('node:fs').writeFileSync(process.env.CHILD_CLOCK, JSON.stringify({ uptimeMs: process.uptime() * 1000, cpu: process.cpuUsage() })));\n`,
);

/** One workspace for every run: the files valid inputs name, and a few broken ones bad inputs name. */
const workspace = join(root, 'workspace');
const files: Record<string, string> = {
  Dockerfile: 'FROM scratch\n',
  'package.json': JSON.stringify({ name: 'app', scripts: { lint: 'eslint .', test: 'vitest run' } }),
  'app/package.json': JSON.stringify({ name: 'app', scripts: { lint: 'eslint .' } }),
  'smoke-broken.yml': 'flows:\n  - name: x\n    steps: [\n',
  'version-broken': 'twenty-two\n',
  'k8s/broken.yaml': 'kind: Deployment\nmetadata: [\n',
  'k8s/app.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n',
};
for (const [path, text] of Object.entries(files)) {
  mkdirSync(join(workspace, path, '..'), { recursive: true });
  writeFileSync(join(workspace, path), text);
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

// ------------------------------------------------------------------ table

type Kind =
  'malformed' | 'range' | 'enum' | 'missing' | 'conflict' | 'meta' | 'credentials' | 'newline' | 'length' | 'control';

interface Bad {
  kind: Kind;
  value: string;
  /**
   * Run on its own, with these other inputs: the check runs once the inputs parsed (files, inputs against each other).
   */
  alone?: boolean;
  with?: Record<string, string>;
}

interface Entry {
  bad: Bad[];
  /** Why fewer than four kinds apply (the input accepts any text of its kind). */
  why?: string;
  /** Only the given provider reads it. */
  provider?: Provider;
  /** A secret: its bad values carry SECRET, which must never be printed. */
  secret?: boolean;
  /** Multi-line by nature (a list, YAML, a key, a script): a line break is no fault. */
  multiLine?: boolean;
}

type Provider = 'docker' | 'kubernetes' | 'command';
type Table = Record<string, Entry>;

const INJECTED = '::warning::INJECTED';
const b = (kind: Kind, value: string, more: Omit<Bad, 'kind' | 'value'> = {}): Bad => ({ kind, value, ...more });
/** Checked after parsing, against files or other inputs: one run each. */
const alone = (kind: Kind, value: string, withInputs: Record<string, string> = {}): Bad => ({
  kind,
  value,
  alone: true,
  with: withInputs,
});
/** Alternately a line feed and a bare carriage return: both are line breaks, neither may reach the log raw. */
let breaks = 0;
const nl = (valid: string) => b('newline', `${valid}${breaks++ % 2 ? '\r' : '\n'}${INJECTED}`);
const ctl = (valid: string) => b('control', `${valid}\u001b]8;;x\u0007`);
/** Longer than `max` characters, even once trimmed (the runner trims inputs). */
function long(unit: string, max: number): Bad {
  let n = Math.ceil((max + 1) / unit.length);
  while (unit.repeat(n).trim().length <= max) n++;
  return b('length', unit.repeat(n).trim());
}

const e = (...bad: Bad[]): Entry => ({ bad });
const why = (reason: string, ...bad: Bad[]): Entry => ({ bad, why: reason });
const secret = (entry: Entry): Entry => ({ ...entry, secret: true });
const only = (provider: Provider, entry: Entry): Entry => ({ ...entry, provider });
const multi = (entry: Entry): Entry => ({ ...entry, multiLine: true });

// Kinds of bad values by the sort of input.
/** `marker` goes into every value of a secret URL input (it must never be echoed). */
const url = (required: boolean, marker = '') =>
  e(
    b('malformed', `not a url${marker}`),
    b('enum', `ftp://127.0.0.1/x${marker}`),
    b('credentials', SRV.replace('://', '://deploy:SECRET-url-password@')),
    nl(`${SRV}/x${marker}`),
    ctl(`${SRV}/x${marker}`),
    long(`${SRV}/${marker}`, MAX_LINE),
    ...(required ? [b('missing', '')] : []),
  );
const duration = () => e(b('malformed', '-5s'), b('range', '1000000h'), b('meta', '5s;reboot'), nl('5s'), ctl('5s'));
const int = (min: number, max: number) =>
  e(b('malformed', 'three'), b('range', String(max + 1)), b('meta', '$(echo 3)'), nl(String(min)), ctl(String(min)));
const bool = () => e(b('enum', 'yes'), b('meta', '$(true)'), nl('true'), ctl('true'), long('true', MAX_LINE));
const choice = (valid: string) => e(b('enum', 'bogus'), b('meta', `${valid};rm -rf /`), nl(valid), ctl(valid));
const name = (valid: string, more: Bad[] = []) =>
  e(b('malformed', 'has space'), b('meta', '-rf'), b('meta', '$(id)'), nl(valid), ctl(valid), long('a', 300), ...more);
const freeText = (max: number, valid = 'text') =>
  why('any text is valid here: only its shape can be wrong', nl(valid), ctl(valid), long('a', max));
const headers = () =>
  multi(
    secret(
      e(
        b('malformed', 'X-Api-Key SECRET-header-1'),
        b('meta', 'X-$(id): SECRET-header-2'),
        ctl('X-Api-Key: SECRET-header-3'),
        long('X-Pad: SECRET-header-4\n', MAX_TEXT),
      ),
    ),
  );
const path = (valid: string, more: Bad[] = []) => e(nl(valid), ctl(valid), long('a/', MAX_LINE), ...more);
const filePath = () => path('reports/x.xml', [b('malformed', 'reports/')]);
const script = (more: Bad[] = []) =>
  multi(
    why(
      'any bash script that parses is valid (multi-line by nature)',
      b('malformed', 'echo start; if then fi ('),
      ctl('echo ok'),
      long('echo ok\n', MAX_TEXT),
      ...more,
    ),
  );
const token = (label: string) =>
  secret(
    e(b('malformed', `ghs SECRET-${label}`), nl(`SECRET-${label}`), ctl(`SECRET-${label}`), long('SECRET-', 16_384)),
  );
const listOf = (valid: string) =>
  e(b('malformed', 'has space'), b('meta', `-${valid}`), nl(valid), ctl(valid), long(`${valid},`, MAX_TEXT));
const ssh = { hosts: 'ssh://deploy@127.0.0.1:2222' };
const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQSECRETkey\n-----END OPENSSH PRIVATE KEY-----';
const KNOWN = '[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBq8';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBSECRETcert\n-----END CERTIFICATE-----';
const TLS_KEY = '-----BEGIN PRIVATE KEY-----\nMIIBSECRETkey\n-----END PRIVATE KEY-----';
const shared = { 'proxy-mode': 'shared', 'ingress-host': 'pr-1.preview.test' };

const kubeconfig = (current = 'ci') =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: ci',
    `    cluster: { server: "${SRV}" }`,
    'users:',
    '  - name: ci',
    '    user: { token: SECRET-kube-token }',
    'contexts:',
    '  - name: ci',
    '    context: { cluster: ci, user: ci }',
    `current-context: ${current}`,
  ].join('\n');

/** deploy-to-env, rollback and deploy: the inputs of each provider. */
const dockerInputs: Table = {
  hosts: only(
    'docker',
    multi(
      e(
        b('malformed', 'tcp://127.0.0.1:2375'),
        b('meta', 'ssh://-oProxyCommand=touch@host'),
        b('meta', 'unix:///tmp/x;id'),
        ctl('unix:///var/run/docker.sock'),
        long('unix:///x\n', MAX_TEXT),
      ),
    ),
  ),
  'ssh-key': only(
    'docker',
    multi(
      secret(
        e(
          b('malformed', 'SECRET-not-a-key'),
          alone('missing', '', { ...ssh, 'ssh-known-hosts': KNOWN }),
          ctl(KEY),
          long(`${KEY}\n`, MAX_TEXT),
        ),
      ),
    ),
  ),
  'ssh-known-hosts': only(
    'docker',
    multi(
      e(
        b('malformed', 'just-a-host'),
        b('meta', '-oProxyCommand=x ssh-ed25519 AAAAC3Nza'),
        alone('missing', '', { ...ssh, 'ssh-key': KEY }),
        ctl(KNOWN),
        long(`${KNOWN}\n`, MAX_TEXT),
      ),
    ),
  ),
  'proxy-registry-username': only(
    'docker',
    e(b('meta', '--password-stdin'), b('malformed', 'a b'), alone('conflict', 'ci'), nl('ci'), ctl('ci')),
  ),
  'proxy-registry-password': only(
    'docker',
    multi(
      secret(
        why(
          'any text can be a password, a JSON key included (multi-line)',
          alone('conflict', 'SECRET-proxy-password'),
          ctl('SECRET-proxy-password'),
          long('SECRET-', MAX_TEXT),
        ),
      ),
    ),
  ),
  'proxy-image': only(
    'docker',
    e(
      b('malformed', 'Nginx:Stable'),
      b('meta', '--privileged'),
      b('meta', 'nginx;id'),
      b('missing', ''),
      nl('nginx:stable-alpine'),
      ctl('nginx:stable-alpine'),
    ),
  ),
  'lock-timeout': only('docker', duration()),
  'force-unlock': only('docker', bool()),
  'proxy-mode': only('docker', choice('shared')),
  'ingress-host': only(
    'docker',
    multi(
      e(
        b('malformed', 'bad host!'),
        b('meta', '-oProxy.example'),
        alone('conflict', 'pr-1.preview.test'),
        alone('missing', '', { 'proxy-mode': 'shared' }),
        ctl('pr-1.preview.test'),
        long('a.', MAX_TEXT),
      ),
    ),
  ),
  'ingress-name': only('docker', name('deploy-ingress')),
  'tls-certificate': only(
    'docker',
    multi(
      secret(
        e(
          b('malformed', 'SECRET-not-a-cert'),
          alone('conflict', CERT, shared),
          alone('missing', '', { ...shared, 'tls-key': TLS_KEY }),
          ctl(CERT),
          long(`${CERT}\n`, MAX_TEXT),
        ),
      ),
    ),
  ),
  'tls-key': only(
    'docker',
    multi(
      secret(
        e(
          b('malformed', 'SECRET-not-a-key'),
          alone('conflict', TLS_KEY, shared),
          alone('missing', '', { ...shared, 'tls-certificate': CERT }),
          ctl(TLS_KEY),
          long(`${TLS_KEY}\n`, MAX_TEXT),
        ),
      ),
    ),
  ),
  'tls-publish': only('docker', int(1, 65535)),
};

const kubernetesInputs: Table = {
  kubeconfig: only(
    'kubernetes',
    multi(
      secret(
        e(
          b('malformed', 'SECRET: ['),
          b('malformed', 'apiVersion: v1\nusers: []\n# SECRET'),
          alone('conflict', kubeconfig('elsewhere').replace('ci\n', 'ci\n# SECRET\n')),
          ctl(kubeconfig()),
          long(`# SECRET ${'x'.repeat(90)}\n`, MAX_TEXT),
        ),
      ),
    ),
  ),
  'kube-context': only('kubernetes', e(alone('conflict', 'nope'), b('meta', '--token=x'), nl('ci'), ctl('ci'))),
  namespace: only(
    'kubernetes',
    e(b('malformed', 'Has_Caps'), b('meta', '-n'), b('missing', ''), nl('default'), ctl('default')),
  ),
  deployment: only(
    'kubernetes',
    e(b('malformed', 'Bad_Name'), b('meta', '-x'), nl('shop'), ctl('shop'), long('a', 300)),
  ),
  container: only('kubernetes', listOf('app')),
  'service-name': only(
    'kubernetes',
    e(b('malformed', 'Bad_Name'), b('meta', '-x'), nl('shop'), ctl('shop'), long('a', 300)),
  ),
  'rollout-timeout': only('kubernetes', duration()),
};

const manifests = only(
  'kubernetes',
  multi(
    e(
      alone('missing', 'k8s/nope.yaml'),
      alone('malformed', 'k8s/broken.yaml'),
      ctl('k8s/app.yaml'),
      long('k8s/app.yaml\n', MAX_TEXT),
    ),
  ),
);

const common = {
  environment: name('staging', [b('missing', '')]),
  service: name('shop'),
  provider: e(
    alone('enum', 'heroku'),
    alone('meta', 'docker;id'),
    alone('newline', `docker\n${INJECTED}`),
    alone('control', 'docker\u001b'),
  ),
  publish: int(1, 65535),
  // Empty is valid: the image's own HEALTHCHECK is the readiness signal.
  'readiness-path': e(b('malformed', 'has space'), b('meta', '//evil.example/health'), nl('/health'), ctl('/health')),
  'readiness-timeout': duration(),
  'environment-url': url(false),
  'github-token': token('github-token'),
};

/** The docker provider's runtime options and roles (deploy-to-env and deploy): none may carry a docker option. */
const runOptions: Table = {
  volumes: only(
    'docker',
    multi(
      e(
        b('malformed', 'data'),
        b('malformed', 'data:../etc'),
        b('meta', '--privileged'),
        ctl('data:/data'),
        long('data:/data\n', MAX_TEXT),
      ),
    ),
  ),
  networks: only(
    'docker',
    multi(e(b('malformed', 'has space'), b('meta', '--network=host'), ctl('backend'), long('backend\n', MAX_TEXT))),
  ),
  command: only(
    'docker',
    e(b('malformed', '["unclosed'), b('meta', '--rm'), nl('bin/web'), ctl('bin/web'), long('a', 4096)),
  ),
  memory: only('docker', e(b('malformed', 'lots'), b('meta', '-1'), nl('512m'), ctl('512m'))),
  cpus: only('docker', e(b('malformed', 'many'), b('meta', '--cpuset-cpus=0'), nl('0.5'), ctl('0.5'))),
  restart: only('docker', choice('always')),
  'container-labels': only(
    'docker',
    multi(
      e(
        b('malformed', 'NO_EQUALS'),
        b('meta', '-x=1'),
        b('conflict', 'deploy-actions.version=forged'),
        ctl('a=1'),
        long('a=1\n', MAX_TEXT),
      ),
    ),
  ),
  roles: only(
    'docker',
    multi(
      e(
        b('malformed', 'worker: ['),
        b('meta', 'worker: { command: "--entrypoint=sh" }'),
        b('conflict', 'web: {}'),
        b('range', 'worker: { replicas: 99 }'),
        ctl('worker: {}'),
        long('# x\n', MAX_TEXT),
      ),
    ),
  ),
};

const deployToEnv: Table = {
  ...common,
  image: e(
    b('missing', ''),
    b('malformed', 'Shop:1'),
    b('meta', '-rf'),
    b('meta', 'shop:1;id'),
    b('malformed', 'shop@sha256:abc'),
    nl('shop:1'),
    ctl('shop:1'),
  ),
  strategy: e(
    b('enum', 'canary'),
    alone('conflict', 'rolling'),
    b('meta', 'recreate;id'),
    nl('recreate'),
    ctl('recreate'),
  ),
  port: int(1, 65535),
  env: multi(
    secret(
      e(
        b('malformed', 'DB_PASSWORD SECRET-env-1'),
        b('malformed', '1BAD=SECRET-env-2'),
        b('meta', '$(id)=SECRET-env-3'),
        ctl('DB_PASSWORD=SECRET-env-4'),
        long('A=SECRET-env-5\n', MAX_TEXT),
      ),
    ),
  ),
  keep: int(0, 50),
  ...dockerInputs,
  'registry-username': only(
    'docker',
    e(b('meta', '--password-stdin'), b('malformed', 'a b'), alone('conflict', 'ci'), nl('ci'), ctl('ci')),
  ),
  'registry-password': only(
    'docker',
    multi(
      secret(
        why(
          'any text can be a password, a JSON key included (multi-line)',
          alone('conflict', 'SECRET-registry-password'),
          ctl('SECRET-registry-password'),
          long('SECRET-', MAX_TEXT),
        ),
      ),
    ),
  ),
  ...runOptions,
  ...kubernetesInputs,
  manifests,
  'deploy-command': only('command', script([alone('missing', '')])),
  'command-timeout': only('command', duration()),
};

const rollback: Table = {
  ...common,
  to: e(b('meta', '-rf'), b('meta', 'v1;id'), nl('v1'), ctl('v1'), long('a', 512)),
  reason: freeText(1000, 'broken checkout'),
  ...dockerInputs,
  ...kubernetesInputs,
  'deploy-command': only('command', script()),
  'rollback-command': only('command', script([alone('missing', '', { 'deploy-command': '' })])),
  'command-timeout': only('command', duration()),
  'pre-rollback-command': script(),
  'hooks-timeout': duration(),
};

/** teardown: the environment, and how each provider finds what to remove. */
const teardown: Table = {
  environment: name('pr-1', [b('missing', '')]),
  service: name('shop'),
  provider: common.provider,
  'remove-volumes': bool(),
  'github-token': token('github-token'),
  ...Object.fromEntries(
    ['hosts', 'ssh-key', 'ssh-known-hosts', 'ingress-name', 'lock-timeout', 'force-unlock'].map((i) => [
      i,
      dockerInputs[i],
    ]),
  ),
  ...Object.fromEntries(['kubeconfig', 'kube-context', 'namespace'].map((i) => [i, kubernetesInputs[i]])),
  'teardown-command': only('command', script([alone('missing', '')])),
  'command-timeout': only('command', duration()),
};

const metricsWith = { 'prometheus-url': SRV, metrics: 'errors: rate(x[1m]) < 1' };
const gateMetrics = (prefix: string): Table => {
  const p = (inputs: Record<string, string>) =>
    Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`${prefix}${k}`, v]));
  const query = (variable: string, valid: string) =>
    e(
      b('meta', `${valid}"} or vector(1) #`),
      nl(valid),
      ctl(valid),
      long('a', 512),
      // deploy fills $VERSION, $ENVIRONMENT and $SERVICE in itself.
      ...(prefix
        ? []
        : [alone('missing', '', p({ 'prometheus-url': SRV, metrics: `errors: rate(x{v="$${variable}"}[1m]) < 1` }))]),
    );
  return {
    [`${prefix}prometheus-url`]: {
      bad: [...url(false).bad, alone('missing', '', p({ metrics: metricsWith.metrics }))],
    },
    [`${prefix}prometheus-headers`]: headers(),
    [`${prefix}metrics`]: multi(
      e(
        b('malformed', 'no colon here'),
        b('malformed', 'errors: rate(x[1m])'),
        alone('missing', '', p({ 'prometheus-url': SRV })),
        ctl(metricsWith.metrics),
        long(`${metricsWith.metrics}\n`, MAX_TEXT),
      ),
    ),
    [`${prefix}metrics-interval`]: duration(),
    [`${prefix}metrics-failure-limit`]: int(1, 1000),
    [`${prefix}metrics-inconclusive`]: choice('fail'),
    [`${prefix}version`]: query('VERSION', '1.2.3'),
    [`${prefix}environment`]: query('ENVIRONMENT', 'staging'),
    [`${prefix}service`]: query('SERVICE', 'shop'),
  };
};

const gate = (prefix: string, urlInput: string, timeoutInput: string): Table => ({
  [urlInput]: url(prefix === ''),
  [`${prefix}method`]: choice('GET'),
  [`${prefix}headers`]: headers(),
  [`${prefix}expect-status`]: e(
    b('malformed', '2xx,abc'),
    b('range', '600'),
    b('range', '299-200'),
    b('meta', '200;$(id)'),
    nl('200'),
    ctl('200'),
  ),
  [`${prefix}body-contains`]: freeText(8192, 'ok'),
  [`${prefix}json-assertions`]: multi(
    e(
      b('malformed', 'status'),
      b('enum', 'status ~= ok'),
      b('malformed', 'latency < fast'),
      ctl('status == "ok"'),
      long('status == "ok"\n', MAX_TEXT),
    ),
  ),
  [`${prefix}max-latency`]: duration(),
  [`${prefix}interval`]: duration(),
  [timeoutInput]: duration(),
  [`${prefix}deadline`]: duration(),
  [`${prefix}success-threshold`]: int(1, 1000),
  [`${prefix}max-failures`]: int(1, 1000),
  ...gateMetrics(prefix),
});

const smoke = (prefix: string): Table => ({
  [`${prefix}checks`]: multi(
    e(
      alone('malformed', 'flows: ['),
      alone('malformed', 'flows:\n  - name: x\n    steps: 3'),
      alone('meta', 'flows:\n  - name: x\n    steps:\n      - request: { path: "/${NOT_PASSED_ANYWHERE}" }'),
      ...(prefix ? [] : [alone('missing', '', { paths: '' })]),
      ctl('flows: []'),
      long('# pad\n', MAX_TEXT),
    ),
  ),
  [`${prefix}checks-file`]: e(
    alone('missing', 'nope.yml'),
    alone('malformed', 'smoke-broken.yml'),
    nl('smoke.yml'),
    ctl('smoke.yml'),
    long('a', MAX_LINE),
  ),
  [`${prefix}paths`]: multi(
    e(b('malformed', 'FETCH /x'), b('malformed', 'no-slash'), b('range', '/x 700'), ctl('/x'), long('/x\n', MAX_TEXT)),
  ),
  [`${prefix}headers`]: headers(),
  // Names of variables the checks may read: the runner's own can never be listed.
  [`${prefix}variables`]: multi(
    e(
      b('malformed', '1BAD'),
      b('meta', '$(id)'),
      b('conflict', 'ACTIONS_RUNTIME_TOKEN'),
      b('conflict', 'GITHUB_TOKEN'),
      ctl('API_KEY'),
      long('API_KEY,', MAX_TEXT),
    ),
  ),
  [`${prefix}concurrency`]: int(1, 100),
  [`${prefix}timeout`]: duration(),
  [`${prefix}retries`]: int(0, 10),
});

const slackToken = (label: string) =>
  secret(
    e(
      b('malformed', `xoxb SECRET-${label}`),
      nl(`xoxb-SECRET-${label}`),
      ctl(`xoxb-SECRET-${label}`),
      long('SECRET-', 16_384),
    ),
  );
const slackChannel = () => e(b('malformed', '#bad channel'), b('meta', '$(id)'), nl('C0DEPLOYS'), ctl('C0DEPLOYS'));
const mention = () => e(b('meta', '$(id)'), b('malformed', '<!here'), nl('@here'), ctl('@here'), long('@here ', 1000));

const deploy: Table = {
  ...deployToEnv,
  'environment-url': { bad: [...url(false).bad, alone('missing', '', { 'smoke-paths': '/health' })] },
  'rollback-command': only('command', script()),
  ...smoke('smoke-'),
  ...gate('health-', 'health-url', 'health-timeout'),
  'auto-rollback': bool(),
  'pre-deploy-command': script(),
  'post-deploy-command': script(),
  'pre-rollback-command': script(),
  'hooks-timeout': duration(),
  'slack-webhook-url': secret(url(false, 'SECRET-webhook')),
  'slack-token': {
    ...slackToken('slack-token'),
    bad: [
      ...slackToken('slack-token').bad,
      alone('conflict', 'xoxb-SECRET-slack-token', {
        'slack-webhook-url': `${SRV}/hooks/SECRET-webhook`,
        'slack-channel': 'C0DEPLOYS',
      }),
    ],
  },
  'slack-channel': { bad: [...slackChannel().bad, alone('missing', '', { 'slack-token': 'xoxb-SECRET-slack-token' })] },
  'slack-mention': mention(),
  'slack-api-url': url(true),
};

const TABLES: Record<
  string,
  { table: Table; valid: Record<string, string>; providers?: Record<Provider, Record<string, string>> }
> = {
  'build-push': {
    valid: { image: '127.0.0.1:5999/acme/shop', password: 'SECRET-registry-password' },
    table: {
      image: e(
        b('missing', ''),
        b('malformed', 'Acme/Shop'),
        b('meta', '-rf'),
        b('malformed', 'acme/shop:1'),
        nl('acme/shop'),
        ctl('acme/shop'),
        long('a', 255),
      ),
      context: e(
        alone('missing', 'nope'),
        b('credentials', 'https://x-access-token:SECRET-context@github.com/acme/shop.git'),
        nl('.'),
        ctl('.'),
        long('a/', MAX_LINE),
      ),
      file: path('Dockerfile', [alone('missing', 'nope/Dockerfile')]),
      'build-args': multi(e(b('malformed', 'NO_EQUALS'), b('meta', '-x=1'), ctl('A=1'), long('A=1\n', MAX_TEXT))),
      target: e(b('malformed', 'my stage'), b('meta', '--push'), nl('build'), ctl('build')),
      platforms: e(
        b('malformed', 'amd64'),
        b('meta', 'linux/amd64,$(id)'),
        nl('linux/amd64'),
        ctl('linux/amd64'),
        long('linux/amd64,', MAX_TEXT),
      ),
      push: bool(),
      registry: e(b('malformed', 'not a host!'), b('meta', '--password=x'), nl('ghcr.io'), ctl('ghcr.io')),
      username: e(
        b('meta', '--password-stdin'),
        b('malformed', 'a b'),
        alone('missing', ''),
        nl('octocat'),
        ctl('octocat'),
      ),
      password: multi(
        secret(
          why(
            'any text can be a password, a JSON key included (multi-line)',
            alone('missing', ''),
            ctl('SECRET-registry-password'),
            long('SECRET-', MAX_TEXT),
          ),
        ),
      ),
      'github-token': token('github-token'),
      tags: multi(
        e(
          alone('malformed', 'bad tag!'),
          alone('meta', '-latest'),
          alone('range', 'x'.repeat(129)),
          ctl('stable'),
          long('stable\n', MAX_TEXT),
        ),
      ),
      'tag-rules': multi(e(b('enum', 'nightly'), b('meta', 'sha;rm'), ctl('sha'), long('sha,', MAX_TEXT))),
      'sha-source': choice('pr-head'),
      labels: multi(e(b('malformed', 'NO_EQUALS'), b('meta', '-x=1'), ctl('a=1'), long('a=1\n', MAX_TEXT))),
      'layer-cache': choice('none'),
    },
  },
  'deploy-to-env': {
    valid: {
      environment: 'staging',
      image: '127.0.0.1:5999/acme/shop:1',
      env: 'DB_PASSWORD=SECRET-env',
      'environment-url': SRV,
    },
    providers: {
      docker: {},
      kubernetes: { provider: 'kubernetes', strategy: 'rolling', kubeconfig: kubeconfig() },
      command: { provider: 'command', 'deploy-command': 'echo deployed > "$MARK"' },
    },
    table: deployToEnv,
  },
  rollback: {
    valid: { environment: 'staging', to: '127.0.0.1:5999/acme/shop:0' },
    providers: {
      docker: {},
      kubernetes: { provider: 'kubernetes', kubeconfig: kubeconfig() },
      command: { provider: 'command', 'rollback-command': 'echo rolled back > "$MARK"' },
    },
    table: rollback,
  },
  deploy: {
    valid: {
      environment: 'staging',
      image: '127.0.0.1:5999/acme/shop:1',
      env: 'DB_PASSWORD=SECRET-env',
      'environment-url': SRV,
      'slack-api-url': SRV,
    },
    providers: {
      docker: {},
      kubernetes: { provider: 'kubernetes', strategy: 'rolling', kubeconfig: kubeconfig() },
      command: { provider: 'command', 'deploy-command': 'echo deployed > "$MARK"' },
    },
    table: deploy,
  },
  teardown: {
    valid: { environment: 'pr-1' },
    providers: {
      docker: {},
      kubernetes: { provider: 'kubernetes', kubeconfig: kubeconfig() },
      command: { provider: 'command', 'teardown-command': 'echo removed > "$MARK"' },
    },
    table: teardown,
  },
  'pr-comment': {
    valid: { body: 'Preview: https://pr-42.preview.example.com', 'pull-request': '42' },
    table: {
      body: multi(
        why('any Markdown is valid (multi-line by nature)', b('missing', ''), ctl('Preview'), long('a', 60_000)),
      ),
      'pull-request': e(b('malformed', 'abc'), b('range', '0'), b('meta', '$(id)'), nl('42'), ctl('42')),
      key: name('preview'),
      'only-if-open': bool(),
      'github-token': token('github-token'),
    },
  },
  'health-gate': {
    valid: {
      url: `${SRV}/health`,
      deadline: '1s',
      interval: '100ms',
      timeout: '500ms',
      headers: 'X-Api-Key: SECRET-header',
    },
    table: { ...gate('', 'url', 'timeout') },
  },
  'smoke-test': {
    valid: { 'base-url': SRV, paths: '/health', headers: 'X-Api-Key: SECRET-header' },
    table: { 'base-url': url(true), ...smoke(''), 'junit-report': filePath() },
  },
  'notify-slack': {
    valid: { status: 'success', 'webhook-url': `${SRV}/hooks/SECRET-webhook`, 'slack-api-url': SRV },
    table: {
      'webhook-url': secret({ bad: [...url(false, 'SECRET-webhook').bad, alone('missing', '')] }),
      token: {
        ...slackToken('token'),
        bad: [...slackToken('token').bad, alone('conflict', 'xoxb-SECRET-token', { channel: 'C0DEPLOYS' })],
      },
      channel: {
        bad: [
          ...slackChannel().bad,
          alone('missing', '', { 'webhook-url': '', token: 'xoxb-SECRET-token' }),
          alone('conflict', 'C0DEPLOYS'),
        ],
      },
      status: e(b('missing', ''), b('enum', 'succeeded'), b('meta', 'success;id'), nl('success'), ctl('success')),
      title: freeText(1000, 'Deployed'),
      message: multi(why('any mrkdwn text is valid (multi-line by nature)', ctl('all good'), long('a', 40_000))),
      environment: freeText(1000, 'staging'),
      version: freeText(1000, '1.2.3'),
      'environment-url': url(false),
      fields: multi(
        why(
          'any mrkdwn text is a valid value: only the "Key: value" form can be wrong',
          b('malformed', 'no colon'),
          b('malformed', 'Key:'),
          ctl('Key: value'),
          long('Key: value\n', MAX_TEXT),
        ),
      ),
      mention: mention(),
      'update-ts': e(
        b('malformed', 'yesterday'),
        b('meta', '1.2;id'),
        nl('1.2'),
        ctl('1.2'),
        alone('conflict', '1712345678.123456'),
      ),
      'thread-ts': e(
        b('malformed', 'yesterday'),
        b('meta', '1.2;id'),
        nl('1.2'),
        ctl('1.2'),
        alone('conflict', '1712345678.123456'),
      ),
      payload: multi(
        e(
          b('malformed', '{not json'),
          b('malformed', '[1, 2]'),
          b('missing', '{"channel": "C0DEPLOYS"}'),
          ctl('{"text": "x"}'),
          b('length', `{"text": "${'a'.repeat(MAX_TEXT)}"}`),
        ),
      ),
      'fail-on-error': bool(),
      'slack-api-url': url(true),
    },
  },
  setup: {
    valid: {},
    table: {
      'node-version': e(
        b('malformed', 'twenty'),
        b('meta', '22; rm -rf /'),
        b('meta', '$(id)'),
        nl('22'),
        ctl('22'),
        long('2', MAX_LINE),
      ),
      'node-version-file': e(
        alone('missing', 'nope'),
        alone('malformed', 'version-broken'),
        nl('.nvmrc'),
        ctl('.nvmrc'),
        long('a', MAX_LINE),
      ),
      'package-manager': choice('npm'),
      'working-directory': e(alone('missing', 'nope/dir'), nl('.'), ctl('.'), long('a/', MAX_LINE)),
      install: bool(),
      cache: bool(),
      'cache-key-suffix': e(b('malformed', 'a,b'), b('range', 'x'.repeat(101)), nl('v1'), ctl('v1')),
    },
  },
  'lint-test-scan': {
    valid: { 'working-directory': 'app' },
    table: {
      'working-directory': e(alone('missing', 'nope/dir'), nl('app'), ctl('app'), long('a/', MAX_LINE)),
      ...Object.fromEntries(
        ['lint', 'format-check', 'typecheck', 'test'].map((stage) => [
          stage,
          e(b('malformed', 'eslint "src'), b('meta', '-rf /'), nl('eslint .'), ctl('eslint .'), long('a', MAX_LINE)),
        ]),
      ),
      'test-report': filePath(),
      'audit-level': choice('high'),
      parallel: bool(),
      'fail-fast': bool(),
    },
  },
};

// ------------------------------------------------------------------ runs

interface Case {
  action: string;
  input: string;
  bad: Bad;
  entry: Entry;
}

interface Run {
  action: string;
  provider?: Provider;
  inputs: Record<string, string>;
  cases: Case[];
  /** Every input of the run must be named as `"input": expected` (a batch); alone, the input must be named. */
  batch: boolean;
  control?: boolean;
}

interface Outcome {
  run: ActionRun;
  standins: string;
  requests: string[];
  marked: boolean;
  clock: { uptimeMs: number; cpuMs: number };
}

const ACTIONS = Object.keys(TABLES);
const variantsOf = (action: string): (Provider | undefined)[] =>
  TABLES[action].providers ? (Object.keys(TABLES[action].providers) as Provider[]) : [undefined];
const providerOf = (action: string, entry: Entry): Provider | undefined =>
  TABLES[action].providers ? (entry.provider ?? 'docker') : undefined;
const baseline = (action: string, provider: Provider | undefined) => ({
  ...TABLES[action].valid,
  ...(provider ? TABLES[action].providers![provider] : {}),
});
const casesOf = (action: string): Case[] =>
  Object.entries(TABLES[action].table).flatMap(([input, entry]) =>
    entry.bad.map((bad) => ({ action, input, bad, entry })),
  );

/**
 * Together one run's values stay well below the kernel's limit on a process's arguments and environment (ARG_MAX, 2
 * MiB).
 */
const ENV_BUDGET = 1_200_000;

/**
 * The bad values parsing refuses on their own, packed into as few runs as
 * fit: at most one value of each input per run. A provider's inputs go into
 * runs with that provider; the others into any run of the action.
 */
function batches(action: string, cases: Case[]): Run[] {
  const runs: (Run & { size: number })[] = [];
  // A provider's inputs first: they open the runs of their provider, which the others then fill.
  const order = [...cases].sort((x, y) => Number(!x.entry.provider) - Number(!y.entry.provider));
  for (const c of order) {
    const provider = c.entry.provider;
    const size = c.bad.value.length;
    let run = runs.find(
      (r) =>
        (!provider || r.provider === provider) &&
        !r.cases.some((x) => x.input === c.input) &&
        r.size + size <= ENV_BUDGET,
    );
    if (!run) {
      const variant = providerOf(action, c.entry);
      runs.push(
        (run = { action, provider: variant, inputs: baseline(action, variant), cases: [], batch: true, size: 0 }),
      );
    }
    run.cases.push(c);
    run.inputs[c.input] = c.bad.value;
    run.size += size;
  }
  return runs;
}

const RUNS: Run[] = ACTIONS.flatMap((action) => {
  const cases = casesOf(action);
  const controls = variantsOf(action).map((provider): Run => ({
    action,
    provider,
    inputs: baseline(action, provider),
    cases: [],
    batch: false,
    control: true,
  }));
  const single = cases
    .filter((c) => c.bad.alone)
    .map((c): Run => {
      const provider = providerOf(action, c.entry);
      return {
        action,
        provider,
        inputs: { ...baseline(action, provider), ...c.bad.with, [c.input]: c.bad.value },
        cases: [c],
        batch: false,
      };
    });
  return [
    ...controls,
    ...batches(
      action,
      cases.filter((c) => !c.bad.alone),
    ),
    ...single,
  ];
});

async function execute(spec: Run): Promise<Outcome> {
  const server = await startServer((_, res) =>
    json(res, 401, { message: 'Bad credentials (the bad-inputs test server refuses everything)' }),
  );
  const dir = mkdtempSync(join(root, 'run-'));
  const log = join(dir, 'standins.log');
  const clockFile = join(dir, 'clock.json');
  const mark = join(dir, 'mark');
  const local = (value: string) => value.split(SRV).join(server.url);
  try {
    const run = await runAction(spec.action, {
      inputs: Object.fromEntries(Object.entries(spec.inputs).map(([k, v]) => [k, local(v)])),
      workspace,
      token: 'ghs_SECRETjobtoken0123456789',
      post: false,
      timeoutMs: 30_000,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        NODE_OPTIONS: `--require ${clock}`,
        CHILD_CLOCK: clockFile,
        STANDIN_LOG: log,
        MARK: mark,
        GITHUB_API_URL: server.url,
        NODEJS_ORG_MIRROR: server.url,
        ACTIONS_RESULTS_URL: `${server.url}/`,
        ACTIONS_CACHE_URL: `${server.url}/`,
        ACTIONS_RUNTIME_TOKEN: 'SECRET-runtime-token',
      },
    });
    rmSync(run.dir, { recursive: true, force: true });
    const child = existsSync(clockFile)
      ? (JSON.parse(readFileSync(clockFile, 'utf8')) as { uptimeMs: number; cpu: { user: number; system: number } })
      : undefined;
    return {
      run,
      standins: existsSync(log) ? readFileSync(log, 'utf8') : '',
      requests: server.requests.map((r) => `${r.method} ${r.url}`),
      marked: existsSync(mark),
      clock: {
        uptimeMs: child?.uptimeMs ?? Infinity,
        cpuMs: child ? (child.cpu.user + child.cpu.system) / 1000 : Infinity,
      },
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const outcomes = new Map<Run, Outcome>();
const timing = { runs: 0, maxUptimeMs: 0, maxCpuMs: 0, wallMs: 0 };
beforeAll(async () => {
  const started = performance.now();
  await mapConcurrent(RUNS, 3, async (run) => {
    const outcome = await execute(run);
    outcomes.set(run, outcome);
    if (!run.control) {
      timing.maxUptimeMs = Math.max(timing.maxUptimeMs, outcome.clock.uptimeMs);
      timing.maxCpuMs = Math.max(timing.maxCpuMs, outcome.clock.cpuMs);
      timing.runs++;
    }
  });
  timing.wallMs = performance.now() - started;
}, 600_000);
afterAll(() =>
  console.log(
    `[bad-inputs] ${timing.runs} refused runs (${RUNS.filter((r) => r.batch).length} batches) + ${RUNS.length - timing.runs} control runs in ${(timing.wallMs / 1000).toFixed(1)}s; slowest refusal ${timing.maxUptimeMs.toFixed(0)}ms (child uptime), most CPU ${timing.maxCpuMs.toFixed(0)}ms`,
  ),
);

/**
 * Refused within a second of the process's own CPU time, which load does not
 * stretch; its lifetime may (a 2-core machine under heavy load was seen at a
 * tenth of its speed), but never to a retry's or a timeout's length (30 s and
 * more): nothing waits.
 */
const MAX_CPU_MS = 1000;
const MAX_UPTIME_MS = 20_000;
// Lines that start a workflow command other than these would be the caller's (or an attacker's) doing.
const ALLOWED_COMMANDS = /^::(error|add-mask|debug)(?: [^:]*)?::/;

function expectRefused(c: Case, spec: Run, o: Outcome): void {
  const { run } = o;
  const errors = run.errors.join('\n');
  expect(run.timedOut, 'timed out').toBe(false);
  expect(run.code, `exit code; errors: ${errors}`).toBe(1);
  if (spec.batch) expect(errors, `the error names "${c.input}"`).toContain(`"${c.input}": expected`);
  else expect(errors, `the error names "${c.input}"`).toContain(`"${c.input}"`);
  expect(`${run.stdout}\n${run.stderr}`, 'no stack trace').not.toMatch(/^\s+at\s|\n\s+at\s/);
  expect(visibleText(run), 'no secret printed').not.toContain('SECRET');
  // A credential in a URL is masked too, for any later line that would print it.
  if (c.bad.kind === 'credentials')
    expect(
      run.masks.filter((m) => m.includes(/:(SECRET[^@]*)@/.exec(c.bad.value)![1])),
      'the credential masked',
    ).not.toEqual([]);
  expect(
    run.stdout.split('\n').filter((line) => line.startsWith('::') && !ALLOWED_COMMANDS.test(line)),
    'workflow commands',
  ).toEqual([]);
  expect(o.standins, 'commands run').toBe('');
  expect(o.requests, 'requests sent').toEqual([]);
  expect(o.marked, 'a script ran').toBe(false);
  expect(
    Object.keys(run.state).filter((k) => k !== 'isPost'),
    'state saved for a post step',
  ).toEqual([]);
  expect(run.outputs, 'outputs').toEqual({});
  expect(o.clock.cpuMs, 'CPU time of the refusing process (ms)').toBeLessThan(MAX_CPU_MS);
  expect(o.clock.uptimeMs, 'lifetime of the refusing process (ms)').toBeLessThan(MAX_UPTIME_MS);
}

const preview = (value: string) => {
  const v = JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}…` : value);
  return value.length > 60 ? `${v} (${value.length} chars)` : v;
};

// ------------------------------------------------------------------ tests

const inputsOf = (file: string) =>
  (parse(readFileSync(join(repoRoot, file), 'utf8')) as { inputs?: Record<string, unknown> }).inputs ?? {};
// A composite (actions/ci) refuses nothing itself: its inputs are its JavaScript actions', refused by their
// bundles (tests/actions/ci.test.ts checks each one is passed through unchanged).
const composite = (file: string) =>
  (parse(readFileSync(join(repoRoot, file), 'utf8')) as { runs: { using: string } }).runs.using === 'composite';
const YML_FILES = [
  ...readdirSync(join(repoRoot, 'actions'))
    .filter((n) => existsSync(join(repoRoot, 'actions', n, 'action.yml')))
    .map((n) => `actions/${n}/action.yml`)
    .filter((file) => !composite(file)),
  'deploy/action.yml',
];

describe('the table covers every input of every action.yml', () => {
  it('reads all twelve action.yml files', () => expect(YML_FILES).toHaveLength(12));

  it.each(YML_FILES)('%s: one table entry per input, no entry for an input that does not exist', (file) => {
    const action = file === 'deploy/action.yml' ? 'deploy' : file.split('/')[1];
    expect(Object.keys(TABLES[action]?.table ?? {}).sort()).toEqual(Object.keys(inputsOf(file)).sort());
  });

  it('deploy/action.yml declares exactly the inputs of actions/deploy/action.yml (the same bundle: its table runs once)', () => {
    expect(inputsOf('deploy/action.yml')).toEqual(inputsOf('actions/deploy/action.yml'));
    expect(readActionYml('deploy').inputs).toEqual(inputsOf('actions/deploy/action.yml'));
  });

  it.each(
    ACTIONS.flatMap((action) =>
      Object.entries(TABLES[action].table).map(([input, entry]) => [action, input, entry] as const),
    ),
  )('%s %s: four kinds of bad value, or why fewer apply', (_, input, entry) => {
    const kinds = new Set(entry.bad.map((x) => x.kind));
    if (!entry.why) expect([...kinds].length, [...kinds].join(', ')).toBeGreaterThanOrEqual(4);
    expect([...kinds].length).toBeGreaterThanOrEqual(2);
    // A single-line input is tried with a line break; a multi-line one says it is multi-line by nature.
    expect(kinds.has('newline') || entry.multiLine === true, `${input}: a newline case, or multi-line by nature`).toBe(
      true,
    );
    for (const x of entry.bad) {
      if (x.with) expect(x.alone, 'inputs given with a bad value run alone').toBe(true);
      if (x.kind === 'newline') expect(x.value).toContain(INJECTED);
      // Secret values carry SECRET (so a leak shows); other values only where they hide a credential.
      if (entry.secret && x.value) expect(x.value, 'a secret bad value carries SECRET').toContain('SECRET');
      if (!entry.secret && x.kind !== 'credentials') expect(x.value).not.toContain('SECRET');
    }
  });
});

for (const action of ACTIONS) {
  describe(`${action}: bad inputs are refused before anything runs`, () => {
    for (const provider of variantsOf(action)) {
      const control = RUNS.find((r) => r.control && r.action === action && r.provider === provider)!;
      it(`control: the valid inputs${provider ? ` (provider ${provider})` : ''} pass and reach a command or a request, which the stand-ins record`, () => {
        const o = outcomes.get(control)!;
        expect(o.run.errors.join('\n')).not.toMatch(/Invalid input/);
        expect(
          o.standins !== '' || o.requests.length > 0 || o.marked,
          `nothing recorded; errors: ${o.run.errors.join('\n')}`,
        ).toBe(true);
      });
    }
    for (const [input, entry] of Object.entries(TABLES[action].table)) {
      describe(input, () => {
        for (const bad of entry.bad) {
          const spec = RUNS.find((r) => r.cases.some((c) => c.input === input && c.bad === bad))!;
          const withText = bad.with && Object.keys(bad.with).length ? ` with ${Object.keys(bad.with).join(', ')}` : '';
          it(`${bad.kind} ${preview(bad.value)}${withText}: refused`, () =>
            expectRefused(
              spec.cases.find((c) => c.input === input && c.bad === bad)!,
              spec,
              outcomes.get(spec)!,
            ));
        }
      });
    }
  });
}
