/**
 * The HTTP side of the emulator: reads an AWS Query request (form body on POST, query string on GET),
 * authenticates its signature, routes it by Action and answers in STS's XML, with a Date header on
 * the emulator's clock so that SDKs can measure their skew against it.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACTIONS } from './actions.js';
import { StsError, expiredToken, invalidAction, invalidClientTokenId } from './errors.js';
import type { EmulatorCall } from './options.js';
import {
  type ReceivedRequest,
  checkScope,
  checkSkew,
  claimedAccessKeyId,
  header,
  parseAuthorization,
  verifySignature,
} from './sigv4.js';
import type { Caller, EmulatorState } from './state.js';
import { errorXml, successXml } from './xml.js';

export const API_VERSION = '2011-06-15';
const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerOptions {
  readonly state: EmulatorState;
  /** The emulator's clock, epoch milliseconds. */
  readonly clock: () => number;
  readonly host: string;
  readonly calls: EmulatorCall[];
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The AWS Query parameters: the query string's, then (for a form body) the body's. */
function queryParams(request: ReceivedRequest): Map<string, string> {
  const params = new Map<string, string>();
  const q = request.target.indexOf('?');
  if (q >= 0) for (const [k, v] of new URLSearchParams(request.target.slice(q + 1))) params.set(k, v);
  const type = header(request, 'content-type') ?? '';
  if (request.body.length > 0 && (type === '' || type.toLowerCase().startsWith('application/x-www-form-urlencoded'))) {
    for (const [k, v] of new URLSearchParams(request.body.toString('utf8'))) params.set(k, v);
  }
  return params;
}

/** Who signed the request, if the signature, the session token and the clock all agree. */
function authenticate(request: ReceivedRequest, state: EmulatorState, nowMs: number): Caller {
  const auth = parseAuthorization(request);
  checkScope(auth);
  checkSkew(auth, nowMs);
  const caller = state.caller(auth.accessKeyId);
  if (!caller) throw invalidClientTokenId();
  const token = header(request, 'x-amz-security-token');
  if (caller.kind === 'session' ? token !== caller.session.sessionToken : token !== undefined) {
    throw invalidClientTokenId();
  }
  verifySignature(request, auth, state.secretOf(caller));
  if (caller.kind === 'session' && nowMs >= caller.session.expiresAtMs) throw expiredToken();
  return caller;
}

function answer(res: ServerResponse, status: number, xml: string, requestId: string, nowMs: number): void {
  const body = Buffer.from(xml, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': body.length,
    Date: new Date(nowMs).toUTCString(),
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { state, clock, calls } = options;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const body = await readBody(req);
    const request: ReceivedRequest = {
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      rawHeaders: req.rawHeaders,
      body: body ?? Buffer.alloc(0),
    };
    const params = queryParams(request);
    const action = params.get('Action') ?? '';
    const call: EmulatorCall = { action, accessKeyId: claimedAccessKeyId(request), ok: false };
    calls.push(call);
    const nowMs = clock();
    try {
      if (body === null) throw new StsError('RequestEntityTooLarge', 'Request body is too large', 413);
      const caller = authenticate(request, state, nowMs);
      if (action === '') throw new StsError('MissingAction', 'Missing Action', 400);
      const version = params.get('Version');
      const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!handler || (version !== undefined && version !== API_VERSION)) {
        throw invalidAction(`Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`);
      }
      const result = handler({ params, caller, state, nowMs });
      call.ok = true;
      answer(res, 200, successXml(action, result, requestId), requestId, nowMs);
    } catch (thrown) {
      const error =
        thrown instanceof StsError
          ? thrown
          : new StsError('InternalFailure', 'The request processing has failed because of an unknown error.', 500, 'Receiver');
      call.errorCode = error.code;
      answer(res, error.status, errorXml(error, requestId), requestId, nowMs);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${hostInUrl}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections (the SDK pools them) would hold close() open.
        server.closeAllConnections();
      }),
  };
}
