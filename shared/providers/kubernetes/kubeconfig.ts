import { parseDocument } from 'yaml';

/**
 * What a kubeconfig must hold to be used: named clusters, contexts and users, each context pointing at ones that exist.
 */
export interface KubeconfigSummary {
  contexts: string[];
  currentContext?: string;
}

type Named = { name?: unknown; [key: string]: unknown };

const names = (list: unknown): string[] | undefined =>
  Array.isArray(list) &&
  list.length > 0 &&
  list.every((item: Named) => item && typeof item === 'object' && typeof item.name === 'string' && item.name)
    ? list.map((item: Named) => item.name as string)
    : undefined;

/**
 * Check kubeconfig text without kubectl. Problems never quote the text (it
 * holds credentials): only line numbers and the names of missing parts.
 */
export function checkKubeconfig(text: string): { ok: true; value: KubeconfigSummary } | { ok: false; problem: string } {
  const doc = parseDocument(text, { uniqueKeys: false });
  const error = doc.errors[0];
  if (error) return { ok: false, problem: `valid YAML (line ${error.linePos?.[0].line ?? '?'} is not)` };
  const config = doc.toJS() as Record<string, unknown> | null;
  if (!config || typeof config !== 'object' || Array.isArray(config))
    return { ok: false, problem: 'a YAML mapping (apiVersion, clusters, contexts, users)' };
  const clusters = names(config.clusters);
  const users = names(config.users);
  const contexts = names(config.contexts);
  const missing = [!clusters && 'clusters', !contexts && 'contexts', !users && 'users'].filter(Boolean);
  if (missing.length)
    return {
      ok: false,
      problem: `at least one named entry in each of clusters, contexts and users (${missing.join(', ')} missing)`,
    };
  for (const entry of config.clusters as Named[]) {
    const cluster = entry.cluster as Named | undefined;
    if (!cluster || typeof cluster.server !== 'string' || !/^https?:\/\//.test(cluster.server))
      return { ok: false, problem: `cluster ${JSON.stringify(entry.name)} with a server URL (cluster.server)` };
  }
  for (const entry of config.contexts as Named[]) {
    const context = entry.context as Named | undefined;
    if (!context || !clusters!.includes(context.cluster as string) || !users!.includes(context.user as string))
      return {
        ok: false,
        problem: `context ${JSON.stringify(entry.name)} naming a cluster and a user of this kubeconfig`,
      };
  }
  const current =
    typeof config['current-context'] === 'string' && config['current-context'] ? config['current-context'] : undefined;
  return { ok: true, value: { contexts: contexts!, currentContext: current } };
}
