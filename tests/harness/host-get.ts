/**
 * A GET to 127.0.0.1 with a chosen Host header (fetch cannot set one), over TLS when given the CA: how a
 * shared ingress that routes by host name is asked for one environment.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

export interface Answer {
  status: number;
  body: string;
  color?: string;
}

export function getByHost(port: number, host: string, tls?: { ca: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: '/', headers: { host }, agent: false as const, timeout: 3000 };
    const done = (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: body.trim(), color: res.headers['x-deploy-color'] as string }),
      );
    };
    // The certificate is verified against its own CA and its name, 127.0.0.1, not the Host header the route needs.
    const verify = {
      ca: tls?.ca,
      checkServerIdentity: (_: string, cert: PeerCertificate) => checkServerIdentity('127.0.0.1', cert),
    };
    const req = tls ? httpsRequest({ ...options, ...verify }, done) : httpRequest(options, done);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
