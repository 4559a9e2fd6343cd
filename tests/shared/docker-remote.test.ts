import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHost } from '../../shared/providers/docker/hosts.js';
import { commandLine, shellQuote } from '../../shared/providers/docker/quote.js';
import { tarOf } from '../../shared/providers/docker/tar.js';
import { registryOf, sameRegistry } from '../../shared/providers/docker/pull.js';

describe('remote command lines', () => {
  const nasty = [
    "it's",
    '$(touch /tmp/quote-pwned)',
    '`id`',
    'a;b&&c||d|e',
    '"double"',
    'back\\slash',
    '  spaces  ',
    '',
    '*',
    '\n',
    'é ünicode',
    "'",
    "''",
  ];

  it('every argument reaches the remote program unchanged through a real sh', () => {
    const out = execFileSync('sh', ['-c', commandLine(['printf', '[%s]\\n', ...nasty])], { encoding: 'utf8' });
    expect(out).toBe(nasty.map((a) => `[${a}]\n`).join(''));
  });

  it('plain words stay readable and everything else is single-quoted', () => {
    expect(shellQuote('docker')).toBe('docker');
    expect(shellQuote('label=a.b=c')).toBe('label=a.b=c');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe(`''`);
  });
});

describe('tarOf (the proxy configuration for `docker cp -`)', () => {
  it('is a tar archive the system tar reads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tar-'));
    execFileSync('tar', ['-x', '-C', dir], {
      input: Buffer.from(tarOf({ 'deploy-proxy.conf': 'events {}\n', 'b.txt': 'x'.repeat(700) }), 'utf8'),
    });
    expect(readFileSync(join(dir, 'deploy-proxy.conf'), 'utf8')).toBe('events {}\n');
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('x'.repeat(700));
  });
});

describe('hosts', () => {
  it('accepts ssh://user@host[:port] and unix sockets', () => {
    expect(parseHost('ssh://deploy@web-1.example.com:2222')).toMatchObject({
      kind: 'ssh',
      user: 'deploy',
      host: 'web-1.example.com',
      port: 2222,
    });
    expect(parseHost('ssh://root@10.0.0.5')).toMatchObject({ kind: 'ssh', port: 22 });
    expect(parseHost('ssh://root@[::1]:22')).toMatchObject({ kind: 'ssh', host: '::1' });
    expect(parseHost('unix:///var/run/docker.sock')).toMatchObject({ kind: 'socket', socket: '/var/run/docker.sock' });
  });

  it('refuses anything that could smuggle options or commands to ssh', () => {
    for (const bad of [
      'ssh://-oProxyCommand=x@host',
      'ssh://root@-oProxyCommand=touch',
      'ssh://root@host;id',
      'ssh://host',
      'tcp://1.2.3.4:2375',
      'ssh://root@host:99999',
      'root@host',
      'unix:///tmp/x;id',
      'unix:///tmp/$(id)',
    ])
      expect(parseHost(bad), bad).toBeUndefined();
  });

  it('finds the registry to log in to', () => {
    expect(registryOf('ghcr.io/acme/shop@sha256:abc')).toBe('ghcr.io');
    expect(registryOf('127.0.0.1:5000/shop:1')).toBe('127.0.0.1:5000');
    expect(registryOf('acme/shop:1')).toBe('docker.io');
    expect(registryOf('shop')).toBe('docker.io');
  });

  it("tells registries apart as the engine keys credentials (so the app's login is used for the proxy only on the same registry)", () => {
    expect(sameRegistry(registryOf('nginx:stable-alpine'), registryOf('index.docker.io/library/nginx:1'))).toBe(true);
    expect(sameRegistry('GHCR.io', 'ghcr.io')).toBe(true);
    expect(sameRegistry(registryOf('ghcr.io/acme/shop:1'), registryOf('nginx:stable-alpine'))).toBe(false);
    expect(sameRegistry('127.0.0.1:5000', '127.0.0.1:5001')).toBe(false);
    expect(sameRegistry('registry.example.com', 'registry.example.com.evil.test')).toBe(false);
  });
});
