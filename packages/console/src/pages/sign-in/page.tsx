import { Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { signIn } from '../../api/session.js';
import { ErrorAlert } from '../../components/ui/error-alert.js';

export function SignInPage() {
  const [secretId, setSecretId] = useState('');
  const [secretKey, setSecretKey] = useState('');
  const [region, setRegion] = useState('ap-guangzhou');
  const mutation = useMutation({ mutationFn: () => signIn(secretId, secretKey, region) });
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder p="xl" w={420} maw="100%" shadow="sm">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            mutation.mutate();
          }}
        >
          <Stack>
            <Title order={1} size="h3">
              Sign in to Coffer
            </Title>
            <Text size="sm" c="dimmed">
              Use the root key (printed by <code>coffer server</code>) or a sub-user's key. The console exchanges it for
              temporary credentials and keeps only those, for this tab.
            </Text>
            <TextInput
              label="SecretId"
              required
              autoComplete="username"
              value={secretId}
              onChange={(e) => setSecretId(e.currentTarget.value)}
            />
            <PasswordInput
              label="SecretKey"
              required
              autoComplete="current-password"
              value={secretKey}
              onChange={(e) => setSecretKey(e.currentTarget.value)}
            />
            <TextInput
              label="Region"
              description="The server's region (coffer server --region)"
              value={region}
              onChange={(e) => setRegion(e.currentTarget.value)}
            />
            {mutation.isError && <ErrorAlert error={mutation.error} title="Sign-in failed" />}
            <Button type="submit" loading={mutation.isPending}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
