import type { Can } from '../../api/permissions.js';

/** What every bucket tab receives (its own module so that the tabs need not import the page that lists them). */
export interface TabProps {
  bucket: string;
  region: string;
  /** What the caller may do on this bucket (GET /-/whoami). */
  can: Can;
}
