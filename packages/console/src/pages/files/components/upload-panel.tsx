import { ActionIcon, Badge, Button, Group, Paper, Progress, ScrollArea, Stack, Text } from '@mantine/core';
import { useSyncExternalStore } from 'react';
import { formatBytes } from '../../../components/ui/format.js';
import { cancel, clearFinished, pause, resume, retry, snapshot, subscribe, type UploadTask } from '../upload-queue.js';

const STATE_COLORS: Record<string, string> = {
  success: 'teal.9',
  error: 'red.9',
  paused: 'yellow',
  canceled: 'gray.7',
  uploading: 'blue.9',
  waiting: 'gray.7',
};

function TaskRow({ task }: { task: UploadTask }) {
  const percent = task.size === 0 ? (task.state === 'success' ? 100 : 0) : Math.round((task.loaded / task.size) * 100);
  return (
    <Stack gap={2} data-testid="upload-task" data-state={task.state} data-key={task.key}>
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Text size="sm" truncate="end" title={task.key} style={{ flex: 1 }}>
          {task.key}
        </Text>
        <Badge size="sm" color={STATE_COLORS[task.state]}>
          {task.state}
        </Badge>
        {(task.state === 'uploading' || task.state === 'waiting') && task.taskId && (
          <ActionIcon size="sm" variant="default" onClick={() => pause(task)} aria-label={`Pause ${task.key}`}>
            ❚❚
          </ActionIcon>
        )}
        {task.state === 'paused' && (
          <ActionIcon size="sm" variant="default" onClick={() => resume(task)} aria-label={`Resume ${task.key}`}>
            ▶
          </ActionIcon>
        )}
        {task.state === 'error' && (
          <Button size="compact-xs" variant="default" onClick={() => retry(task)}>
            Retry
          </Button>
        )}
        {task.state !== 'success' && task.state !== 'canceled' && (
          <ActionIcon
            size="sm"
            variant="default"
            color="red"
            onClick={() => cancel(task)}
            aria-label={`Cancel ${task.key}`}
          >
            ✕
          </ActionIcon>
        )}
      </Group>
      <Progress value={percent} size="sm" aria-label={`${task.key} progress`} animated={task.state === 'uploading'} />
      <Text size="xs" c="dimmed">
        {formatBytes(task.loaded)} of {formatBytes(task.size)} ({percent}%)
        {task.state === 'uploading' && task.speed > 0 ? ` · ${formatBytes(task.speed)}/s` : ''}
        {task.error
          ? ` · ${task.error.code}: ${task.error.message}${task.error.requestId ? ` (RequestId ${task.error.requestId})` : ''}`
          : ''}
      </Text>
    </Stack>
  );
}

/** Per-task and total progress of the upload queue. */
export function UploadPanel() {
  const tasks = useSyncExternalStore(subscribe, snapshot);
  if (tasks.length === 0) return null;
  const total = tasks.filter((t) => t.state !== 'canceled').reduce((s, t) => s + t.size, 0);
  const loaded = tasks.filter((t) => t.state !== 'canceled').reduce((s, t) => s + t.loaded, 0);
  const done = tasks.filter((t) => t.state === 'success').length;
  const speed = tasks.reduce((s, t) => s + (t.state === 'uploading' ? t.speed : 0), 0);
  return (
    <Paper withBorder p="sm" aria-label="Uploads" component="section">
      <Group justify="space-between" mb="xs">
        <Text fw={600} size="sm" data-testid="upload-summary">
          Uploads: {done} of {tasks.length} done · {formatBytes(loaded)} of {formatBytes(total)}
          {speed > 0 ? ` · ${formatBytes(speed)}/s` : ''}
        </Text>
        <Button size="compact-xs" variant="subtle" onClick={clearFinished}>
          Clear finished
        </Button>
      </Group>
      <Progress value={total ? (loaded / total) * 100 : 0} mb="sm" aria-label="Total upload progress" />
      <ScrollArea.Autosize mah={220} viewportProps={{ tabIndex: 0, 'aria-label': 'Upload tasks' }}>
        <Stack gap="xs">
          {tasks.map((t) => (
            <TaskRow key={t.id} task={t} />
          ))}
        </Stack>
      </ScrollArea.Autosize>
    </Paper>
  );
}
