import { type ComponentType, useEffect, useState } from 'react';
import { PageLoader } from './page-loader.js';

/**
 * A code-split page: its chunk is fetched by `load` (once), a loader shows meanwhile, then the page renders.
 * Not React.lazy: a Suspense boundary that has shown its fallback reveals the content on React 19's 300 ms
 * throttle, and nested boundaries (route, then tab) added over half a second to opening a bucket. A plain
 * state update renders the page as soon as its chunk has arrived. `preload` starts the fetch early.
 */
export function lazyPage<P extends object>(
  load: () => Promise<ComponentType<P>>,
): ComponentType<P> & { preload: () => Promise<void> } {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<void> | undefined;
  const preload = () => {
    loading ??= load().then((page) => {
      loaded = page;
    });
    return loading;
  };
  // biome-ignore lint/correctness/noComponentHookFactories: called once per page, at module level, never in render
  function LazyPage(props: P) {
    const [, setReady] = useState(loaded !== undefined);
    useEffect(() => {
      if (!loaded) void preload().then(() => setReady(true));
    }, []);
    if (!loaded) return <PageLoader />;
    const Page = loaded;
    return <Page {...props} />;
  }
  return Object.assign(LazyPage, { preload });
}
