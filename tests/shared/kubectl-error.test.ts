import { describe, expect, it } from 'vitest';
import { kubectlError } from '../../shared/providers/kubernetes/kubectl.js';

describe("kubectlError: kubectl's own error lines, without client-go's log lines", () => {
  it('a refused token: the verdict, not the four discovery retries logged before it (kubectl 1.32)', () => {
    const retry =
      'E1124 10:21:07.460986    9975 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list: the server has asked for the client to provide credentials"';
    const stderr = `${retry}\n${retry}\n${retry}\n${retry}\nerror: You must be logged in to the server (Unauthorized)\n`;
    expect(kubectlError(stderr)).toBe('error: You must be logged in to the server (Unauthorized)');
  });

  it("keeps kubectl's warnings and several error lines, the last n of them", () => {
    const stderr = [
      'W0102 03:04:05.000001   42 warnings.go:70] spec.template.spec.containers[0].env[0]: hides a field',
      'Warning: apps/v1beta1 Deployment is deprecated',
      'Error from server (Forbidden): deployments.apps "shop" is forbidden: User "deployer" cannot patch resource "deployments"',
    ].join('\n');
    expect(kubectlError(stderr)).toBe(
      'Warning: apps/v1beta1 Deployment is deprecated\nError from server (Forbidden): deployments.apps "shop" is forbidden: User "deployer" cannot patch resource "deployments"',
    );
    expect(kubectlError(stderr, 1)).toBe(
      'Error from server (Forbidden): deployments.apps "shop" is forbidden: User "deployer" cannot patch resource "deployments"',
    );
  });

  it('only log lines: their last ones rather than nothing', () => {
    const stderr =
      'I0102 03:04:05.123456   42 round_trippers.go:553] GET https://127.0.0.1:6443/api 503\nE0102 03:04:05.223456   42 memcache.go:265] "Unhandled Error" err="the server is currently unable to handle the request"';
    expect(kubectlError(stderr, 1)).toBe(
      'E0102 03:04:05.223456   42 memcache.go:265] "Unhandled Error" err="the server is currently unable to handle the request"',
    );
    expect(kubectlError('')).toBe('');
  });
});
