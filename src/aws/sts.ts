/**
 * Talking to STS: where to send requests, the limits AWS applies checked before sending, and AWS's
 * answers translated into what went wrong and what to do. The SDK itself lives in sts-client.ts and is
 * imported only here, only when a request is about to be made.
 */
import { AwsmfaError } from '../errors.js';

export interface StsTarget {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly timeoutMs: number;
  readonly onClockSkew?: (offsetSeconds: number) => void;
}

export interface StsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** ISO 8601 instant. */
  readonly expiration: string;
}

export type StsClient = ReturnType<typeof import('./sts-client.js').createStsClient>;

export async function stsClient(target: StsTarget, credentials: StsCredentials): Promise<StsClient> {
  const { createStsClient } = await import('./sts-client.js');
  return createStsClient(target, credentials);
}

/** The endpoint as the AWS CLI picks it: service variable, then global variable, then the profile's endpoint_url. */
export function stsTarget(
  profile: { region: string | undefined; endpointUrl: string | undefined },
  env: NodeJS.ProcessEnv,
  onClockSkew?: (offsetSeconds: number) => void,
): StsTarget {
  const ignoreConfigured = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true';
  const endpoint = ignoreConfigured ? undefined : env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || profile.endpointUrl;
  const timeoutSeconds = Number(env.AWSMFA_STS_TIMEOUT);
  return {
    region: profile.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    endpoint: endpoint || undefined,
    timeoutMs: Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds * 1000 : 15_000,
    ...(onClockSkew === undefined ? {} : { onClockSkew }),
  };
}

export const SESSION_DURATION = { min: 900, max: 129_600, rootMax: 3600 } as const;
export const ROLE_DURATION = { min: 900, max: 43_200, chainedMax: 3600 } as const;

export function checkSessionDuration(seconds: number, source: string): void {
  if (!Number.isInteger(seconds) || seconds < SESSION_DURATION.min || seconds > SESSION_DURATION.max) {
    throw new AwsmfaError(`the duration ${seconds} s from ${source} is outside what GetSessionToken allows (900 to 129600 s)`, {
      hint: 'Use a value from 900 (15 minutes) to 129600 (36 hours); the default is 43200 (12 hours).',
    });
  }
}

export function checkRoleDuration(seconds: number, source: string, chained: boolean): void {
  const max = chained ? ROLE_DURATION.chainedMax : ROLE_DURATION.max;
  if (!Number.isInteger(seconds) || seconds < ROLE_DURATION.min || seconds > max) {
    throw new AwsmfaError(
      `the duration ${seconds} s from ${source} is outside what AssumeRole allows${chained ? ' for a role assumed from another role' : ''} (900 to ${max} s)`,
      { hint: `Use a value from 900 to ${max} s (and no more than the role's maximum session duration).` },
    );
  }
}

/** What the failing call was about, so that the message can name it. */
export interface CallContext {
  readonly action: 'GetSessionToken' | 'AssumeRole' | 'GetCallerIdentity';
  readonly profile: string;
  readonly keysProfile: string;
  readonly keysFile: string;
  readonly serial: string | undefined;
  readonly roleArn?: string;
  readonly endpoint: string;
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ENOTFOUND: 'the host name was not found',
  EAI_AGAIN: 'the host name could not be looked up',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
};

