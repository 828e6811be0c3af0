import { Button, Group, Modal, Stack } from '@mantine/core';
import type { ReactNode } from 'react';
import { ErrorAlert } from './error-alert.js';

/**
 * Asks before an action that cannot be undone: what it does (children), Cancel, and the action's button.
 * While it runs the dialog stays open (and cannot be dismissed); a refusal is shown in it with the
 * server's Code, Message and RequestId.
 */
export function ConfirmModal({
  title,
  children,
  confirmLabel,
  onConfirm,
  onClose,
  pending = false,
  error,
  opened = true,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  pending?: boolean;
  error?: unknown;
  opened?: boolean;
}) {
  return (
    <Modal opened={opened} onClose={() => !pending && onClose()} title={title}>
      <Stack>
        {children}
        {error !== undefined && error !== null && <ErrorAlert error={error} />}
        <Group justify="flex-end">
          <Button variant="default" disabled={pending} onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={pending} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
