/**
 * The only module that imports the AWS SDK. It is reached through a dynamic import, so the bundle keeps
 * the SDK in a chunk of its own that a command loads only when it really needs the network.
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { externalDataInterceptor } from '@smithy/core/config';
import type { StsCredentials, StsTarget, TemporaryCredentials } from './sts.js';

function temporary(credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } | undefined): TemporaryCredentials {
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken || !credentials.Expiration) {
    throw new Error('STS answered without complete credentials');
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration.toISOString(),
  };
}

export function createStsClient(target: StsTarget, credentials: StsCredentials) {
  // Our users are told about Node versions by us, not by a notice in the middle of their prompt.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // The SDK reads the AWS files for its own settings (FIPS, dual-stack, retries …): it gets the text
  // this run already read, so that each file is read once per run.
  for (const [path, text] of target.awsFiles ?? []) externalDataInterceptor.interceptFile(path, text);
  const client = new STSClient({
    region: target.region,
    ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
    // Only the key material: the SDK reads `expiration` as a Date, and needs nothing else from us.
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
    },
    // One attempt: a retried request could spend the same MFA code twice, and AWS refuses the second.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: target.timeoutMs, requestTimeout: target.timeoutMs, throwOnRequestTimeout: true },
  });

  if (process.env.AWSMFA_DEBUG === '1') logRequests(client);

  /** A request refused for clock skew is retried once: the SDK has then learnt AWS's time from the answer. */
  async function send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const offset = client.config.systemClockOffset ?? 0;
      if (Math.abs(offset) > 60_000 && (error as { $metadata?: { clockSkewCorrected?: boolean } }).$metadata?.clockSkewCorrected) {
        target.onClockSkew?.(offset / 1000);
        return await call();
      }
      throw error;
    }
  }

  return {
    getSessionToken: (input: { DurationSeconds?: number; SerialNumber?: string; TokenCode?: string }) =>
      send(async () => temporary((await client.send(new GetSessionTokenCommand(input))).Credentials)),
    assumeRole: (input: { RoleArn: string; RoleSessionName: string; DurationSeconds?: number; ExternalId?: string; SerialNumber?: string; TokenCode?: string }) =>
      send(async () => {
        const output = await client.send(new AssumeRoleCommand(input));
        return { ...temporary(output.Credentials), assumedRoleArn: output.AssumedRoleUser?.Arn };
      }),
    getCallerIdentity: () =>
      send(async () => {
        const output = await client.send(new GetCallerIdentityCommand({}));
        return { account: output.Account, arn: output.Arn, userId: output.UserId };
      }),
    clockOffsetSeconds: () => (client.config.systemClockOffset ?? 0) / 1000,
    destroy: () => client.destroy(),
  };
}

/**
 * `--debug` / AWSMFA_DEBUG=1: each request and its answer on stderr. Nothing that is a secret or is
 * computed from one is shown: not the code, not a secret key or token, not the signature, not the body's hash.
 */
function logRequests(client: STSClient): void {
  const log = (line: string) => process.stderr.write(`awsmfa: debug: ${line}\n`);
  const redactHeader = (name: string, value: string): string => {
    const lower = name.toLowerCase();
    if (lower === 'authorization') {
      return value
        .replace(/Credential=(\w{4})\w*(\w{4})\//, 'Credential=$1…$2/')
        .replace(/Signature=\w+/, 'Signature=<redacted>');
    }
    if (lower === 'x-amz-security-token') return `<redacted, ${value.length} characters>`;
    // The hash of the whole body, MFA code included: six digits are a million guesses, tried in seconds.
    if (lower === 'x-amz-content-sha256') return '<redacted>';
    return value;
  };
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method?: string; protocol?: string; hostname?: string; port?: number; path?: string; headers?: Record<string, string>; body?: unknown };
      const body = typeof request.body === 'string' ? new URLSearchParams(request.body) : new URLSearchParams();
      const action = body.get('Action') ?? 'request';
      for (const secret of ['TokenCode']) if (body.has(secret)) body.set(secret, '<redacted>');
      const port = request.port === undefined ? '' : `:${request.port}`;
      log(`STS ${action} → ${request.method ?? 'POST'} ${request.protocol ?? 'https:'}//${request.hostname ?? '?'}${port}${request.path ?? '/'}`);
      for (const [name, value] of Object.entries(request.headers ?? {})) log(`  ${name}: ${redactHeader(name, value)}`);
      log(`  body: ${body.toString().replaceAll('%3Credacted%3E', '<redacted>')}`);
      const started = Date.now();
      try {
        const answer = await next(args);
        const response = answer.response as { statusCode?: number; headers?: Record<string, string> };
        const headers = response.headers ?? {};
        const date = headers.date ?? headers.Date;
        const id = headers['x-amzn-requestid'] ?? headers['x-amzn-RequestId'];
        log(`STS ${action} ← HTTP ${response.statusCode ?? '?'} in ${Date.now() - started} ms${date ? `, Date: ${date}` : ''}${id ? `, request id ${id}` : ''}`);
        return answer;
      } catch (error) {
        log(`STS ${action} ← no answer after ${Date.now() - started} ms: ${(error as Error).name}: ${(error as Error).message}`);
        throw error;
      }
    },
    { step: 'deserialize', priority: 'low', name: 'awsmfaDebugLog' },
  );
}
