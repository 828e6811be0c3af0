import { Button, Card, Group, Radio, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { cos } from '../../api/session.js';
import { ConfigEditor, unlessMissing } from '../../components/ui/config-editor.js';
import { ErrorAlert } from '../../components/ui/error-alert.js';
import { notifyDone } from '../../components/ui/notify.js';
import type { TabProps } from '../bucket/tab-props.js';
import { objectLockForm } from './forms.js';
import { xmlSource } from './sources.js';

const OBJECT_LOCK_TEMPLATE = `<ObjectLockConfiguration>
  <ObjectLockEnabled>Enabled</ObjectLockEnabled>
  <Rule>
    <DefaultRetention>
      <Mode>GOVERNANCE</Mode>
      <Days>30</Days>
    </DefaultRetention>
  </Rule>
</ObjectLockConfiguration>`;

/** Default encryption: SSE-COS (AES256) for every new object, or none. */
function EncryptionCard({ bucket, region, canWrite }: { bucket: string; region: string; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const queryKey = ['config', bucket, 'encryption'];
  const current = useQuery({
    queryKey,
    queryFn: async () => {
      const got = await unlessMissing(cos().getBucketEncryption({ Bucket: bucket, Region: region }), [
        'NoSuchEncryptionConfiguration',
        'ServerSideEncryptionConfigurationNotFoundError',
      ]);
      return got?.EncryptionConfiguration.Rules[0]?.ApplyServerSideEncryptionByDefault.SSEAlgorithm ?? 'none';
    },
  });
  const [value, setValue] = useState('none');
  useEffect(() => {
    if (current.data) setValue(current.data);
  }, [current.data]);
  const save = useMutation({
    mutationFn: () =>
      value === 'none'
        ? cos().deleteBucketEncryption({ Bucket: bucket, Region: region })
        : cos().putBucketEncryption({
            Bucket: bucket,
            Region: region,
            ServerSideEncryptionConfiguration: {
              Rule: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: value } }],
            },
          }),
    onSuccess: () => {
      notifyDone('Default encryption saved');
      return queryClient.invalidateQueries({ queryKey });
    },
  });
  return (
    <Card withBorder data-testid="config-encryption">
      <Stack gap="xs">
        <Title order={3} size="h5">
          Default encryption
        </Title>
        <Text size="sm" c="dimmed">
          Encrypts every new object at rest unless its upload asks otherwise (
          <a
            href="https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html"
            target="_blank"
            rel="noreferrer"
          >
            documentation
          </a>
          ).
        </Text>
        {current.isError && <ErrorAlert error={current.error} title="The encryption could not be read" />}
        <Radio.Group value={value} onChange={setValue} label="Server-side encryption" name="bucket-encryption">
          <Group mt={6}>
            <Radio value="none" label="None" disabled={!canWrite} />
            <Radio value="AES256" label="SSE-COS (AES-256)" disabled={!canWrite} />
          </Group>
        </Radio.Group>
        {save.isError && <ErrorAlert error={save.error} title="The encryption was not saved" />}
        {canWrite && (
          <Group justify="flex-end">
            <Button loading={save.isPending} disabled={!current.isSuccess} onClick={() => save.mutate()}>
              Save encryption
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

/** Security, as the COS console groups it: default encryption and object lock. */
export function SecurityPage({ bucket, region, can }: TabProps) {
  return (
    <Stack>
      <EncryptionCard bucket={bucket} region={region} canWrite={can('PutBucketEncryption')} />
      <ConfigEditor
        bucket={bucket}
        name="object-lock"
        title="Object lock"
        format="xml"
        docUrl="https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html"
        description="A default retention (GOVERNANCE or COMPLIANCE, in days or years) for new object versions. It needs versioning, and once enabled it cannot be turned off."
        template={OBJECT_LOCK_TEMPLATE}
        source={{
          ...xmlSource(bucket, 'object-lock', [
            'ObjectLockConfigurationNotFoundError',
            'NoSuchObjectLockConfiguration',
          ]),
          remove: undefined,
        }}
        form={objectLockForm}
        canWrite={can('PutObjectLockConfiguration')}
      />
    </Stack>
  );
}
