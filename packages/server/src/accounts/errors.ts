/**
 * Errors of the admin API that have no COS/S3 code (the S3 table, S3_ERROR_STATUS, is for the
 * object API). Codes follow CAM/IAM naming; the admin API renders them as JSON like S3Errors.
 */
export const ACCOUNTS_ERROR_STATUS = {
  NoSuchUser: 404,
  NoSuchAccessKey: 404,
  NoSuchUserPolicy: 404,
  UserAlreadyExists: 409,
  LimitExceeded: 409,
  NoSuchAccount: 404,
  AccountAlreadyExists: 409,
  AccountNotEmpty: 409,
  OperatorAccount: 409,
} as const satisfies Record<string, number>;

export type AccountsErrorCode = keyof typeof ACCOUNTS_ERROR_STATUS;

export class AccountsError extends Error {
  readonly status: number;
  constructor(
    readonly code: AccountsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccountsError';
    this.status = ACCOUNTS_ERROR_STATUS[code];
  }
}
