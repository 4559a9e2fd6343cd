import { rmSync } from 'node:fs';
import { z } from 'zod';
import { errorMessage } from '../../errors.js';
import { duration, fail, list, optionalText, secretText, singleLine } from '../../inputs.js';
import type { ProviderModule } from '../types.js';
import { kubeconfigSecrets } from './kubeconfig-secrets.js';
import { checkKubeconfig } from './kubeconfig.js';
import { expandManifests, loadManifests } from './manifests.js';
import { KubernetesProvider } from './provider.js';

/** Kubernetes object names (RFC 1123 labels/subdomains). */
const objectName = (what: string, optional = true) =>
  singleLine().transform((s, ctx) => {
    const v = s.trim();
    if ((optional && v === '') || /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(v)) return v || undefined;
    return fail(ctx, `${what}: lowercase letters, digits, "-" and "." (starting and ending with a letter or digit)`);
  });

const CONTAINER = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const inputs = z.object({
  // Checked here, without kubectl: a kubeconfig that cannot work fails before anything is deployed.
  kubeconfig: secretText({ multiLine: true }).transform((s, ctx) => {
    if (!s) return undefined;
    const text = `${s.replace(/\r\n/g, '\n')}\n`;
    const checked = checkKubeconfig(text);
    return checked.ok ? text : fail(ctx, `a kubeconfig: ${checked.problem}`, { conceal: true });
  }),
  'kube-context': optionalText({ argument: true }),
  namespace: objectName('a namespace name', false).transform((s) => s ?? 'default'),
  deployment: objectName('a Deployment name (default: service)'),
  container: list({ commas: true }).transform((names, ctx) => {
    const bad = names.filter((n) => !CONTAINER.test(n));
    return bad.length ? fail(ctx, `container names (lowercase letters, digits and "-", at most 63); ${bad.map((n) => JSON.stringify(n)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not`) : names;
  }),
  manifests: list(),
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
  check: (settings, _use, workspace) => {
    const problems: string[] = [];
    const kubeconfig = settings.kubeconfig ? checkKubeconfig(settings.kubeconfig) : undefined;
    if (kubeconfig?.ok) {
      const { contexts, currentContext } = kubeconfig.value;
      const context = settings['kube-context'] ?? currentContext;
      if (!context) problems.push(`"kube-context": expected the kubeconfig context to use, since the kubeconfig has no current-context, got nothing`);
      else if (!contexts.includes(context))
        problems.push(`"${settings['kube-context'] ? 'kube-context' : 'kubeconfig'}": expected a context the kubeconfig defines; it has ${contexts.length} context${contexts.length === 1 ? '' : 's'}, none named ${JSON.stringify(context)}`);
    }
    if (settings.manifests.length) {
      try {
        loadManifests(expandManifests(settings.manifests, workspace), workspace);
      } catch (error) {
        const message = errorMessage(error).split('\n')[0]!;
        problems.push(message.startsWith('Input "manifests": ') ? `"manifests": expected files or globs in the workspace; ${message.slice(19)}` : `"manifests": expected valid manifests; ${message}`);
      }
    }
    return problems;
  },
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
