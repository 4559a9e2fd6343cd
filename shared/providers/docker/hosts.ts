/** A Docker host as given in the `hosts` input. */
export type HostSpec =
  | { kind: 'ssh'; text: string; user: string; host: string; port: number }
  | { kind: 'socket'; text: string; socket: string };

/** `ssh://user@host[:port]` or `unix:///path`; undefined when neither. */
export function parseHost(text: string): HostSpec | undefined {
  const value = text.trim();
  if (/^unix:\/\/\/[A-Za-z0-9._/-]+$/.test(value))
    return { kind: 'socket', text: value, socket: value.slice('unix://'.length) };
  // user and host are restricted to what a user or host name can be, so nothing else reaches ssh's command line.
  const ssh =
    /^ssh:\/\/([A-Za-z0-9._][A-Za-z0-9._-]*)@(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9][A-Za-z0-9.-]*)(?::(\d{1,5}))?\/?$/.exec(
      value,
    );
  if (!ssh) return undefined;
  const port = ssh[3] ? Number(ssh[3]) : 22;
  if (port < 1 || port > 65535) return undefined;
  return { kind: 'ssh', text: value, user: ssh[1], host: ssh[2].replace(/^\[|\]$/g, ''), port };
}
