/**
 * Checking AWS Signature Version 4 on a request as it arrived: the Authorization header is parsed,
 * the canonical request is rebuilt from the bytes received, and the signature is recomputed with the
 * secret the server knows. Built on node:crypto so that the verifier shares no code with the SDK
 * signers it is checking.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  SIGNATURE_MISMATCH_MESSAGE,
  incompleteSignature,
  missingAuthenticationToken,
  signatureDoesNotMatch,
} from './errors.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const SERVICE = 'sts';
/** How far a request's timestamp may be from the server's clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

export interface ReceivedRequest {
  readonly method: string;
  /** The request target as sent, e.g. '/' or '/?Action=GetCallerIdentity&Version=2011-06-15'. */
  readonly target: string;
  /** Node's rawHeaders: name, value, name, value… in arrival order and original case. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export interface Authorization {
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** The request's timestamp in ISO 8601 basic form, 20250101T000000Z. */
  readonly amzDate: string;
}

/** All values of a header (case-insensitive name), in arrival order. */
export function headerValues(request: ReceivedRequest, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() === wanted) values.push(request.rawHeaders[i + 1]!);
  }
  return values;
}

export function header(request: ReceivedRequest, name: string): string | undefined {
  return headerValues(request, name)[0];
}

export function formatAmzDate(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function parseAmzDate(amzDate: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return null;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * The key id the request claims to be signed with, read leniently so that even a request refused
 * for its form can be recorded against its key.
 */
export function claimedAccessKeyId(request: ReceivedRequest): string | null {
  const auth = header(request, 'authorization');
  const m = auth ? /Credential=([^/,\s]+)/.exec(auth) : null;
  return m ? m[1]! : null;
}

/** Parses the Authorization header; throws the StsError AWS answers a missing or malformed one with. */
export function parseAuthorization(request: ReceivedRequest): Authorization {
  const value = header(request, 'authorization');
  if (value === undefined || value.trim() === '') throw missingAuthenticationToken();
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw incompleteSignature(`Unsupported AWS 'algorithm': '${algorithm}'`);
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }

  const rawDate = header(request, 'x-amz-date');
  const httpDate = header(request, 'date');
  let amzDate: string | undefined;
  if (rawDate !== undefined) amzDate = rawDate.trim();
  else if (httpDate !== undefined && !Number.isNaN(Date.parse(httpDate))) amzDate = formatAmzDate(Date.parse(httpDate));

  const problems: string[] = [];
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!fields.get(name)) problems.push(`Authorization header requires '${name}' parameter.`);
  }
  if (amzDate === undefined) {
    problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (problems.length > 0) throw incompleteSignature(`${problems.join(' ')} Authorization=${value}`);

  const credential = fields.get('Credential')!.split('/');
  if (credential.length !== 5 || credential.some((piece) => piece === '')) {
    throw incompleteSignature(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${fields.get('Credential')}'`,
    );
  }
  const [accessKeyId, scopeDate, region, service, terminator] = credential as [string, string, string, string, string];
  if (parseAmzDate(amzDate!) === null) {
    throw incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
  return {
    accessKeyId,
    scopeDate,
    region,
    service,
    terminator,
    signedHeaders: fields.get('SignedHeaders')!.split(';'),
    signature: fields.get('Signature')!,
    amzDate: amzDate!,
  };
}

/** Refuses a credential scope that is not for STS, or does not agree with the request's date. */
export function checkScope(auth: Authorization): void {
  if (auth.terminator !== 'aws4_request') {
    throw signatureDoesNotMatch(`Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator}'. `);
  }
  if (auth.service !== SERVICE) {
    throw signatureDoesNotMatch(`Credential should be scoped to correct service: '${SERVICE}'. `);
  }
  if (auth.scopeDate !== auth.amzDate.slice(0, 8)) {
    throw signatureDoesNotMatch(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${auth.amzDate.slice(0, 8)}', from '${auth.amzDate}'.`,
    );
  }
}

/** Refuses a request signed more than 15 minutes away from the server's clock, in AWS's words. */
export function checkSkew(auth: Authorization, serverNowMs: number): void {
  const signedAt = parseAmzDate(auth.amzDate)!;
  const now = formatAmzDate(serverNowMs);
  if (signedAt < serverNowMs - MAX_SKEW_MS) {
    throw signatureDoesNotMatch(
      `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(serverNowMs - MAX_SKEW_MS)} (${now} - 15 min.)`,
    );
  }
  if (signedAt > serverNowMs + MAX_SKEW_MS) {
    throw signatureDoesNotMatch(
      `Signature not yet current: ${auth.amzDate} is still later than ${formatAmzDate(serverNowMs + MAX_SKEW_MS)} (${now} + 15 min.)`,
    );
  }
}

/** RFC 3986 percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function canonicalUri(path: string): string {
  if (path === '') return '/';
  // The path arrives already encoded; SigV4 (outside S3) encodes it once more.
  return path
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [uriEncode(percentDecode(key)), uriEncode(percentDecode(value))] as const;
    })
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

function canonicalHeaders(request: ReceivedRequest, signedHeaders: readonly string[]): string {
  return signedHeaders
    .map((name) => {
      const values = headerValues(request, name).map((v) => v.trim().replace(/\s+/g, ' '));
      return `${name}:${values.join(',')}\n`;
    })
    .join('');
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

export function canonicalRequest(request: ReceivedRequest, auth: Authorization): string {
  const q = request.target.indexOf('?');
  const path = q < 0 ? request.target : request.target.slice(0, q);
  const query = q < 0 ? '' : request.target.slice(q + 1);
  const declaredHash = header(request, 'x-amz-content-sha256');
  return [
    request.method.toUpperCase(),
    canonicalUri(path),
    canonicalQuery(query),
    canonicalHeaders(request, auth.signedHeaders),
    auth.signedHeaders.join(';'),
    declaredHash ?? sha256Hex(request.body),
  ].join('\n');
}

export function expectedSignature(request: ReceivedRequest, auth: Authorization, secretAccessKey: string): string {
  const scope = `${auth.scopeDate}/${auth.region}/${auth.service}/${auth.terminator}`;
  const stringToSign = [ALGORITHM, auth.amzDate, scope, sha256Hex(canonicalRequest(request, auth))].join('\n');
  let key = hmac(`AWS4${secretAccessKey}`, auth.scopeDate);
  key = hmac(key, auth.region);
  key = hmac(key, auth.service);
  key = hmac(key, auth.terminator);
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/** Recomputes the signature and compares it in constant time; throws SignatureDoesNotMatch when it differs. */
export function verifySignature(request: ReceivedRequest, auth: Authorization, secretAccessKey: string): void {
  const declaredHash = header(request, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== 'UNSIGNED-PAYLOAD' && declaredHash !== sha256Hex(request.body)) {
    throw signatureDoesNotMatch(SIGNATURE_MISMATCH_MESSAGE);
  }
  const expected = Buffer.from(expectedSignature(request, auth, secretAccessKey), 'utf8');
  const given = Buffer.from(auth.signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw signatureDoesNotMatch(SIGNATURE_MISMATCH_MESSAGE);
  }
}
