/** The docker provider's runtime options, roles and local-socket guard, parsed as the actions parse them. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseInputs } from '../../shared/inputs.js';
import { parseHost } from '../../shared/providers/docker/hosts.js';
import { rolesInput } from '../../shared/providers/docker/roles.js';
import { runArgs, runOptionInputs, runOptionsOf } from '../../shared/providers/docker/run-options.js';
import { isTemporaryEnvironment, socketGuard } from '../../shared/providers/docker/socket-guard.js';

const schema = z.object({ ...runOptionInputs, roles: rolesInput() });
const parse = (values: Record<string, string>) => parseInputs(schema, { read: (name) => values[name] ?? '' });
const problems = (values: Record<string, string>): string[] => {
  try {
    parse(values);
    return [];
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
};

describe('runtime options', () => {
  it('turn into docker create options, one argument each', () => {
    const settings = parse({
      volumes: 'data:/data\n/srv/app/config:/app/config:ro',
      networks: 'backend',
      command: '["node", "server.js", "--port", "8080"]',
      memory: '512m',
      cpus: '0.5',
      restart: 'on-failure:5',
      'container-labels': 'com.example.team=payments',
    });
    const options = runOptionsOf(settings);
    expect(options.command).toEqual(['node', 'server.js', '--port', '8080']);
    expect(options.networks).toEqual(['backend']);
    expect(runArgs(options)).toEqual([
      '--restart',
      'on-failure:5',
      '--volume',
      'data:/data',
      '--volume',
      '/srv/app/config:/app/config:ro',
      '--memory',
      '512m',
      '--cpus',
      '0.5',
      '--label',
      'com.example.team=payments',
    ]);
    // A role's own limits win over the release's.
    expect(runArgs(options, { memory: '64m' })).toContain('64m');
  });

  it('default to the image CMD, no limits and unless-stopped', () => {
    const options = runOptionsOf(parse({}));
    expect(options).toEqual({
      volumes: [],
      networks: [],
      command: undefined,
      memory: undefined,
      cpus: undefined,
      restart: 'unless-stopped',
      labels: {},
    });
    expect(parse({ command: 'bin/worker --queue mail' }).command).toEqual(['bin/worker', '--queue', 'mail']);
  });

  it('refuse every value that could reach docker as an option, naming each input', () => {
    const found = problems({
      volumes: '--privileged',
      networks: '--network=host',
      command: '--rm',
      memory: '-1',
      cpus: '-2',
      restart: '--always',
      'container-labels': '--label=x',
    });
    for (const input of ['volumes', 'networks', 'command', 'memory', 'cpus', 'restart', 'container-labels'])
      expect(found.join('\n')).toContain(`"${input}": expected`);
  });

  it('refuse volumes with "..", relative targets or options, and labels the provider owns', () => {
    for (const volumes of ['data:../x', 'data:data', 'data:/x:rw,z', '../etc:/x', 'data:/x:ro:extra'])
      expect(problems({ volumes }), volumes).toHaveLength(1);
    expect(problems({ 'container-labels': 'deploy-actions.version=forged' })[0]).toContain('"container-labels"');
  });
});

describe('roles', () => {
  it('parse workers with their command, replicas, stop timeout and readiness', () => {
    const roles = parse({
      roles:
        'worker:\n  command: bin/jobs --queue default\n  replicas: 2\n  stop-timeout: 2m\nmailer:\n  command: ["bin/jobs", "--queue", "mail"]\n  memory: 256m\n',
    }).roles;
    expect(roles).toEqual([
      {
        name: 'worker',
        command: ['bin/jobs', '--queue', 'default'],
        replicas: 2,
        stopTimeoutS: 120,
        readyAfterMs: 5000,
        memory: undefined,
        cpus: undefined,
      },
      {
        name: 'mailer',
        command: ['bin/jobs', '--queue', 'mail'],
        replicas: 1,
        stopTimeoutS: 30,
        readyAfterMs: 5000,
        memory: '256m',
        cpus: undefined,
      },
    ]);
    expect(parse({}).roles).toEqual([]);
  });

  it('refuse names the provider uses, unknown keys, bad values and an option as the program', () => {
    for (const roles of [
      'web: {}',
      'proxy: {}',
      'Worker: {}',
      'worker: { replica: 2 }',
      'worker: { replicas: -1 }',
      'worker: { stop-timeout: soon }',
      'worker: { command: "--entrypoint=sh" }',
      'worker: { memory: lots }',
      '[a, b]',
      'worker: [',
    ])
      expect(problems({ roles }), roles).toEqual([expect.stringMatching(/^"roles": expected /)]);
  });
});

describe('local socket guard', () => {
  const socket = [parseHost('unix:///var/run/docker.sock')!];
  const ssh = [parseHost('ssh://deploy@app.example.com')!];

  it('refuses a lasting environment on a GitHub-hosted runner, showing the hosts line to add', () => {
    const problem = socketGuard(socket, 'production', 'github-hosted');
    expect(problem).toMatch(/^"hosts": expected .*discarded when the job ends/);
    expect(problem).toContain('hosts: ssh://deploy@app.example.com');
  });

  it('lets temporary environments, self-hosted runners and ssh hosts through', () => {
    for (const name of ['ci', 'test', 'pr-42', 'preview-login', 'review_7', 'e2e'])
      expect(socketGuard(socket, name, 'github-hosted'), name).toBeUndefined();
    expect(socketGuard(socket, 'production', 'self-hosted')).toBeUndefined();
    expect(socketGuard(socket, 'production', undefined)).toBeUndefined();
    expect(socketGuard(ssh, 'production', 'github-hosted')).toBeUndefined();
    for (const name of ['production', 'staging', 'prod-eu', 'contest', 'pricing'])
      expect(isTemporaryEnvironment(name), name).toBe(false);
  });
});
