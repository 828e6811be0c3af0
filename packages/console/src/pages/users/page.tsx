import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  JsonInput,
  Modal,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useState } from 'react';
import { useWhoami } from '../../api/permissions.js';
import { ConfirmModal } from '../../components/ui/confirm-modal.js';
import { ErrorAlert } from '../../components/ui/error-alert.js';
import { formatDate } from '../../components/ui/format.js';
import { notifyDone, notifyError } from '../../components/ui/notify.js';
import { PageHeader } from '../../components/ui/page-header.js';
import { useBuckets } from '../buckets/hooks.js';
import {
  type NewKey,
  useCreateKey,
  useCreateUser,
  useDeleteKey,
  useDeletePolicy,
  useDeleteUser,
  usePolicy,
  usePutPolicy,
  useUser,
  useUsers,
} from './hooks.js';
import { cosReadOnlyBucket, cosUploaderToPrefix, readOnlyBucket, uploaderToPrefix } from './policy-templates.js';

/** The secret, shown once: the server keeps it encrypted and never returns it again. */
function NewKeyModal({ created, onClose }: { created: NewKey; onClose: () => void }) {
  return (
    <Modal opened onClose={onClose} title="Access key created" closeOnClickOutside={false}>
      <Stack>
        <Alert color="yellow" variant="light">
          Copy the SecretKey now: it is shown only this once.
        </Alert>
        <Text size="sm">SecretId</Text>
        <Code data-testid="new-secret-id">{created.secretId}</Code>
        <Text size="sm">SecretKey</Text>
        <Code data-testid="new-secret-key">{created.secretKey}</Code>
        <Group justify="flex-end">
          <CopyButton value={`SecretId: ${created.secretId}\nSecretKey: ${created.secretKey}`}>
            {({ copied, copy }) => <Button onClick={copy}>{copied ? 'Copied' : 'Copy both'}</Button>}
          </CopyButton>
          <Button variant="default" onClick={onClose}>
            Done
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function PolicyEditor({ uin, initialName, onDone }: { uin: string; initialName?: string; onDone: () => void }) {
  const buckets = useBuckets();
  const [name, setName] = useState(initialName ?? 'read-only');
  const existing = usePolicy(uin, initialName);
  const [text, setText] = useState('');
  const put = usePutPolicy(uin);
  const bucketNames = (buckets.data ?? []).map((b) => b.Name);
  const [bucket, setBucket] = useState<string | null>(bucketNames[0] ?? null);
  const [syntax, setSyntax] = useState<'s3' | 'cos'>('cos');
  // COS syntax names the bucket with the account's APPID (from the server) and the bucket's region.
  const who = useWhoami([]);
  const appId = who.data?.appId;
  const region = buckets.data?.find((b) => b.Name === bucket)?.Location ?? 'ap-guangzhou';
  const shown = text || (existing.data ? JSON.stringify(existing.data, null, 2) : '');
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={4}>{initialName ? `Policy ${initialName}` : 'Attach a policy'}</Title>
        <TextInput
          label="Policy name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          disabled={!!initialName}
        />
        <Group align="end">
          <Select label="Template bucket" data={bucketNames} value={bucket} onChange={setBucket} w={260} />
          <SegmentedControl
            aria-label="Template syntax"
            value={syntax}
            onChange={(v) => setSyntax(v as 's3' | 'cos')}
            data={[
              { value: 'cos', label: 'COS syntax' },
              { value: 's3', label: 'S3 syntax' },
            ]}
          />
          <Button
            variant="default"
            disabled={!bucket || (syntax === 'cos' && !appId)}
            onClick={() =>
              setText(
                JSON.stringify(
                  syntax === 'cos' ? cosReadOnlyBucket(bucket!, region, appId!) : readOnlyBucket(bucket!),
                  null,
                  2,
                ),
              )
            }
          >
            Read-only on the bucket
          </Button>
          <Button
            variant="default"
            disabled={!bucket || (syntax === 'cos' && !appId)}
            onClick={() =>
              setText(
                JSON.stringify(
                  syntax === 'cos'
                    ? cosUploaderToPrefix(bucket!, region, appId!, 'uploads/')
                    : uploaderToPrefix(bucket!, 'uploads/'),
                  null,
                  2,
                ),
              )
            }
          >
            Uploader to uploads/
          </Button>
        </Group>
        <JsonInput
          label="Policy document"
          value={shown}
          onChange={setText}
          autosize
          minRows={8}
          validationError="Not valid JSON"
        />
        {put.isError && <ErrorAlert error={put.error} title="The policy was refused" />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button
            loading={put.isPending}
            onClick={() => {
              let document: unknown;
              try {
                document = JSON.parse(shown);
              } catch {
                return;
              }
              put.mutate(
                { name, document },
                {
                  onSuccess: () => {
                    notifyDone(`Policy ${name} saved`);
                    onDone();
                  },
                },
              );
            }}
          >
            Save policy
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function UserDetail({ uin }: { uin: string }) {
  const user = useUser(uin);
  const createKey = useCreateKey(uin);
  const deleteKey = useDeleteKey(uin);
  const deletePolicy = useDeletePolicy(uin);
  const [created, setCreated] = useState<NewKey | undefined>();
  const [editing, setEditing] = useState<{ name?: string } | undefined>();
  if (user.isError) return <ErrorAlert error={user.error} />;
  if (!user.data) return <Text c="dimmed">Loading…</Text>;
  return (
    <Stack>
      <Title order={3} size="h4">
        {user.data.name}
      </Title>
      <Text size="xs" c="dimmed">
        {user.data.ownerId}
      </Text>
      <Group justify="space-between">
        <Text fw={600}>Access keys</Text>
        <Button
          size="xs"
          loading={createKey.isPending}
          disabled={user.data.keys.length >= 2}
          onClick={() =>
            createKey.mutate(undefined, { onSuccess: setCreated, onError: (e) => notifyError('No key was created', e) })
          }
        >
          Create key
        </Button>
      </Group>
      <Table aria-label="Access keys">
        <Table.Tbody>
          {user.data.keys.map((k) => (
            <Table.Tr key={k.secretId}>
              <Table.Td>
                <Code>{k.secretId}</Code>
              </Table.Td>
              <Table.Td>{formatDate(k.createdAt)}</Table.Td>
              <Table.Td>
                <Button
                  size="xs"
                  variant="subtle"
                  color="red"
                  onClick={() => deleteKey.mutate(k.secretId)}
                  aria-label={`Delete key ${k.secretId}`}
                >
                  Delete
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {user.data.keys.length === 0 && (
        <Text size="sm" c="dimmed">
          No keys: the user cannot sign in yet.
        </Text>
      )}
      <Group justify="space-between">
        <Text fw={600}>Policies</Text>
        <Button size="xs" variant="light" onClick={() => setEditing({})}>
          Attach policy
        </Button>
      </Group>
      {user.data.policies.map((p) => (
        <Group key={p} justify="space-between">
          <Code>{p}</Code>
          <Group gap="xs">
            <Button size="xs" variant="subtle" onClick={() => setEditing({ name: p })}>
              Edit
            </Button>
            <Button size="xs" variant="subtle" color="red" onClick={() => deletePolicy.mutate(p)}>
              Detach
            </Button>
          </Group>
        </Group>
      ))}
      {user.data.policies.length === 0 && (
        <Text size="sm" c="dimmed">
          No policies: the user may do nothing.
        </Text>
      )}
      {editing && (
        <PolicyEditor
          uin={uin}
          {...(editing.name ? { initialName: editing.name } : {})}
          onDone={() => setEditing(undefined)}
        />
      )}
      {created && <NewKeyModal created={created} onClose={() => setCreated(undefined)} />}
    </Stack>
  );
}

/** Users and keys (root only): sub-users, their access keys and their policies, through /-/admin. */
export function UsersPage() {
  const users = useUsers();
  const createUser = useCreateUser();
  const deleteUser = useDeleteUser();
  const [name, setName] = useState('');
  const [selected, setSelected] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<{ uin: string; name: string } | undefined>();
  return (
    <Stack>
      <PageHeader title="Users and keys" />
      {users.isError && <ErrorAlert error={users.error} title="Only the account root may manage users" />}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Stack>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (!name) return;
              createUser.mutate(name, {
                onSuccess: (u) => {
                  setName('');
                  setSelected(u.uin);
                },
              });
            }}
          >
            <Group align="end">
              <TextInput
                label="New user name"
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                style={{ flex: 1 }}
              />
              <Button type="submit" loading={createUser.isPending}>
                Create user
              </Button>
            </Group>
          </form>
          {createUser.isError && <ErrorAlert error={createUser.error} title="The user was not created" />}
          <Table highlightOnHover aria-label="Users">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Uin</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data?.map((u) => (
                <Table.Tr key={u.uin} bg={selected === u.uin ? 'var(--mantine-color-default-hover)' : undefined}>
                  <Table.Td>
                    <Button variant="subtle" size="compact-sm" onClick={() => setSelected(u.uin)}>
                      {u.name}
                    </Button>
                  </Table.Td>
                  <Table.Td>{u.uin}</Table.Td>
                  <Table.Td>{formatDate(u.createdAt)}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      aria-label={`Delete user ${u.name}`}
                      onClick={() => setDeleting(u)}
                    >
                      Delete
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {users.data?.length === 0 && <Text c="dimmed">No sub-users yet.</Text>}
          {deleting && (
            <ConfirmModal
              title={`Delete user ${deleting.name}`}
              confirmLabel="Delete user"
              pending={deleteUser.isPending}
              error={deleteUser.error}
              onClose={() => setDeleting(undefined)}
              onConfirm={() =>
                deleteUser.mutate(deleting.uin, {
                  onSuccess: () => {
                    notifyDone(`User ${deleting.name} deleted`);
                    if (selected === deleting.uin) setSelected(undefined);
                    setDeleting(undefined);
                  },
                })
              }
            >
              <Text>
                Delete <b>{deleting.name}</b> with its access keys and policies? Requests signed with its keys fail from
                then on.
              </Text>
            </ConfirmModal>
          )}
        </Stack>
        <Paper withBorder p="md">
          {selected ? (
            <UserDetail uin={selected} />
          ) : (
            <Text c="dimmed">Select a user to see its keys and policies.</Text>
          )}
        </Paper>
      </SimpleGrid>
    </Stack>
  );
}
