import { Center, Loader } from '@mantine/core';

/** What a code-split page shows while its chunk loads. */
export function PageLoader() {
  return (
    <Center mih={120} aria-busy="true">
      <Loader size="sm" aria-label="Loading" />
    </Center>
  );
}
