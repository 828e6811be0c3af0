#!/usr/bin/env node
// Bootstrap: settings that must be in place before any module touches libuv's threadpool.
//
// Every PUT makes several blocking file-system calls (open, write, fsync of the file and of its
// directory, rename) that run on libuv's threadpool, 4 threads by default: with dozens of uploads in
// flight the pool, not the CPU, is what they wait for. An operator's own UV_THREADPOOL_SIZE wins.
process.env.UV_THREADPOOL_SIZE ??= '16';
await import('./cli.js');
