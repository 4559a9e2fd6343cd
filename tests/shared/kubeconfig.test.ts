import { describe, expect, it } from 'vitest';
import { checkKubeconfig } from '../../shared/providers/kubernetes/kubeconfig.js';

const config = (extra = '', current = 'ci') => `apiVersion: v1
kind: Config
clusters:
  - name: ci
    cluster: { server: "https://k8s.example.com:6443", certificate-authority-data: Q0E= }
users:
  - name: ci
    user: { token: s3cr3t-token }
contexts:
  - name: ci
    context: { cluster: ci, user: ci, namespace: shop }
${current ? `current-context: ${current}\n` : ''}${extra}`;

describe('checkKubeconfig', () => {
  it('accepts a kubeconfig with named clusters, users and contexts that point at them', () => {
    expect(checkKubeconfig(config())).toEqual({ ok: true, value: { contexts: ['ci'], currentContext: 'ci' } });
    expect(checkKubeconfig(config('', ''))).toEqual({
      ok: true,
      value: { contexts: ['ci'], currentContext: undefined },
    });
  });

  it.each([
    ['not YAML', 'clusters: [\n  token: s3cr3t', /^valid YAML \(line \d+ is not\)$/],
    ['not a mapping', '- s3cr3t', /^a YAML mapping/],
    [
      'no clusters',
      'apiVersion: v1\nusers: [{ name: a, user: { token: s3cr3t } }]\ncontexts: []',
      /^at least one named entry in each of clusters, contexts and users \(clusters, contexts missing\)$/,
    ],
    [
      'a cluster without server',
      config().replace('server: "https://k8s.example.com:6443", ', ''),
      /^cluster "ci" with a server URL/,
    ],
    [
      'a context naming a missing user',
      config().replace('user: ci, namespace', 'user: other, namespace'),
      /^context "ci" naming a cluster and a user of this kubeconfig$/,
    ],
  ])('%s: refused without quoting the text', (_, text, problem) => {
    const checked = checkKubeconfig(text);
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.problem).toMatch(problem);
      expect(checked.problem).not.toContain('s3cr3t');
    }
  });
});
