import { Button, Checkbox, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { ErrorAlert } from '../../../components/ui/error-alert.js';
import { notifyDone } from '../../../components/ui/notify.js';
import { useCreateBucket } from '../hooks.js';

/** COS bucket names: `<name>-<APPID>`, the name 1-50 of a-z, 0-9 and '-', not starting or ending with '-'. */
const NAME_RULE = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/;

export function CreateBucketModal({
  opened,
  onClose,
  appId,
  region,
}: {
  opened: boolean;
  onClose: () => void;
  appId: string;
  region: string;
}) {
  const [name, setName] = useState('');
  const [bucketRegion, setBucketRegion] = useState(region);
  const [acl, setAcl] = useState('private');
  const [versioning, setVersioning] = useState(false);
  const [objectLock, setObjectLock] = useState(false);
  const create = useCreateBucket();
  const nameError =
    name && !NAME_RULE.test(name)
      ? 'Lowercase letters, digits and hyphens; 1-50 characters; no hyphen at either end.'
      : undefined;
  const fullName = `${name || 'name'}-${appId}`;
  return (
    <Modal opened={opened} onClose={onClose} title="Create bucket">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!name || nameError) return;
          create.mutate(
            { bucket: fullName, region: bucketRegion, acl, versioning, objectLock },
            {
              onSuccess: () => {
                notifyDone(`Bucket ${fullName} created`);
                setName('');
                onClose();
              },
            },
          );
        }}
      >
        <Stack>
          <TextInput
            label="Bucket name"
            required
            data-autofocus
            value={name}
            onChange={(e) => setName(e.currentTarget.value.trim())}
            error={nameError}
            rightSection={
              <Text size="xs" c="dimmed">
                -{appId}
              </Text>
            }
            rightSectionWidth={110}
            description={
              <>
                A bucket is named <b>name-APPID</b>: the name you choose, then your account's APPID ({appId}). The full
                name will be <b>{fullName}</b>.
              </>
            }
          />
          <TextInput label="Region" value={bucketRegion} onChange={(e) => setBucketRegion(e.currentTarget.value)} />
          <Select
            label="Access permission (ACL)"
            value={acl}
            onChange={(v) => setAcl(v ?? 'private')}
            allowDeselect={false}
            data={[
              { value: 'private', label: 'Private read/write' },
              { value: 'public-read', label: 'Public read, private write' },
              { value: 'public-read-write', label: 'Public read/write' },
            ]}
          />
          <Checkbox
            label="Enable versioning"
            checked={versioning || objectLock}
            disabled={objectLock}
            onChange={(e) => setVersioning(e.currentTarget.checked)}
          />
          <Checkbox
            label="Enable object lock (needs versioning; cannot be turned off)"
            checked={objectLock}
            onChange={(e) => setObjectLock(e.currentTarget.checked)}
          />
          {create.isError && <ErrorAlert error={create.error} title="The bucket was not created" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!name || !!nameError}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
