export * from './checksum/index.js';
export * from './errors.js';
export * from './sign/index.js';
export * from './xml/index.js';
