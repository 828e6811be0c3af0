import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  JsonInput,
  SegmentedControl,
  Skeleton,
  Stack,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { toApiError } from '../../api/errors.js';
import { ErrorAlert } from './error-alert.js';
import { notifyDone } from './notify.js';
import { lineOfServerMessage } from './statement-line.js';

export interface ConfigSource {
  /** The document as text, or undefined when the bucket has none (its NoSuch… error). */
  load(): Promise<string | undefined>;
  save(text: string): Promise<unknown>;
  remove?(): Promise<unknown>;
}

/**
 * A form over a setting's document: it parses the text, shows rows of fields, and writes the text back on
 * every change, so the form and the raw view are two views of one document.
 */
export interface ConfigForm {
  /** The form for `text`; onChange gets the new document. */
  render(props: { text: string; onChange: (text: string) => void; readOnly: boolean }): ReactNode;
  /** Why `text` cannot be saved as it is (shown, Save disabled), or undefined. */
  validate(text: string): string | undefined;
}

/**
 * One bucket setting as an editable document (JSON or XML), round-tripping through the API: Load shows
 * what the server has, Save sends it back, and the server's refusal (MalformedXML, MalformedPolicy, …)
 * is shown with its Code, Message and RequestId.
 */
export function ConfigEditor({
  bucket,
  name,
  title,
  docUrl,
  description,
  format,
  template,
  source,
  noun = title.toLowerCase(),
  form,
  canWrite = true,
  tools,
}: {
  bucket: string;
  name: string;
  title: string;
  docUrl: string;
  description: ReactNode;
  format: 'json' | 'xml';
  /** What a new document starts as. */
  template: string;
  source: ConfigSource;
  /** How the buttons name it ("Save bucket tags"); the title in lower case unless given. */
  noun?: string;
  /** A form view (the default view when given); the raw document stays one click away. */
  form?: ConfigForm;
  /** False when the caller's policies allow reading the setting only: no Save, no Remove. */
  canWrite?: boolean;
  /** Shown above the editor when the caller may write (the policy's template picker). */
  tools?: (props: { text: string; setText: (text: string) => void; untouched: boolean }) => ReactNode;
}) {
  const [view, setView] = useState<'form' | 'raw'>(form ? 'form' : 'raw');
  const queryClient = useQueryClient();
  const queryKey = ['config', bucket, name];
  const current = useQuery({ queryKey, queryFn: async () => (await source.load()) ?? null });
  const [text, setText] = useState('');
  useEffect(() => {
    if (current.data !== undefined) setText(current.data ?? template);
  }, [current.data, template]);
  const done = (message: string) => () => {
    notifyDone(message);
    return queryClient.invalidateQueries({ queryKey });
  };
  const save = useMutation({ mutationFn: () => source.save(text), onSuccess: done(`${title} saved`) });
  const remove = useMutation({ mutationFn: () => source.remove!(), onSuccess: done(`${title} removed`) });
  const label = `${title} (${format.toUpperCase()})`;
  // A policy refusal names a statement ("Statement 2: …"): show it at that statement's line too.
  const refusal = save.isError ? toApiError(save.error) : undefined;
  const refusedLine = refusal && format === 'json' ? lineOfServerMessage(text, refusal.message) : undefined;
  const editorId = `config-${name}`;
  const invalid = form && current.isSuccess ? form.validate(text) : undefined;
  return (
    <Card withBorder data-testid={editorId}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} size="h5">
            {title}
          </Title>
          {current.isSuccess && (
            <Badge color={current.data === null ? 'gray.7' : 'teal.9'}>
              {current.data === null ? 'Not set' : 'Set'}
            </Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          {description}{' '}
          <Anchor href={docUrl} target="_blank" rel="noreferrer" size="sm" underline="always">
            Documentation
          </Anchor>
        </Text>
        {current.isPending && <Skeleton h={120} />}
        {current.isError && <ErrorAlert error={current.error} title={`${title} could not be read`} />}
        {tools &&
          canWrite &&
          current.isSuccess &&
          tools({ text, setText, untouched: current.data === null && text === template })}
        {form && current.isSuccess && (
          <SegmentedControl
            aria-label={`${title}: view`}
            value={view}
            onChange={(v) => setView(v as 'form' | 'raw')}
            data={[
              { value: 'form', label: 'Form' },
              { value: 'raw', label: format.toUpperCase() },
            ]}
            style={{ alignSelf: 'flex-start' }}
          />
        )}
        {form && current.isSuccess && view === 'form' && form.render({ text, onChange: setText, readOnly: !canWrite })}
        {current.isSuccess &&
          view === 'raw' &&
          (format === 'json' ? (
            <JsonInput
              id={editorId}
              label={label}
              value={text}
              onChange={setText}
              validationError="Not valid JSON"
              error={refusedLine !== undefined ? `Line ${refusedLine}: ${refusal?.message}` : undefined}
              autosize
              minRows={6}
              maxRows={20}
              readOnly={!canWrite}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            />
          ) : (
            <Textarea
              id={editorId}
              label={label}
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              autosize
              minRows={6}
              maxRows={20}
              spellCheck={false}
              readOnly={!canWrite}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            />
          ))}
        {invalid && (
          <Alert color="red" variant="light" role="status" data-testid={`${editorId}-invalid`}>
            {invalid}
          </Alert>
        )}
        {save.isError && <ErrorAlert error={save.error} title={`${title} was not saved`} />}
        {remove.isError && <ErrorAlert error={remove.error} title={`${title} was not removed`} />}
        {canWrite ? (
          <Group justify="flex-end" gap="xs">
            {source.remove && current.data !== null && (
              <Button variant="default" color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
                Remove {noun}
              </Button>
            )}
            <Button
              loading={save.isPending}
              disabled={!current.isSuccess || invalid !== undefined}
              onClick={() => save.mutate()}
            >
              Save {noun}
            </Button>
          </Group>
        ) : (
          <Text size="sm" c="dimmed" data-testid={`${editorId}-read-only`}>
            Your policies let you read this setting, not change it.
          </Text>
        )}
      </Stack>
    </Card>
  );
}

/** A read whose "not configured" error (NoSuchCORSConfiguration, NoSuchTagSet, …) means "none". */
export async function unlessMissing<T>(read: Promise<T>, missing: string[]): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (missing.includes(toApiError(err).code)) return undefined;
    throw err;
  }
}