/** AWS's answer (or the network's silence) as an error that says what to do. */
export function explainStsError(error: unknown, context: CallContext): AwsmfaError {
  if (error instanceof AwsmfaError) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? '';
  const message = (e.message ?? String(error)).trim();
  const where = `[${context.keysProfile}] of ${context.keysFile}`;
  const networkReason = NETWORK_CODES[e.code ?? ''] ?? NETWORK_CODES[name];
  if (networkReason !== undefined || name === 'TimeoutError' || name === 'RequestTimeout' || /timed? ?out/i.test(message)) {
    return new AwsmfaError(`cannot reach STS at ${context.endpoint}: ${networkReason ?? 'no answer in time'}`, {
      hint: 'Check your network connection, and AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL / endpoint_url if you set one.',
      cause: error,
    });
  }
  switch (name) {
    case 'InvalidClientTokenId':
      return new AwsmfaError(`AWS does not recognise the access key in ${where}`, {
        hint: `The key is not valid — was it rotated or deleted? Put the current key of this IAM user in ${where}.`,
      });
    case 'SignatureDoesNotMatch':
      if (/expired|earlier|later|skew/i.test(message)) {
        return new AwsmfaError('AWS refused the request because this computer\'s clock is wrong', {
          hint: 'Set the clock right (e.g. sudo timedatectl set-ntp true) and try again; MFA codes depend on it too.',
        });
      }
      return new AwsmfaError(`AWS refused the secret key in ${where}: the signature does not match`, {
        hint: `The aws_secret_access_key in ${where} does not belong to its access key; paste the pair again.`,
      });
    case 'ExpiredToken':
    case 'ExpiredTokenException':
      return new AwsmfaError(`the session used to call ${context.action} for [${context.profile}] has expired`, {
        hint: `Run \`awsmfa clear ${context.profile}\` and try again.`,
      });
    case 'AccessDenied':
    case 'AccessDeniedException':
      return explainAccessDenied(message, context);
    case 'ValidationError':
      if (/durationSeconds|DurationSeconds|MaxSessionDuration/.test(message)) {
        return new AwsmfaError(`AWS refused the session duration for [${context.profile}]: ${message}`, {
          hint: context.roleArn === undefined
            ? 'Use --duration or duration_seconds from 900 to 129600 s (at most 3600 s for the root user).'
            : `Use at most the role's maximum session duration (see the role in the IAM console), e.g. --duration 3600.`,
        });
      }
      if (/serialNumber|SerialNumber/.test(message)) {
        return new AwsmfaError(`AWS refused the MFA serial ${JSON.stringify(context.serial)} for [${context.profile}]: ${message}`, {
          hint: 'mfa_serial must be the ARN of the MFA device, e.g. arn:aws:iam::123456789012:mfa/doug.',
        });
      }
      return new AwsmfaError(`AWS refused the ${context.action} request for [${context.profile}]: ${message}`, {
        hint: 'Check the profile\'s settings against the message.',
      });
    case 'RegionDisabledException':
      return new AwsmfaError(`STS is not activated in this region for the account of [${context.profile}]`, {
        hint: 'Set region in the profile to one where STS is active (e.g. us-east-1), or activate it in IAM.',
      });
    default: {
      const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
      if (name === 'SyntaxError' || /Deserialization|Unexpected token|XML|parse/i.test(message) || (status !== undefined && status >= 500)) {
        return new AwsmfaError(
          `STS at ${context.endpoint} gave an answer that is not an STS answer${status !== undefined ? ` (HTTP ${status})` : ''}`,
          { hint: 'If you set an endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, endpoint_url), check it; otherwise try again in a minute.', cause: error },
        );
      }
      return new AwsmfaError(`${context.action} for [${context.profile}] failed: ${name ? `${name}: ` : ''}${message}`, {
        hint: 'Run `awsmfa doctor` to check the profile.',
        cause: error,
      });
    }
  }
}

function explainAccessDenied(message: string, context: CallContext): AwsmfaError {
  if (/invalid MFA one time pass code/i.test(message)) {
    return new AwsmfaError(`AWS refused the MFA code for ${context.serial ?? 'the device'}: it is wrong, expired or already used`, {
      hint: 'Wait for the next code and try again; if every code fails, check the clock of the device and of this computer.',
    });
  }
  if (/unable to validate MFA code|serial number/i.test(message)) {
    return new AwsmfaError(`AWS does not know the MFA device ${JSON.stringify(context.serial)} as a device of the user in [${context.keysProfile}]`, {
      hint: 'Copy the device\'s ARN from the IAM console (Security credentials → MFA) into mfa_serial.',
    });
  }
  if (/session credentials/i.test(message)) {
    return new AwsmfaError(`the keys in [${context.keysProfile}] of ${context.keysFile} are session keys; GetSessionToken needs long-term keys`, {
      hint: 'Put the IAM user\'s long-term access key (AKIA…) there.',
    });
  }
  if (context.action === 'AssumeRole') {
    return new AwsmfaError(`AWS refused to let [${context.profile}] assume ${context.roleArn ?? 'the role'}: ${message}`, {
      hint: context.serial === undefined
        ? 'If the role\'s trust policy requires MFA, add mfa_serial to the profile (or its source profile); also check external_id.'
        : 'Check the role\'s trust policy (principal, MFA condition, external_id) and the user\'s permission for sts:AssumeRole.',
    });
  }
  return new AwsmfaError(`AWS denied ${context.action} for [${context.profile}]: ${message}`, {
    hint: 'Check the IAM user\'s policies; GetSessionToken needs no permission, so a deny here comes from an explicit Deny.',
  });
}
