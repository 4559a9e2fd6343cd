/**
 * The shared ingress's nginx configuration: a main file (a default server
 * answering 404 to unknown host names, the TLS certificate when there is
 * one) that includes one route file per environment, routing by host name.
 */
import { nginxPreamble, proxyLocation } from './proxy-config.js';
import { baseName } from './labels.js';
import type { Target } from '../types.js';

/** Everything the ingress reads lives in this folder of its container (copied in with `docker cp`). */
export const INGRESS_DIR = '/etc/deploy-ingress';
export const INGRESS_CONFIG = `${INGRESS_DIR}/nginx.conf`;
export const TLS_CERT = `${INGRESS_DIR}/tls/cert.pem`;
export const TLS_KEY = `${INGRESS_DIR}/tls/key.pem`;
/** Inside the container; `publish` and `tls-publish` map the host's ports to them. */
export const HTTP_PORT = 80;
export const HTTPS_PORT = 443;

/** The route file of an environment, as a path inside the container. */
export const routePath = (target: Target) => `${INGRESS_DIR}/routes/${baseName(target)}.conf`;

/** The same paths relative to /etc, as entries of the archive `docker cp` extracts there. */
export const inEtc = (path: string) => path.replace(/^\/etc\//, '');

export const ingressCommand = () => ['nginx', '-c', INGRESS_CONFIG, '-g', 'daemon off;'];

export function ingressConfig(tls: boolean): string {
  const ssl = tls ? `  ssl_certificate ${TLS_CERT};\n  ssl_certificate_key ${TLS_KEY};\n` : '';
  return `${nginxPreamble('the shared ingress. One route file per environment.', 'deploy-ingress')}  server_names_hash_bucket_size 128;
${ssl}  server {
    listen ${HTTP_PORT} default_server;
${tls ? `    listen ${HTTPS_PORT} ssl default_server;\n` : ''}    return 404;
  }
  include ${INGRESS_DIR}/routes/*.conf;
}
`;
}

export interface Route {
  target: Target;
  hosts: readonly string[];
  ip: string;
  port: number;
  color: string;
}

/** One environment's server block: its host names → its live colour. */
export function routeConfig(route: Route, tls: boolean): string {
  const upstream = `env_${baseName(route.target).replace(/[^A-Za-z0-9_]/g, '_')}`;
  return `# ${route.target.service} on ${route.target.environment}: rewritten on every deploy and rollback.
upstream ${upstream} {
  server ${route.ip}:${route.port};
  keepalive 16;
}
server {
  listen ${HTTP_PORT};
${tls ? `  listen ${HTTPS_PORT} ssl;\n` : ''}  server_name ${route.hosts.join(' ')};
${proxyLocation(upstream, route.color, '  ')}}
`;
}
