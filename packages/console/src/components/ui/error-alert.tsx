import { Alert, Code, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { type ApiError, toApiError } from '../../api/errors.js';

/** Every failure the same way: the server's Code, Message and RequestId. */
export function ErrorAlert({ error, title, children }: { error: unknown; title?: string; children?: ReactNode }) {
  const e: ApiError = toApiError(error);
  return (
    <Alert color="red" title={title ?? 'The request failed'} role="alert" variant="light">
      <ErrorDetails error={e} />
      {children}
    </Alert>
  );
}

export function ErrorDetails({ error }: { error: ApiError }) {
  return (
    <Text size="sm" component="div" data-testid="error-details">
      <div>
        Code: <Code>{error.code}</Code>
      </div>
      <div>Message: {error.message}</div>
      {error.requestId && (
        <div>
          RequestId: <Code>{error.requestId}</Code>
        </div>
      )}
    </Text>
  );
}
