/**
 * One GET with a Host header of our choosing: fetch cannot set Host, and the
 * shared ingress routes by it. Bounded by `timeoutMs`; the callers loop with
 * their own deadline.
 */
import { request as httpRequest } from 'node:http';

export interface HostAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

export function requestAs(url: string, hostName: string, timeoutMs: number): Promise<HostAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host: hostName }, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        if (body.length < 65_536) body += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers as HostAnswer['headers'], body }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}
