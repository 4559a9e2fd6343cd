/**
 * The shared ingress's inputs. Each has a default when empty, so the actions
 * that share the docker inputs (deploy-to-env, rollback, deploy, teardown)
 * read them the same way.
 */
import { fail, list, secretText, singleLine } from '../../inputs.js';

export const PROXY_MODES = ['per-environment', 'shared'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

export const proxyMode = () =>
  singleLine().transform((s, ctx): ProxyMode => {
    const v = s.trim().toLowerCase() || 'per-environment';
    if ((PROXY_MODES as readonly string[]).includes(v)) return v as ProxyMode;
    return fail(ctx, 'one of "per-environment", "shared"');
  });

// A DNS name, or a wildcard `*.` in front of one; letters are lower-cased as nginx compares them.
const HOST_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const ingressHosts = () =>
  list({ commas: true }).transform((names, ctx): string[] => {
    const hosts = names.map((n) => n.toLowerCase());
    const bad = hosts.filter((h) => !HOST_NAME.test(h) || h.length > 253);
    if (!bad.length) return hosts;
    const named = `${bad.map((b) => JSON.stringify(b)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not`;
    return fail(ctx, `host names such as pr-42.preview.example.com or *.preview.example.com; ${named}`);
  });

export const ingressName = () =>
  singleLine().transform((s, ctx) => {
    const v = s.trim() || 'deploy-ingress';
    if (/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(v)) return v;
    return fail(ctx, 'a container name of letters, digits, ".", "_" and "-" (starting with a letter or digit)');
  });

const CERTIFICATE = /^(-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----\n?)+$/;
const PEM_BODY = '\\n[A-Za-z0-9+/=\\n]+\\n';
const PRIVATE_KEY = new RegExp(
  `^-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----${PEM_BODY}-----END ([A-Z0-9]+ )*PRIVATE KEY-----$`,
);

/** PEM certificate(s), the server's first then its chain; masked like every secret input. */
export const tlsCertificate = () =>
  secretText({ multiLine: true }).transform((s, ctx) => {
    if (!s) return undefined;
    const pem = `${s.replace(/\r\n/g, '\n').trim()}\n`;
    if (CERTIFICATE.test(pem)) return pem;
    const expected =
      'PEM certificates ("-----BEGIN CERTIFICATE-----" … "-----END CERTIFICATE-----"), the server\'s first';
    return fail(ctx, expected, { conceal: true });
  });

export const tlsKey = () =>
  secretText({ multiLine: true }).transform((s, ctx) => {
    if (!s) return undefined;
    const key = s.replace(/\r\n/g, '\n').trim();
    if (PRIVATE_KEY.test(key)) return `${key}\n`;
    return fail(ctx, 'a PEM private key ("-----BEGIN … PRIVATE KEY-----" to "-----END … PRIVATE KEY-----")', {
      conceal: true,
    });
  });

export const tlsPublish = () =>
  singleLine().transform((s, ctx) => {
    const v = s.trim() || '443';
    const n = Number(v);
    return /^\d{1,5}$/.test(v) && n >= 1 && n <= 65535 ? n : fail(ctx, 'a whole number from 1 to 65535');
  });

interface IngressInputs {
  'proxy-mode': ProxyMode;
  'ingress-host': string[];
  'tls-certificate'?: string;
  'tls-key'?: string;
}

/** Problems across the ingress inputs, as `"input": expected …` lines; `routes`: the action routes traffic. */
export function ingressProblems(settings: IngressInputs, routes: boolean): string[] {
  const problems: string[] = [];
  const shared = settings['proxy-mode'] === 'shared';
  const hosts = settings['ingress-host'].length;
  if (shared && routes && !hosts)
    problems.push(
      '"ingress-host": expected the host name(s) the shared ingress routes to this environment ' +
        '(e.g. pr-42.preview.example.com), got nothing',
    );
  if (!shared && hosts)
    problems.push(
      '"ingress-host": expected only with proxy-mode "shared" (the per-environment proxy answers any host)',
    );
  if (!settings['tls-certificate'] !== !settings['tls-key'])
    problems.push('"tls-certificate" and "tls-key": expected both or neither');
  if (!shared && settings['tls-certificate'])
    problems.push('"tls-certificate": expected only with proxy-mode "shared" (TLS is served by the shared ingress)');
  return problems;
}
