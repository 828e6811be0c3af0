import { notifications } from '@mantine/notifications';
import { toApiError } from '../../api/errors.js';
import { ErrorDetails } from './error-alert.js';

export function notifyError(title: string, err: unknown): void {
  notifications.show({ color: 'red', title, message: <ErrorDetails error={toApiError(err)} />, autoClose: 12_000 });
}

export function notifyDone(message: string): void {
  notifications.show({ color: 'green', message, autoClose: 3_000 });
}
