import { Stack } from '@mantine/core';
import { ConfigEditor } from '../../components/ui/config-editor.js';
import type { TabProps } from '../bucket/tab-props.js';
import { xmlSource } from './sources.js';

const TAGGING_TEMPLATE = `<Tagging>
  <TagSet>
    <Tag>
      <Key>team</Key>
      <Value>media</Value>
    </Tag>
  </TagSet>
</Tagging>`;

/** Basic Configurations, as the COS console groups them: bucket tags (lifecycle and versioning have their tabs). */
export function BasicConfigurationsPage({ bucket, can }: TabProps) {
  return (
    <Stack>
      <ConfigEditor
        bucket={bucket}
        name="tagging"
        title="Bucket tags"
        format="xml"
        docUrl="https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html"
        description="Key-value tags on the bucket, for cost allocation and for policies' conditions (up to 50)."
        template={TAGGING_TEMPLATE}
        source={xmlSource(bucket, 'tagging', ['NoSuchTagSet'])}
        canWrite={can('PutBucketTagging')}
      />
    </Stack>
  );
}
