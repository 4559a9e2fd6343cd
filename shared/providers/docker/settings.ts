/** The docker provider's inputs: each field checked alone (the module's check() looks across them). */
import { z } from 'zod';
import {
  boolean,
  duration,
  fail,
  lineNumbers,
  multiLine,
  numberedLines,
  optionalText,
  secretText,
  singleLine,
  splitLines,
} from '../../inputs.js';
import { ingressHosts, ingressName, proxyMode, tlsCertificate, tlsKey, tlsPublish } from './ingress-settings.js';
import { parseImageReference } from '../../docker/reference.js';
import { parseHost, type HostSpec } from './hosts.js';
import { rolesInput } from './roles.js';
import { runOptionInputs } from './run-options.js';

const PRIVATE_KEY = /^-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----\n[\s\S]+\n-----END ([A-Z0-9]+ )*PRIVATE KEY-----$/;
// `[@marker] hosts keytype base64 [comment]`, as ssh-keyscan prints them.
const KNOWN_HOST =
  /^(?:@(?:cert-authority|revoked)\s+)?[^\s-]\S*\s+(?:ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9-]+@openssh\.com|[a-z0-9-]+-cert-v01@openssh\.com)\s+[A-Za-z0-9+/]+={0,3}(?:\s.*)?$/;

export const dockerInputs = z.object({
  hosts: multiLine().transform((s, ctx): HostSpec[] => {
    const hosts: HostSpec[] = [];
    for (const line of splitLines(s || 'unix:///var/run/docker.sock')) {
      const host = parseHost(line);
      if (!host)
        return fail(
          ctx,
          `one host per line, ssh://user@host[:port] or unix:///path; ${JSON.stringify(line)} is neither`,
        );
      hosts.push(host);
    }
    return hosts;
  }),
  'ssh-key': secretText({ multiLine: true }).transform((s, ctx) => {
    if (!s) return undefined;
    const key = s.replace(/\r\n/g, '\n');
    return PRIVATE_KEY.test(key)
      ? `${key}\n`
      : fail(
          ctx,
          'a private key in OpenSSH or PEM form ("-----BEGIN … PRIVATE KEY-----" to "-----END … PRIVATE KEY-----")',
          { conceal: true },
        );
  }),
  'ssh-known-hosts': multiLine().transform((s, ctx) => {
    const bad = numberedLines(s)
      .filter(({ line }) => !KNOWN_HOST.test(line))
      .map(({ n }) => n);
    return bad.length
      ? fail(
          ctx,
          `known_hosts lines "host keytype key" as ssh-keyscan prints them; ${lineNumbers(bad)} ${bad.length === 1 ? 'is' : 'are'} not`,
        )
      : s.trim() || undefined;
  }),
  'registry-username': optionalText({ argument: true }).transform((s, ctx) =>
    s && /\s/.test(s) ? fail(ctx, 'a user name without spaces') : s,
  ),
  'registry-password': secretText({ multiLine: true }),
  'proxy-registry-username': optionalText({ argument: true }).transform((s, ctx) =>
    s && /\s/.test(s) ? fail(ctx, 'a user name without spaces') : s,
  ),
  'proxy-registry-password': secretText({ multiLine: true }),
  // Pulled and run on every host: a reference by Docker's grammar, which cannot start with "-".
  'proxy-image': singleLine().transform((s, ctx) => {
    const parsed = parseImageReference(s);
    return parsed.ok ? parsed.value : fail(ctx, `${parsed.reason} (the proxy must provide nginx)`);
  }),
  'proxy-mode': proxyMode(),
  'ingress-host': ingressHosts(),
  'ingress-name': ingressName(),
  'tls-certificate': tlsCertificate(),
  'tls-key': tlsKey(),
  'tls-publish': tlsPublish(),
  'lock-timeout': duration({ min: 0 }),
  'force-unlock': boolean(),
  ...runOptionInputs,
  roles: rolesInput(),
});

export type DockerSettings = z.output<typeof dockerInputs>;
