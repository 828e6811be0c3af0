import { Group, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A page's heading with its actions on the right (wrapping under it on a phone). */
export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <Group justify="space-between" gap="sm">
      <Title order={2}>{title}</Title>
      {children && <Group gap="xs">{children}</Group>}
    </Group>
  );
}
