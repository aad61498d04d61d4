import { createHash } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What to do to one request instead of (or while) forwarding it:
 * - `status`: read the whole request body, then answer with this status without forwarding
 *   (e.g. 500 or 503 SlowDown); the body defaults to an S3-style XML error.
 * - `drop-mid-body`: forward the first `afterBytes` bytes of the request body, then cut both
 *   connections (the client sees a reset while sending, the server an aborted request).
 * - `drop-response`: forward the whole request, let the server act on it, then cut the client's
 *   connection before it sees the answer (a lost response to a request that succeeded).
 * - `corrupt-body`: forward the request with the body byte at offset `atByte` inverted (bytes
 *   damaged on the way, by a network or a store that checks nothing); `bodyMd5` is still of what
 *   the client sent.
 */
export type Fault =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'drop-mid-body'; afterBytes: number }
  | { kind: 'drop-response' }
  | { kind: 'corrupt-body'; atByte: number };

export interface RequestInfo {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface FaultRule {
  fault: Fault;
  /**
   * How many matching requests get the fault; afterwards the rule is spent. A turn is used even
   * when the fault cannot happen (a drop-mid-body on a body shorter than afterBytes), so narrow
   * `when` to the requests meant.
   */
  times: number;
  /** Which requests the rule applies to; every request when absent. */
  when?: (request: RequestInfo) => boolean;
}

/** One request as the proxy saw it. */
export interface ProxiedRequest extends RequestInfo {
  /** Request body bytes received from the client. */
  bodyBytes: number;
  /** md5 (base64, as in Content-MD5) of the request body received from the client. */
  bodyMd5: string;
  /** The fault applied, if any. */
  fault?: Fault['kind'];
  /** Status the client received (undefined when the connection was cut). */
  status?: number;
}

export interface FaultyProxy {
  /** `http://127.0.0.1:<port>`: use it where the server's URL would go. */
  url: string;
  /** Every request so far, in arrival order. */
  requests: ProxiedRequest[];
  /** Adds a rule after the existing ones; the first matching rule with turns left applies. */
  addRule(rule: FaultRule): void;
  clearRules(): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

function s3ErrorXml(status: number): string {
  const code = status === 503 ? 'SlowDown' : status >= 500 ? 'InternalError' : 'InvalidRequest';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by faulty-proxy</Message></Error>`;
}

/**
 * An HTTP proxy on 127.0.0.1 (OS-chosen port) in front of a loopback server, injecting faults by
 * rule and recording every request. Headers, including Host, are forwarded unchanged so request
 * signatures made for the proxy's address still hold.
 */
export async function startFaultyProxy(target: string, rules: FaultRule[] = []): Promise<FaultyProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const active: FaultRule[] = [...rules];
  const requests: ProxiedRequest[] = [];

  const pickFault = (info: RequestInfo): Fault | undefined => {
    const rule = active.find((r) => r.times > 0 && (r.when?.(info) ?? true));
    if (!rule) return undefined;
    rule.times -= 1;
    return rule.fault;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const info: RequestInfo = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    const fault = pickFault(info);
    const record: ProxiedRequest = { ...info, bodyBytes: 0, bodyMd5: '', fault: fault?.kind };
    requests.push(record);
    const md5 = createHash('md5');
    let dropped = false;
    const cut = () => {
      dropped = true;
      req.socket.destroy();
      md5Done();
    };
    let finished = false;
    const md5Done = () => {
      if (!finished) record.bodyMd5 = md5.digest('base64');
      finished = true;
    };

    if (fault?.kind === 'status') {
      req.on('data', (chunk: Buffer) => {
        record.bodyBytes += chunk.length;
        md5.update(chunk);
      });
      req.on('end', () => {
        md5Done();
        record.status = fault.status;
        const body = fault.body ?? s3ErrorXml(fault.status);
        res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...fault.headers });
        res.end(body);
      });
      return;
    }

    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: info.method, path: info.url, headers: endToEnd(req.headers), agent },
      (answer) => {
        if (fault?.kind === 'drop-response') {
          answer.resume();
          answer.on('end', cut);
          return;
        }
        record.status = answer.statusCode;
        res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
        answer.pipe(res);
      },
    );
    forward.on('error', cut);
    req.on('data', (chunk: Buffer) => {
      if (dropped) return;
      if (fault?.kind === 'drop-mid-body' && record.bodyBytes + chunk.length >= fault.afterBytes) {
        const head = chunk.subarray(0, fault.afterBytes - record.bodyBytes);
        record.bodyBytes += head.length;
        md5.update(head);
        forward.write(head);
        forward.destroy();
        cut();
        return;
      }
      const offset = record.bodyBytes;
      record.bodyBytes += chunk.length;
      md5.update(chunk);
      if (fault?.kind === 'corrupt-body' && fault.atByte >= offset && fault.atByte < record.bodyBytes) {
        chunk = Buffer.from(chunk);
        chunk[fault.atByte - offset] ^= 0xff;
      }
      if (!forward.write(chunk)) {
        req.pause();
        forward.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      md5Done();
      forward.end();
    });
    req.on('error', () => forward.destroy());
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addRule: (rule) => active.push(rule),
    clearRules: () => active.splice(0, active.length),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
