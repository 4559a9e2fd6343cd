/** mask(): the runner's add-mask commands, as stdout.written to stdout. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { headerLines, keyValueLines } from '../../shared/inputs.js';
import { mask, secretParts } from '../../shared/mask.js';
import { kubeconfigSecrets } from '../../shared/providers/kubernetes/kubeconfig-secrets.js';
import { workflowCommands } from '../harness/runner.js';
import { captureStdout } from '../harness/stdout.js';

const stdout = captureStdout();
/** The values registered, as the runner decodes them (any other command shows up as a failure). */
const masked = () =>
  workflowCommands(stdout.written.join('')).map((c) => (c.name === 'add-mask' ? c.data : `unexpected ::${c.name}::`));

/** A real private key from ssh-keygen (`-m PEM` with a passphrase gives the RFC 1421 headers). */
function sshKey(args: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mask-key-')), 'key');
  execFileSync('ssh-keygen', ['-q', '-f', file, ...args]);
  return readFileSync(file, 'utf8');
}

describe('mask', () => {
  it('masks a single-line secret as one add-mask command', () => {
    mask('s3cr3t-value');
    expect(masked()).toEqual(['s3cr3t-value']);
  });

  it('an OpenSSH private key (ssh-key): every base64 body line is a mask, the BEGIN/END armour lines never are', () => {
    const key = sshKey(['-t', 'ed25519', '-N', '']);
    mask(key);
    const body = key.trim().split('\n').slice(1, -1);
    expect(body.length).toBeGreaterThan(2);
    expect(masked()).toEqual(body.filter((l) => l.length >= 4));
    expect(masked().join('\n')).not.toMatch(/-----|OPENSSH|PRIVATE KEY/);
    // Never the whole key as one value: the runner would split it and register each line, armour included.
    expect(stdout.written.join('')).not.toContain('%0A');
  });

  it('an encrypted PEM RSA key with CRLF line ends: the body lines are masks, not the armour nor the Proc-Type/DEK-Info headers', () => {
    const key = sshKey(['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', 'correct horse']).replace(/\n/g, '\r\n');
    expect(key).toContain('Proc-Type: 4,ENCRYPTED');
    mask(key);
    const body = key
      .trim()
      .split('\r\n')
      .filter((l) => l && !l.startsWith('-----') && !l.includes(':'));
    expect(masked()).toEqual(body.filter((l) => l.length >= 4));
    expect(masked().join('\n')).not.toMatch(/-----|RSA PRIVATE KEY|Proc-Type|ENCRYPTED|DEK-Info|AES-128-CBC/);
  });

  it('a multi-line secret without known structure: values of `Name: value` and `KEY=value` lines, other lines whole, nothing shorter than 4', () => {
    expect(
      secretParts('Authorization: Bearer abc123\nX-Api-Key: "k-9f8e7d"\nTOKEN=t0k3n=x\nplain-secret-line\nab\n'),
    ).toEqual(['Bearer abc123', 'k-9f8e7d', 't0k3n=x', 'plain-secret-line']);
    expect(secretParts('  \n')).toEqual([]);
  });

  it('a structured secret uses its own reader', () => {
    mask('a: 1\nb: 2', () => ['only-this']);
    expect(masked()).toEqual(['only-this']);
  });

  it('does nothing for an empty or missing value', () => {
    mask('');
    mask(undefined);
    expect(stdout.written).toEqual([]);
  });

  it('header values and secret KEY=value values are masked while parsing; plain KEY=value values are not', () => {
    expect(headerLines().parse('Authorization: Bearer abc123\nX-Trace: t-42')).toEqual({
      Authorization: 'Bearer abc123',
      'X-Trace': 't-42',
    });
    keyValueLines({ secretValues: true }).parse('DB_PASSWORD=p@ss=word');
    keyValueLines().parse('REGION=eu-west-1');
    expect(masked()).toEqual(['Bearer abc123', 't-42', 'p@ss=word']);
  });
});

describe('kubeconfigSecrets', () => {
  const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBpublicCA\n-----END CERTIFICATE-----\n').toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': 'prod',
    clusters: [
      { name: 'prod', cluster: { server: 'https://k8s.example.test:6443', 'certificate-authority-data': CA } },
      {
        name: 'behind-proxy',
        cluster: { server: 'https://10.0.0.1', 'proxy-url': 'http://proxyuser:pr%40xy-pass@proxy.example.test:3128' },
      },
    ],
    users: [
      { name: 'token-user', user: { token: 'eyJhbGciOiJSUzI1NiJ9.payload.sig' } },
      {
        name: 'cert-user',
        user: {
          'client-certificate-data': 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUNlcnQ=',
          'client-key-data': 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUtleQ==',
        },
      },
      { name: 'basic-user', user: { username: 'admin', password: 'hunter2-basic' } },
      {
        name: 'oidc-user',
        user: {
          'auth-provider': {
            name: 'oidc',
            config: {
              'client-id': 'kubernetes',
              'client-secret': 'oidc-client-secret',
              'id-token': 'oidc-id-token',
              'refresh-token': 'oidc-refresh-token',
              'idp-issuer-url': 'https://issuer.example.test',
            },
          },
        },
      },
      {
        name: 'exec-user',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: 'aws',
            args: ['eks', 'get-token', '--cluster-name', 'prod'],
            env: [{ name: 'AWS_SECRET_ACCESS_KEY', value: 'aws-secret-key-value' }],
          },
        },
      },
    ],
    contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'token-user', namespace: 'shop' } }],
  };
  const credentials = [
    'eyJhbGciOiJSUzI1NiJ9.payload.sig',
    'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUNlcnQ=',
    'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUtleQ==',
    'hunter2-basic',
    'oidc-client-secret',
    'oidc-id-token',
    'oidc-refresh-token',
    'aws-secret-key-value',
    'pr%40xy-pass',
    'pr@xy-pass',
  ];

  it('masks each credential of a YAML kubeconfig (token, client key and certificate data, password, auth-provider secrets, exec env, proxy password), nothing structural', () => {
    const parts = kubeconfigSecrets(stringify(config));
    expect([...parts].sort()).toEqual([...credentials].sort());
    for (const generic of [
      'apiVersion: v1',
      'v1',
      'kind: Config',
      'Config',
      'users:',
      'clusters:',
      'prod',
      'token-user',
      'admin',
      'kubernetes',
      'aws',
      'https://k8s.example.test:6443',
      CA,
      'https://issuer.example.test',
    ])
      expect(parts).not.toContain(generic);
  });

  it('reads a JSON kubeconfig the same way, and through mask() registers exactly those values', () => {
    mask(JSON.stringify(config), kubeconfigSecrets);
    expect([...masked()].sort()).toEqual([...credentials].sort());
  });

  it('text that does not parse as a kubeconfig is masked line by line, like any secret', () => {
    expect(kubeconfigSecrets('users: [unclosed\n  token: abcd-efgh')).toEqual(['[unclosed', 'abcd-efgh']);
    expect(kubeconfigSecrets('just-a-token-pasted-by-mistake')).toEqual(['just-a-token-pasted-by-mistake']);
  });
});
