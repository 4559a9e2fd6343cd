/**
 * One HTTP exchange over node:http / node:https, through HTTPS_PROXY /
 * HTTP_PROXY when set (a CONNECT tunnel, as self-hosted runners' proxies
 * expect). Not Node's fetch: loading it costs ~25 ms, a third of a short
 * step's whole run. Redirects are not followed here; shared/http.ts decides.
 */
import type { IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpRequest } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { proxyFor } from './http-proxy.js';

export interface Exchange {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** A response's headers, looked up without regard to case (several values of one name come joined by ", "). */
export class ResponseHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) yield [name, this.get(name)!];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** What fetch sent unasked, kept so servers see the same request. */
function defaultHeaders(x: Exchange): Record<string, string> {
  const given = new Set(Object.keys(x.headers).map((k) => k.toLowerCase()));
  const defaults: Record<string, string> = { accept: '*/*', 'user-agent': 'deploy-actions' };
  if (x.body !== undefined) {
    defaults['content-type'] = 'text/plain;charset=UTF-8';
    defaults['content-length'] = String(Buffer.byteLength(x.body));
  }
  return Object.fromEntries(Object.entries(defaults).filter(([k]) => !given.has(k)));
}

/** Send the request; resolves once the status and headers are in (the body is the caller's to read or discard). */
export async function send(x: Exchange): Promise<IncomingMessage> {
  const secure = x.url.protocol === 'https:';
  const proxy = proxyFor(x.url);
  const options: RequestOptions = {
    method: x.method,
    headers: { ...defaultHeaders(x), ...x.headers },
    signal: x.signal,
  };
  // A tunnel serves one exchange and is closed after it; neither TLS nor node:http close it on their own.
  let tunnelled: Socket[] = [];
  if (proxy) {
    const host = x.url.hostname.replace(/^\[|\]$/g, '');
    const socket = await tunnel(new URL(proxy), x.url, x.signal);
    const tls = secure ? await import('node:tls') : undefined;
    const connection = tls ? tls.connect({ socket, servername: isIP(host) ? undefined : host }) : socket;
    tunnelled = [connection, socket];
    options.createConnection = () => connection;
  }
  const requester = secure ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve, reject) => {
    const closeTunnel = () => tunnelled.forEach((s) => s.destroy());
    const req = requester(x.url, options, (response) => {
      response.once('close', closeTunnel);
      resolve(response);
    });
    req.once('error', (error) => {
      closeTunnel();
      reject(error);
    });
    req.end(x.body);
  });
}

/** A connection to `target` through the proxy's CONNECT (its credentials, if any, go only to the proxy). */
function tunnel(proxy: URL, target: URL, signal: AbortSignal): Promise<Socket> {
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  const authority = `${target.hostname}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.username)
    headers['proxy-authorization'] =
      `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || 80,
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
      signal,
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(new Error(`the proxy ${proxy.host} answered ${res.statusCode} to CONNECT ${authority}`));
    });
    req.once('error', reject);
    req.end();
  });
}

/** The body, up to `max` bytes: past that the connection is dropped, so the rest is never downloaded. */
export async function readBody(response: IncomingMessage, max: number): Promise<{ body: string; truncated: boolean }> {
  const decoder = new TextDecoder();
  let body = '';
  let size = 0;
  for await (const chunk of await decoded(response)) {
    const bytes = chunk as Buffer;
    if (size + bytes.byteLength > max) {
      // No final flush: a character cut at the limit is left out rather than garbled.
      body += decoder.decode(bytes.subarray(0, max - size), { stream: true });
      response.destroy();
      return { body, truncated: true };
    }
    size += bytes.byteLength;
    body += decoder.decode(bytes, { stream: true });
  }
  return { body: body + decoder.decode(), truncated: false };
}

/** We ask for no compression; a server that compresses anyway is decoded as fetch would. */
async function decoded(response: IncomingMessage): Promise<NodeJS.ReadableStream> {
  const encoding = String(response.headers['content-encoding'] ?? '').toLowerCase();
  if (!['gzip', 'x-gzip', 'deflate', 'br'].includes(encoding)) return response;
  const zlib = await import('node:zlib');
  const decoder =
    encoding === 'br'
      ? zlib.createBrotliDecompress()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : zlib.createGunzip();
  response.once('error', (error) => decoder.destroy(error));
  decoder.once('close', () => response.destroy());
  return response.pipe(decoder);
}
