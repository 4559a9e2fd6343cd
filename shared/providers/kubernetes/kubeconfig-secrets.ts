import { parse } from 'yaml';
import { secretParts } from '../../mask.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
const listOf = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** Credential fields of `users[].user`, masked as they appear (the base64 `*-data` forms included). */
const USER_CREDENTIALS = ['token', 'password', 'client-key-data', 'client-certificate-data'];
/** `auth-provider.config` keys known to hold no credential; every other value there is masked. */
const AUTH_PROVIDER_PLAIN = new Set([
  'cmd-path',
  'cmd-args',
  'expiry',
  'expiry-key',
  'token-key',
  'idp-issuer-url',
  'idp-certificate-authority',
  'extra-scopes',
  'client-id',
  'tenant-id',
  'apiserver-id',
  'environment',
  'config-mode',
  'expires-in',
  'expires-on',
]);

/**
 * The credentials a kubeconfig carries, to mask them one by one: bearer
 * tokens, passwords, client keys and certificates, auth-provider secrets,
 * exec plugin env values, and passwords in server or proxy URLs. Never its
 * structure (`apiVersion: v1`, `kind: Config`, names, the public CA), which
 * as masks would blank those words in every later line. Text that is not a
 * kubeconfig is masked line by line, as any secret.
 */
export function kubeconfigSecrets(kubeconfig: string): string[] {
  let config: unknown;
  try {
    config = parse(kubeconfig);
  } catch {
    return secretParts(kubeconfig);
  }
  if (!isObj(config) || !Array.isArray(config.users)) return secretParts(kubeconfig);
  const found: string[] = [];
  for (const { user } of listOf(config.users)) {
    if (!isObj(user)) continue;
    for (const key of USER_CREDENTIALS) found.push(text(user[key]) ?? '');
    const provider = isObj(user['auth-provider']) ? user['auth-provider'] : {};
    for (const [key, value] of Object.entries(isObj(provider.config) ? provider.config : {}))
      if (!AUTH_PROVIDER_PLAIN.has(key)) found.push(text(value) ?? '');
    const exec = isObj(user.exec) ? user.exec : {};
    for (const variable of listOf(exec.env)) found.push(text(variable.value) ?? '');
  }
  for (const { cluster } of listOf(config.clusters)) {
    if (!isObj(cluster)) continue;
    for (const key of ['server', 'proxy-url']) found.push(...urlPassword(text(cluster[key])));
  }
  return [...new Set(found.flatMap((value) => secretParts(value)))];
}

/** A password in a URL, as written (percent-encoded) and as sent. */
function urlPassword(url: string | undefined): string[] {
  try {
    const { password } = new URL(url ?? '');
    return [password, decodeURIComponent(password)];
  } catch {
    return [];
  }
}
