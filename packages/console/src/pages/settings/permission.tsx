import { Button, Card, Group, Radio, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useCan } from '../../api/permissions.js';
import { cos } from '../../api/session.js';
import { ConfigEditor } from '../../components/ui/config-editor.js';
import { ErrorAlert } from '../../components/ui/error-alert.js';
import { notifyDone } from '../../components/ui/notify.js';
import type { TabProps } from '../bucket/tab-props.js';
import { corsForm, refererForm } from './forms.js';
import { COS_POLICY_TEMPLATES, insertTemplate, type PolicyScope } from './policy-templates.js';
import { corsSource, policySource, xmlSource } from './sources.js';

const POLICY_TEMPLATE = (bucket: string) =>
  JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'public-read',
          Effect: 'Allow',
          Principal: '*',
          Action: ['s3:GetObject'],
          Resource: [`arn:aws:s3:::${bucket}/*`],
        },
      ],
    },
    null,
    2,
  );

const CORS_TEMPLATE = JSON.stringify(
  [
    {
      AllowedOrigins: ['https://www.example.com'],
      AllowedMethods: ['GET', 'PUT', 'POST', 'HEAD'],
      AllowedHeaders: ['*'],
      ExposeHeaders: ['ETag'],
      MaxAgeSeconds: 600,
    },
  ],
  null,
  2,
);

const REFERER_TEMPLATE = `<RefererConfiguration>
  <Status>Enabled</Status>
  <RefererType>White-List</RefererType>
  <DomainList>
    <Domain>*.example.com</Domain>
  </DomainList>
  <EmptyReferConfiguration>Allow</EmptyReferConfiguration>
</RefererConfiguration>`;

const CANNED = [
  { value: 'private', label: 'Private', help: 'Only the owner and users its policies allow.' },
  { value: 'public-read', label: 'Public Read/Private Write', help: 'Anyone may read objects; writing needs a key.' },
  {
    value: 'public-read-write',
    label: 'Public Read/Write',
    help: 'Anyone may read, write and delete objects: not recommended.',
  },
];

