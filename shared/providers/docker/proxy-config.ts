/** Where the provider writes the proxy's nginx configuration inside the proxy container. */
export const PROXY_CONFIG_DIR = '/etc';
export const PROXY_CONFIG_FILE = 'deploy-proxy.conf';
export const PROXY_CONFIG = `${PROXY_CONFIG_DIR}/${PROXY_CONFIG_FILE}`;
/** The proxy listens here inside its container; `publish` maps the host port to it. */
export const PROXY_PORT = 80;
/** Response header naming the colour that answered: how the switch is confirmed. */
export const COLOR_HEADER = 'x-deploy-color';

/** The proxy command: nginx in the foreground on our configuration (any image with nginx on PATH). */
export const proxyCommand = () => ['nginx', '-c', PROXY_CONFIG, '-g', 'daemon off;'];

/** The start of both proxies' nginx.conf, up to inside `http {`: one worker, temp files under /tmp as `name`. */
export function nginxPreamble(comment: string, name: string): string {
  return `# Managed by deploy-actions: ${comment}
worker_processes 1;
pid /tmp/${name}.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path /tmp/${name}-body;
  proxy_temp_path /tmp/${name}-temp;
`;
}

/**
 * The `location /` block of both proxies: keep-alive HTTP/1.1 to the upstream, the client's host and address
 * passed on, and the colour that answered named in a response header.
 */
export function proxyLocation(upstream: string, color: string, indent: string): string {
  return [
    'location / {',
    `  proxy_pass http://${upstream};`,
    '  proxy_http_version 1.1;',
    '  proxy_set_header Connection "";',
    '  proxy_set_header Host $host;',
    '  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '  proxy_set_header X-Forwarded-Proto $scheme;',
    `  add_header X-Deploy-Color ${color} always;`,
    '}',
  ]
    .map((line) => `${indent}${line}\n`)
    .join('');
}

/** nginx configuration sending everything to one upstream (the live colour). */
export function proxyConfig(upstream: { ip: string; port: number; color: string }): string {
  return `${nginxPreamble('rewritten on every deploy and rollback.', 'deploy-proxy')}  upstream app {
    server ${upstream.ip}:${upstream.port};
    keepalive 16;
  }
  server {
    listen ${PROXY_PORT};
${proxyLocation('app', upstream.color, '    ')}  }
}
`;
}
