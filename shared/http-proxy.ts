/**
 * The proxy a request goes through, from HTTPS_PROXY / HTTP_PROXY / NO_PROXY as
 * self-hosted runners set them (Node's own fetch ignores them).
 */
import type { ProxyAgent } from 'undici';

type Fetch = typeof globalThis.fetch;
const agents = new Map<string, ProxyAgent>();

/**
 * The proxy for `url` from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as self-hosted
 * runners set them (Node's own fetch ignores them). NO_PROXY entries match a
 * host exactly or as a domain suffix (`.corp.example`), optionally with a port; `*` disables.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const proxy =
    url.protocol === 'https:'
      ? (env.https_proxy ?? env.HTTPS_PROXY ?? env.http_proxy ?? env.HTTP_PROXY)
      : (env.http_proxy ?? env.HTTP_PROXY);
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const entry of (env.no_proxy ?? env.NO_PROXY ?? '').split(/[,\s]+/).filter(Boolean)) {
    if (entry === '*') return undefined;
    const [, name = entry, entryPort] = /^(.+?)(?::(\d+))?$/.exec(entry.toLowerCase()) ?? [];
    if (entryPort && entryPort !== port) continue;
    const suffix = name.replace(/^\*/, '');
    if (host === suffix.replace(/^\./, '') || (suffix.startsWith('.') && host.endsWith(suffix))) return undefined;
  }
  return proxy;
}

/** undici is loaded only when a proxy is configured: it is most of a bundle's start-up time otherwise. */
export async function fetcher(url: string): Promise<{ fetch: Fetch; init: Record<string, unknown> }> {
  const proxy = proxyFor(new URL(url));
  if (!proxy) return { fetch: globalThis.fetch, init: {} };
  const undici = await import('undici');
  let agent = agents.get(proxy);
  if (!agent) agents.set(proxy, (agent = new undici.ProxyAgent(proxy)));
  return { fetch: undici.fetch, init: { dispatcher: agent } };
}
