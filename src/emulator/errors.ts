/** The STS faults the emulator answers with: AWS's codes, HTTP statuses and message texts. */

export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = 'StsError';
  }
}

export const accessDenied = (message: string) => new StsError('AccessDenied', message, 403);

export const invalidClientTokenId = () =>
  new StsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);

export const expiredToken = () =>
  new StsError('ExpiredToken', 'The security token included in the request is expired', 403);

export const signatureDoesNotMatch = (message: string) => new StsError('SignatureDoesNotMatch', message, 403);

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export const incompleteSignature = (message: string) => new StsError('IncompleteSignature', message, 400);

export const missingAuthenticationToken = () =>
  new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);

export const validationError = (message: string) => new StsError('ValidationError', message, 400);

export const invalidAction = (message: string) => new StsError('InvalidAction', message, 400);

export const MFA_SERIAL_INVALID_MESSAGE =
  'MultiFactorAuthentication failed, unable to validate MFA code. ' +
  'Please verify your MFA serial number is valid and associated with this user.';

export const MFA_CODE_INVALID_MESSAGE = 'MultiFactorAuthentication failed with invalid MFA one time pass code. ';
