import type { LifecycleRule } from '@coffer/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { cos } from '../../api/session.js';

export type { LifecycleRule };

export function useLifecycle(bucket: string, region: string) {
  return useQuery({
    queryKey: ['lifecycle', bucket],
    queryFn: async () => (await cos().getBucketLifecycle({ Bucket: bucket, Region: region })).Rules ?? [],
  });
}

/** PUT Bucket lifecycle replaces the whole configuration: the page sends every rule; none = DELETE. */
export function usePutLifecycle(bucket: string, region: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (rules: LifecycleRule[]) =>
      rules.length === 0
        ? cos().deleteBucketLifecycle({ Bucket: bucket, Region: region })
        : cos().putBucketLifecycle({ Bucket: bucket, Region: region, Rules: rules }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['lifecycle', bucket] }),
  });
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The rules as the LifecycleConfiguration XML the API carries (for reading; the SDK builds what it sends). */
export function lifecycleXml(rules: LifecycleRule[]): string {
  const element = (name: string, value: unknown, indent: string): string => {
    if (Array.isArray(value)) return value.map((v) => element(name, v, indent)).join('');
    if (value !== null && typeof value === 'object') {
      const inner = Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => element(k, v, `${indent}  `))
        .join('');
      return inner ? `${indent}<${name}>\n${inner}${indent}</${name}>\n` : `${indent}<${name}/>\n`;
    }
    return `${indent}<${name}>${escapeXml(String(value))}</${name}>\n`;
  };
  return `<LifecycleConfiguration>\n${element('Rule', rules, '  ')}</LifecycleConfiguration>`;
}