/** The bucket ACL: the canned ACL as COS's console offers it, and the grants the server reports. */
function BucketAclCard({ bucket, region, canWrite }: { bucket: string; region: string; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const acl = useQuery({
    queryKey: ['config', bucket, 'acl'],
    queryFn: () => cos().getBucketAcl({ Bucket: bucket, Region: region }),
  });
  const [value, setValue] = useState('private');
  useEffect(() => {
    if (acl.data) setValue(acl.data.ACL || 'private');
  }, [acl.data]);
  const save = useMutation({
    mutationFn: () => cos().putBucketAcl({ Bucket: bucket, Region: region, ACL: value }),
    onSuccess: () => {
      notifyDone('Bucket ACL saved');
      return queryClient.invalidateQueries({ queryKey: ['config', bucket, 'acl'] });
    },
  });
  return (
    <Card withBorder data-testid="config-acl">
      <Stack gap="xs">
        <Title order={3} size="h5">
          Bucket ACL
        </Title>
        {acl.isError && <ErrorAlert error={acl.error} title="The ACL could not be read" />}
        <Radio.Group value={value} onChange={setValue} label="Public access" name="bucket-acl">
          <Stack gap={6} mt={6}>
            {CANNED.map((c) => (
              <Radio key={c.value} value={c.value} label={c.label} description={c.help} disabled={!canWrite} />
            ))}
          </Stack>
        </Radio.Group>
        {acl.data && acl.data.Grants.length > 0 && (
          <Table.ScrollContainer minWidth={360}>
            <Table aria-label="Grants">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Grantee</Table.Th>
                  <Table.Th>Permission</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {acl.data.Grants.map((g) => (
                  <Table.Tr key={`${g.Grantee.ID ?? g.Grantee.URI}-${g.Permission}`}>
                    <Table.Td style={{ wordBreak: 'break-all' }}>
                      {g.Grantee.DisplayName ?? g.Grantee.ID ?? g.Grantee.URI}
                    </Table.Td>
                    <Table.Td>{g.Permission}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {save.isError && <ErrorAlert error={save.error} title="The ACL was not saved" />}
        {canWrite && (
          <Group justify="flex-end">
            <Button loading={save.isPending} disabled={!acl.isSuccess} onClick={() => save.mutate()}>
              Save ACL
            </Button>
          </Group>
        )}
        <Text size="xs" c="dimmed">
          Policies are the finer tool: see the bucket policy below.
        </Text>
      </Stack>
    </Card>
  );
}

/** Picks a COS-syntax template (policy-templates.ts) and inserts its statements into the policy being edited. */
function PolicyTemplatePicker({
  scope,
  text,
  setText,
}: {
  scope: PolicyScope | undefined;
  text: string;
  setText: (text: string) => void;
}) {
  const [choice, setChoice] = useState<string | null>(null);
  const [input, setInput] = useState('');
  const template = COS_POLICY_TEMPLATES.find((t) => t.value === choice);
  const missing = template?.input !== undefined && input.trim() === '';
  return (
    <Group align="end" gap="xs" data-testid="policy-templates">
      <Select
        label="Insert a template (COS syntax)"
        placeholder="Choose a template"
        data={COS_POLICY_TEMPLATES.map((t) => ({ value: t.value, label: t.label }))}
        value={choice}
        onChange={(v) => {
          setChoice(v);
          setInput(COS_POLICY_TEMPLATES.find((t) => t.value === v)?.input?.defaultValue ?? '');
        }}
        description={template?.description ?? 'Its statements are added to the policy below.'}
        w={300}
      />
      {template?.input && (
        <TextInput
          label={template.input.label}
          placeholder={template.input.placeholder}
          value={input}
          onChange={(e) => setInput(e.currentTarget.value)}
          w={260}
        />
      )}
      <Button
        variant="default"
        disabled={!template || !scope || missing}
        onClick={() => template && scope && setText(insertTemplate(text, template.build(scope, input)))}
      >
        Insert template
      </Button>
    </Group>
  );
}

/** Permission Management, as in the COS console: ACL, bucket policy, CORS, hotlink protection (referer). */
export function PermissionPage({ bucket, region, can }: TabProps) {
  const { who } = useCan(bucket);
  const scope = who && { bucket, region, appId: who.appId, ownerUin: who.accountUin };
  return (
    <Stack>
      <BucketAclCard bucket={bucket} region={region} canWrite={can('PutBucketAcl')} />
      <ConfigEditor
        bucket={bucket}
        name="policy"
        title="Bucket policy"
        format="json"
        docUrl="https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html"
        description="Who may do what in this bucket (COS or S3 policy syntax); the server checks it and says what is wrong."
        template={POLICY_TEMPLATE(bucket)}
        source={policySource(bucket, region)}
        canWrite={can('PutBucketPolicy')}
        tools={({ text, setText, untouched }) => (
          // A bucket without a policy shows a starting template: a chosen template replaces it.
          <PolicyTemplatePicker scope={scope} text={untouched ? '' : text} setText={setText} />
        )}
      />
      <ConfigEditor
        bucket={bucket}
        name="cors"
        title="CORS rules"
        noun="CORS rules"
        format="json"
        docUrl="https://www.tencentcloud.com/document/product/436/8279"
        description="Which web pages (origins) may call this bucket from a browser, with which methods and headers."
        template={CORS_TEMPLATE}
        source={corsSource(bucket, region)}
        form={corsForm}
        canWrite={can('PutBucketCors')}
      />
      <ConfigEditor
        bucket={bucket}
        name="referer"
        title="Hotlink protection"
        format="xml"
        docUrl="https://www.tencentcloud.com/document/product/436/31423"
        description="A Referer allow or block list for browser requests (anonymous and presigned); signed API calls are not affected."
        template={REFERER_TEMPLATE}
        source={xmlSource(bucket, 'referer', ['NoSuchRefererConfiguration'])}
        form={refererForm}
        canWrite={can('PutBucketReferer')}
      />
    </Stack>
  );
}
