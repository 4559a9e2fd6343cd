import { rmSync } from 'node:fs';
import { errorMessage } from '../../errors.js';
import type { ProviderModule } from '../types.js';
import { kubeconfigSecrets } from './kubeconfig-secrets.js';
import { checkKubeconfig } from './kubeconfig.js';
import { expandManifests, loadManifests } from './manifests.js';
import { undoInterruptedRollout, type KubernetesPostState } from './interrupted.js';
import { KubernetesProvider } from './provider.js';
import { kubernetesInputs } from './settings.js';

export const kubernetesProvider: ProviderModule<typeof kubernetesInputs> = {
  name: 'kubernetes',
  inputs: kubernetesInputs,
  secrets: ['kubeconfig'],
  secretParts: { kubeconfig: kubeconfigSecrets },
  strategies: ['rolling', 'blue-green'],
  check: (settings, _use, workspace) => {
    const problems: string[] = [];
    const kubeconfig = settings.kubeconfig ? checkKubeconfig(settings.kubeconfig) : undefined;
    if (kubeconfig?.ok) {
      const { contexts, currentContext } = kubeconfig.value;
      const context = settings['kube-context'] ?? currentContext;
      if (!context)
        problems.push(
          `"kube-context": expected the kubeconfig context to use, since the kubeconfig has no current-context, got nothing`,
        );
      else if (!contexts.includes(context))
        problems.push(
          `"${settings['kube-context'] ? 'kube-context' : 'kubeconfig'}": expected a context the kubeconfig defines; it has ${contexts.length} context${contexts.length === 1 ? '' : 's'}, none named ${JSON.stringify(context)}`,
        );
    }
    if (settings.manifests.length) {
      try {
        loadManifests(expandManifests(settings.manifests, workspace), workspace);
      } catch (error) {
        const message = errorMessage(error).split('\n')[0];
        problems.push(
          message.startsWith('Input "manifests": ')
            ? `"manifests": expected files or globs in the workspace; ${message.slice(19)}`
            : `"manifests": expected valid manifests; ${message}`,
        );
      }
    }
    return problems;
  },
  create: (settings, context) => new KubernetesProvider(settings, context),
  // A rollout a killed step left under way is undone first (with the kubeconfig still there); then the kubeconfig
  // written for this step and kubectl's discovery cache are removed.
  cleanup: async (state, context) => {
    const post = (state ? JSON.parse(state) : {}) as Partial<KubernetesPostState>;
    await undoInterruptedRollout({ paths: [], ...post }, context);
    for (const path of post.paths ?? []) {
      rmSync(path, { recursive: true, force: true });
      context.log(`Removed ${path}`);
    }
  },
};
