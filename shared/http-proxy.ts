/**
 * The proxy for `url` from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as self-hosted
 * runners set them. NO_PROXY entries match a host exactly or as a domain suffix
 * (`.corp.example`), optionally with a port; `*` disables.
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
