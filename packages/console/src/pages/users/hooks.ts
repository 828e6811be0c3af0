import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { adminFetch } from '../../api/session.js';

export interface User {
  uin: string;
  name: string;
  ownerId: string;
  createdAt: string;
}
export interface UserDetail extends User {
  keys: { secretId: string; createdAt: string }[];
  policies: string[];
}
export interface NewKey {
  secretId: string;
  secretKey: string;
  createdAt: string;
}

export function useUsers() {
  return useQuery({
    queryKey: ['users'],
    queryFn: async () => (await adminFetch<{ users: User[] }>('GET', '/-/admin/users')).users,
  });
}

export function useUser(uin: string | undefined) {
  return useQuery({
    queryKey: ['user', uin],
    enabled: !!uin,
    queryFn: () => adminFetch<UserDetail>('GET', `/-/admin/users/${uin}`),
  });
}

function useAdminMutation<T, R>(fn: (input: T) => Promise<R>, keys: unknown[][]) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  });
}

export const useCreateUser = () =>
  useAdminMutation((name: string) => adminFetch<User>('POST', '/-/admin/users', { body: { name } }), [['users']]);
export const useDeleteUser = () =>
  useAdminMutation((uin: string) => adminFetch<void>('DELETE', `/-/admin/users/${uin}`), [['users']]);
export const useCreateKey = (uin: string) =>
  useAdminMutation(() => adminFetch<NewKey>('POST', `/-/admin/users/${uin}/keys`), [['user', uin]]);
export const useDeleteKey = (uin: string) =>
  useAdminMutation((secretId: string) => adminFetch<void>('DELETE', `/-/admin/keys/${secretId}`), [['user', uin]]);
export const usePutPolicy = (uin: string) =>
  useAdminMutation(
    ({ name, document }: { name: string; document: unknown }) =>
      adminFetch<void>('PUT', `/-/admin/users/${uin}/policies/${encodeURIComponent(name)}`, { body: document }),
    [['user', uin]],
  );
export const useDeletePolicy = (uin: string) =>
  useAdminMutation(
    (name: string) => adminFetch<void>('DELETE', `/-/admin/users/${uin}/policies/${encodeURIComponent(name)}`),
    [['user', uin]],
  );

export function usePolicy(uin: string, name: string | undefined) {
  return useQuery({
    queryKey: ['policy', uin, name],
    enabled: !!name,
    queryFn: () => adminFetch<unknown>('GET', `/-/admin/users/${uin}/policies/${encodeURIComponent(name!)}`),
  });
}
