import {
  Button,
  Code,
  CopyButton,
  Group,
  Image,
  Modal,
  ScrollArea,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmModal } from '../../../components/ui/confirm-modal.js';
import { ErrorAlert } from '../../../components/ui/error-alert.js';
import { formatBytes } from '../../../components/ui/format.js';
import { type ObjectModalProps, shareUrl, useDeleteObject } from '../hooks.js';

const IMAGE = /\.(png|jpe?g|gif|webp|svg|bmp|avif)$/i;
const TEXT = /\.(txt|md|json|csv|log|xml|ya?ml|html?|css|js|ts)$/i;
const VIDEO = /\.(mp4|webm|ogv|mov)$/i;
const AUDIO = /\.(mp3|wav|ogg|oga|flac|m4a)$/i;
/** Largest text shown inline: a preview, not a download. */
const TEXT_PREVIEW_BYTES = 256 * 1024;

export function canPreview(name: string): boolean {
  return IMAGE.test(name) || TEXT.test(name) || VIDEO.test(name) || AUDIO.test(name) || /\.pdf$/i.test(name);
}

/** Preview by presigned URL: the browser fetches the object itself, nothing passes through the page. */
export function PreviewModal({ bucket, region, file, onClose }: ObjectModalProps) {
  const url = shareUrl(bucket, region, file.key, 900);
  const text = useQuery({
    queryKey: ['preview', bucket, file.key, file.etag],
    enabled: TEXT.test(file.name),
    queryFn: async () => {
      const res = await fetch(url, { headers: { range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` } });
      if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
      const body = await res.text();
      if (/\.json$/i.test(file.name)) {
        try {
          return JSON.stringify(JSON.parse(body), null, 2);
        } catch {
          return body;
        }
      }
      return body;
    },
  });
  return (
    <Modal opened onClose={onClose} title={`Preview: ${file.name}`} size="xl">
      {IMAGE.test(file.name) && (
        <Image src={url} alt={file.name} fit="contain" mah="70vh" data-testid="preview-image" />
      )}
      {VIDEO.test(file.name) && (
        // biome-ignore lint/a11y/useMediaCaption: user files carry no caption track
        <video src={url} controls style={{ width: '100%' }} />
      )}
      {AUDIO.test(file.name) && (
        // biome-ignore lint/a11y/useMediaCaption: user files carry no caption track
        <audio src={url} controls style={{ width: '100%' }} />
      )}
      {/\.pdf$/i.test(file.name) && (
        <iframe src={url} title={file.name} style={{ width: '100%', height: '70vh', border: 0 }} />
      )}
      {TEXT.test(file.name) && (
        <ScrollArea.Autosize mah="70vh" viewportProps={{ tabIndex: 0 }}>
          {text.isError ? <ErrorAlert error={text.error} /> : <Code block>{text.data ?? 'Loading…'}</Code>}
          {file.size > TEXT_PREVIEW_BYTES && (
            <Text size="xs" c="dimmed">
              The first {formatBytes(TEXT_PREVIEW_BYTES)} of {formatBytes(file.size)}.
            </Text>
          )}
        </ScrollArea.Autosize>
      )}
    </Modal>
  );
}

const EXPIRY = [
  { value: '900', label: '15 minutes' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days' },
];

/** A presigned link. Made with the session's temporary credentials, it also stops working when they expire. */
export function ShareModal({ bucket, region, file, onClose }: ObjectModalProps) {
  const [expires, setExpires] = useState('3600');
  const url = shareUrl(bucket, region, file.key, Number(expires));
  return (
    <Modal opened onClose={onClose} title={`Share link: ${file.name}`} size="lg">
      <Stack>
        <Select
          label="Link valid for"
          data={EXPIRY}
          value={expires}
          onChange={(v) => setExpires(v ?? '3600')}
          allowDeselect={false}
        />
        <TextInput
          label="Link"
          value={url}
          readOnly
          data-testid="share-url"
          onFocus={(e) => e.currentTarget.select()}
        />
        <Text size="xs" c="dimmed">
          The link is signed with this session's temporary credentials: it stops working when they expire (at the latest
          when you sign out and they run out), whichever comes first.
        </Text>
        <Group justify="flex-end">
          <CopyButton value={url}>
            {({ copied, copy }) => <Button onClick={copy}>{copied ? 'Copied' : 'Copy link'}</Button>}
          </CopyButton>
        </Group>
      </Stack>
    </Modal>
  );
}

export function DeleteFileModal({ bucket, region, file, onClose }: ObjectModalProps) {
  const remove = useDeleteObject(bucket, region);
  return (
    <ConfirmModal
      title={`Delete ${file.name}`}
      confirmLabel="Delete"
      pending={remove.isPending}
      error={remove.error}
      onClose={onClose}
      onConfirm={() => remove.mutate(file.key, { onSuccess: onClose })}
    >
      <Text>
        Delete <b>{file.key}</b> ({formatBytes(file.size)})? With versioning on, it becomes a previous version you can
        restore.
      </Text>
    </ConfirmModal>
  );
}
