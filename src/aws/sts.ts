/**
 * Talking to STS: where to send requests, the limits AWS applies checked before sending, and AWS's
 * answers translated into what went wrong and what to do. The SDK itself lives in sts-client.ts and is
 * imported only here, only when a request is about to be made.
 */
import { AwsmfaError } from '../errors.js';
import { filesAsRead } from './profiles.js';

export interface StsTarget {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly timeoutMs: number;
  readonly onClockSkew?: (offsetSeconds: number) => void;
  /** The AWS files as this run read them, by path, handed to the SDK so that it does not read them again. */
  readonly awsFiles?: ReadonlyMap<string, string>;
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

/**
 * The endpoint as the AWS CLI picks it: the service's variable, the service's `[services x]` setting,
 * the global variable, then the profile's endpoint_url.
 */
export function stsTarget(
  profile: { region: string | undefined; endpointUrl: string | undefined; stsEndpointUrl?: string | undefined },
  env: NodeJS.ProcessEnv,
  onClockSkew?: (offsetSeconds: number) => void,
): StsTarget {
  const ignoreConfigured = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true';
  const endpoint = ignoreConfigured ? undefined : env.AWS_ENDPOINT_URL_STS || profile.stsEndpointUrl || env.AWS_ENDPOINT_URL || profile.endpointUrl;
  const timeoutSeconds = Number(env.AWSMFA_STS_TIMEOUT);
  return {
    region: profile.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    endpoint: endpoint || undefined,
    timeoutMs: Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds * 1000 : 15_000,
    ...(onClockSkew === undefined ? {} : { onClockSkew }),
    awsFiles: filesAsRead(env),
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

/** Whether an endpoint is AWS's own, rather than one the user configured. */
function isAwsEndpoint(endpoint: string): boolean {
  try {
    return /\.amazonaws\.com(\.cn)?$/.test(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/** The request in words: "GetSessionToken for [doug]", "AssumeRole of arn:… for [admin]". */
function describeCall(context: CallContext): string {
  return context.action === 'AssumeRole' && context.roleArn !== undefined
    ? `AssumeRole of ${context.roleArn} for [${context.profile}]`
    : `${context.action} for [${context.profile}]`;
}

/**
 * AWS's answer (or the network's silence) as an error that says what to do: the profile and the file
 * involved, what AWS answered in plain words (with its error code, for searching), and one next step.
 */
export function explainStsError(error: unknown, context: CallContext): AwsmfaError {
  if (error instanceof AwsmfaError) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? '';
  const message = (e.message ?? String(error)).trim();
  const where = `[${context.keysProfile}] of ${context.keysFile}`;
  const networkReason = NETWORK_CODES[e.code ?? ''] ?? NETWORK_CODES[name];
  if (networkReason !== undefined || name === 'TimeoutError' || name === 'RequestTimeout' || /timed? ?out/i.test(message)) {
    return new AwsmfaError(`cannot reach STS at ${context.endpoint}: ${networkReason ?? 'no answer in time'} (${describeCall(context)})`, {
      hint: isAwsEndpoint(context.endpoint)
        ? 'Check the network connection of this computer (and any proxy or firewall on the way), then try again.'
        : `That endpoint comes from AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or endpoint_url in [${context.profile}]: check that it is right and that something answers there.`,
      cause: error,
    });
  }
  switch (name) {
    case 'InvalidClientTokenId':
      if (context.action === 'AssumeRole') {
        return new AwsmfaError(
          `AWS does not recognise the credentials used for ${describeCall(context)}: the access key in ${where}, or the MFA session made from it (InvalidClientTokenId)`,
          { hint: `Run \`awsmfa clear ${context.keysProfile}\` and try again; if it fails again, the key in ${where} was rotated or deleted: put the current one there.` },
        );
      }
      return new AwsmfaError(`AWS does not recognise the access key in ${where} (InvalidClientTokenId)`, {
        hint: `The key is not valid — was it rotated or deleted? Put the IAM user's current key in ${where} (IAM console → Security credentials → Access keys).`,
      });
    case 'SignatureDoesNotMatch':
      if (/expired|earlier|later|skew/i.test(message)) {
        return new AwsmfaError(`AWS refused ${describeCall(context)} because this computer's clock is wrong (SignatureDoesNotMatch: ${message})`, {
          hint: 'Set the clock right (e.g. sudo timedatectl set-ntp true) and try again; MFA codes depend on it too. `awsmfa doctor` measures the difference.',
        });
      }
      return new AwsmfaError(`AWS refused the secret key in ${where}: it does not belong to the access key next to it (SignatureDoesNotMatch)`, {
        hint: `Paste the key pair again into ${where}: aws_access_key_id and aws_secret_access_key exactly as IAM gave them.`,
      });
    case 'ExpiredToken':
    case 'ExpiredTokenException':
      return new AwsmfaError(`AWS says the session used for ${describeCall(context)} has expired, although the cache still counted it as valid (${name})`, {
        hint: `Run \`awsmfa clear ${context.keysProfile}\` and try again; if it happens again, check this computer's clock with \`awsmfa doctor\`.`,
      });
    case 'AccessDenied':
    case 'AccessDeniedException':
      return explainAccessDenied(message, context);
    case 'ValidationError':
      if (/durationSeconds|DurationSeconds|MaxSessionDuration/.test(message)) {
        return new AwsmfaError(`AWS refused the session duration for [${context.profile}] (ValidationError: ${message})`, {
          hint: context.roleArn === undefined
            ? 'Use --duration or duration_seconds from 900 to 129600 s (at most 3600 s for the root user).'
            : `Use at most the role's maximum session duration (see the role in the IAM console), e.g. --duration 3600.`,
        });
      }
      if (/serialNumber|SerialNumber/.test(message)) {
        return new AwsmfaError(`AWS refused the MFA serial ${JSON.stringify(context.serial)} of [${context.profile}] (ValidationError: ${message})`, {
          hint: 'mfa_serial must be the ARN of the MFA device, e.g. arn:aws:iam::123456789012:mfa/doug.',
        });
      }
      return new AwsmfaError(`AWS refused ${describeCall(context)} (ValidationError: ${message})`, {
        hint: `Check the settings of [${context.profile}] named in the message; \`awsmfa doctor ${context.profile}\` checks them all.`,
      });
    case 'RegionDisabledException':
      return new AwsmfaError(`STS is not activated in this region for the account of [${context.profile}] (RegionDisabledException)`, {
        hint: `Set region in [${context.profile}] to one where STS is active (e.g. us-east-1), or activate the region in IAM → Account settings.`,
      });
    default: {
      const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
      // STS answers every action it knows at one path, errors with an AWS error code in XML: a 404, or an
      // error the SDK could only call "Unknown", comes from something that is not STS.
      if (name === 'SyntaxError' || /Deserialization|Unexpected token|XML|parse/i.test(message) || (status !== undefined && status >= 500) || status === 404 || message === 'Unknown') {
        return new AwsmfaError(
          `STS at ${context.endpoint} gave an answer that is not an STS answer${status !== undefined ? ` (HTTP ${status})` : ''}, for ${describeCall(context)}`,
          {
            hint: isAwsEndpoint(context.endpoint)
              ? 'AWS may be having trouble; try again in a minute.'
              : `That endpoint comes from AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or endpoint_url in [${context.profile}]: check that it is STS.`,
            cause: error,
          },
        );
      }
      return new AwsmfaError(`${describeCall(context)} failed: AWS answered ${name ? `${name}: ` : ''}${message}`, {
        hint: `Run \`awsmfa doctor ${context.profile}\` to check the profile, the keys and the clock.`,
        cause: error,
      });
    }
  }
}

/** AWS refused the code itself: a caller that asked for it may ask for another. */
export class RefusedCodeError extends AwsmfaError {}

/** AWS does not know the device as one of the user's: a caller that asked for its ARN may ask again. */
export class UnknownDeviceError extends AwsmfaError {}

function explainAccessDenied(message: string, context: CallContext): AwsmfaError {
  if (/invalid MFA one time pass code/i.test(message)) {
    return new RefusedCodeError(`AWS refused the MFA code for ${context.serial ?? 'the device'} of [${context.profile}]: it is wrong, expired or already used (AccessDenied)`, {
      hint: 'Wait for the next code and try again; if every code fails, check the clock of the device and of this computer (`awsmfa doctor`).',
    });
  }
  if (/unable to validate MFA code|serial number/i.test(message)) {
    return new UnknownDeviceError(`AWS does not know the MFA device ${JSON.stringify(context.serial)} of [${context.profile}] as a device of the user whose key is in ${`[${context.keysProfile}] of ${context.keysFile}`} (AccessDenied)`, {
      hint: `Copy the ARN of that user's device from the IAM console (Security credentials → MFA) into mfa_serial of [${context.profile}].`,
    });
  }
  if (/session credentials/i.test(message)) {
    return new AwsmfaError(`the keys in [${context.keysProfile}] of ${context.keysFile} are session keys, and GetSessionToken needs an IAM user's long-term keys (AccessDenied)`, {
      hint: `Put the IAM user's long-term access key (AKIA…) in [${context.keysProfile}] of ${context.keysFile}.`,
    });
  }
  if (context.action === 'AssumeRole') {
    return new AwsmfaError(`AWS refused to let [${context.profile}] assume ${context.roleArn ?? 'the role'}: the role's trust policy or the user's permissions do not allow it (AccessDenied: ${message})`, {
      hint: context.serial === undefined
        ? `If the role's trust policy requires MFA, add mfa_serial to [${context.profile}] (or its source profile); also check external_id.`
        : 'Check the role\'s trust policy (principal, MFA condition, external_id) and the user\'s permission for sts:AssumeRole.',
    });
  }
  return new AwsmfaError(`AWS denied ${describeCall(context)} (AccessDenied: ${message})`, {
    hint: `Check the policies of the IAM user whose key is in [${context.keysProfile}] of ${context.keysFile}: GetSessionToken needs no permission, so a deny here comes from an explicit Deny.`,
  });
}
