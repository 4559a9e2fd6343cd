import { rmSync } from 'node:fs';
import { z } from 'zod';
import { duration, list, optionalText, splitLines } from '../../inputs.js';
import type { ProviderModule } from '../types.js';
import { kubeconfigSecrets } from './kubeconfig-secrets.js';
import { KubernetesProvider } from './provider.js';

/** Kubernetes object names (RFC 1123 labels/subdomains). */
const objectName = (what: string, optional = true) =>
  z.string().transform((s, ctx) => {
    const v = s.trim();
    if ((optional && v === '') || /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(v)) return v || undefined;
    ctx.addIssue({ code: 'custom', message: `${what}: lowercase letters, digits, "-" and "." (starting and ending with a letter or digit)` });
    return z.NEVER;
  });

const inputs = z.object({
  kubeconfig: z.string().transform((s) => (s.trim() ? `${s.replace(/\r\n/g, '\n').trimEnd()}\n` : undefined)),
  context: optionalText(),
  namespace: objectName('a namespace name', false).transform((s) => s ?? 'default'),
  deployment: objectName('a Deployment name (default: service)'),
  container: list({ commas: true }),
  manifests: z.string().transform((s) => splitLines(s)),
  'rollout-timeout': duration({ min: 1000 }),
  'service-name': objectName('a Service name (default: the deployment name)'),
});

export type KubernetesSettings = z.output<typeof inputs>;

export const kubernetesProvider: ProviderModule<typeof inputs> = {
  name: 'kubernetes',
  inputs,
  secrets: ['kubeconfig'],
  secretParts: { kubeconfig: kubeconfigSecrets },
  strategies: ['rolling', 'blue-green'],
  create: (settings, context) => new KubernetesProvider(settings, context),
  // The kubeconfig written for this step, and kubectl's discovery cache.
  cleanup: async (state, context) => {
    const { paths = [] } = (state ? JSON.parse(state) : {}) as { paths?: string[] };
    for (const path of paths) {
      rmSync(path, { recursive: true, force: true });
      context.log(`Removed ${path}`);
    }
  },
};
