/** The kubernetes provider's inputs: each field checked alone (the module's check() looks across them). */
import { z } from 'zod';
import { duration, fail, list, optionalText, secretText, singleLine } from '../../inputs.js';
import { checkKubeconfig } from './kubeconfig.js';

/** Kubernetes object names (RFC 1123 labels/subdomains). */
const objectName = (what: string, optional = true) =>
  singleLine().transform((s, ctx) => {
    const v = s.trim();
    if ((optional && v === '') || /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(v)) return v || undefined;
    return fail(ctx, `${what}: lowercase letters, digits, "-" and "." (starting and ending with a letter or digit)`);
  });

const CONTAINER = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const kubernetesInputs = z.object({
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
    return bad.length
      ? fail(
          ctx,
          `container names (lowercase letters, digits and "-", at most 63); ${bad.map((n) => JSON.stringify(n)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not`,
        )
      : names;
  }),
  manifests: list(),
  'rollout-timeout': duration({ min: 1000 }),
  'service-name': objectName('a Service name (default: the deployment name)'),
});

export type KubernetesSettings = z.output<typeof kubernetesInputs>;
