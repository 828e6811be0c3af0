import {
  ActionIcon,
  AppShell,
  Burger,
  Button,
  Group,
  NavLink,
  Text,
  Title,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { currentSession, onSessionChange, signOut } from './api/session.js';
import { lazyPage } from './components/ui/lazy-page.js';
import { BucketsPage } from './pages/buckets/page.js';
import { SignInPage } from './pages/sign-in/page.js';

// Code-split: the first screen (sign-in, Bucket List) loads alone; a bucket's pages and Users come on demand.
const BucketPage = lazyPage(() => import('./pages/bucket/page.js').then((m) => m.BucketPage));
const UsersPage = lazyPage(() => import('./pages/users/page.js').then((m) => m.UsersPage));
// Fetched while the app boots (not part of the initial script): opening a bucket, or a bucket's URL, waits for
// no second round trip.
void BucketPage.preload();

function useSession() {
  return useSyncExternalStore(onSessionChange, () => sessionStorage.getItem('coffer.console.session'));
}

export function App() {
  useSession();
  const session = currentSession();
  const [opened, { toggle, close }] = useDisclosure();
  const [location] = useLocation();
  const queryClient = useQueryClient();
  const { colorScheme, toggleColorScheme } = useMantineColorScheme();
  if (!session) return <SignInPage />;
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={1} size="h4">
              Coffer
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" c="dimmed" visibleFrom="sm" data-testid="signed-in-as">
              {session.signedInAs}
              {session.isRoot ? ' (root)' : ''}
            </Text>
            <ActionIcon
              variant="default"
              size="lg"
              onClick={toggleColorScheme}
              aria-label={colorScheme === 'dark' ? 'Use light theme' : 'Use dark theme'}
            >
              {colorScheme === 'dark' ? '☀' : '☾'}
            </ActionIcon>
            <Button
              variant="default"
              onClick={() => {
                signOut();
                queryClient.clear();
              }}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <NavLink
          component={Link}
          href="/"
          label="Bucket List"
          active={location === '/' || location.startsWith('/buckets')}
          onClick={close}
        />
        {session.isRoot && (
          <NavLink
            component={Link}
            href="/users"
            label="Users and keys"
            active={location.startsWith('/users')}
            onClick={close}
          />
        )}
      </AppShell.Navbar>
      <AppShell.Main>
        <Switch>
          <Route path="/" component={BucketsPage} />
          <Route path="/buckets/:bucket/:tab?">
            {(params) => <BucketPage bucket={params.bucket} tab={params.tab ?? 'files'} />}
          </Route>
          <Route path="/users" component={UsersPage} />
          <Route>
            <Redirect to="/" />
          </Route>
        </Switch>
      </AppShell.Main>
    </AppShell>
  );
}
